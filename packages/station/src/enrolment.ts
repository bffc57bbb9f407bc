import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AuthChallenge,
  canonicalDigest,
  DatasetDescription,
  EnrolmentResponse,
  exportPrivateKey,
  generateSigningKeyPair,
  importPrivateKey,
  keyIdOf,
  openEnvelope,
  ProtocolError,
  PublicationReceipt,
  signEnvelope,
  signText,
  StationSession,
  stationAuthText,
  stationSessionHeader,
  type AuthResponse,
  type DatasetDescriptionPublication,
  type EnrolmentRequest,
  type SigningKeyPair,
} from '@polder/protocol';
import { Compile } from 'typebox/compile';
import type { StationStore } from './station-store.ts';

/** The version of the station software that a station reports when it enrols. */
export const stationSoftwareVersion = '0.1.0';

/** What enrolment needs of a station: its directory (for the key and the pinned hub key) and its name. */
export type FederatedStation = Pick<StationStore, 'dir' | 'info'>;

/** What a station knows about its enrolment, kept in `enrolment.json` in the station's directory. */
export interface StationEnrolment {
  /** The hub's base URL the station talks to (as the steward gave it). */
  readonly hubUrl: string;
  /** The station's id at the hub. */
  readonly stationId: string;
  /** The hub's Ed25519 public key (base64url raw), pinned at enrolment: only what it signed is accepted. */
  readonly hubPublicKey: string;
  readonly hubKeyId: string;
  /** The station's own public key as enrolled; the private half is in `station-key.pem` (mode 0600). */
  readonly stationPublicKey: string;
  readonly stationKeyId: string;
  readonly enrolledAt: string;
}

/** A short-lived session at the hub, from {@link authenticateToHub}. */
export interface HubSession {
  readonly stationId: string;
  /** Session token for station routes, sent in `X-Polder-Station-Token`. A secret: never log it. */
  readonly token: string;
  readonly expiresAt: string;
}

/** Why talking to the hub failed. */
export type FederationErrorCode =
  /** `enrolStation` on a station that is enrolled already. */
  | 'already-enrolled'
  /** Authentication or publication on a station that has not enrolled. */
  | 'not-enrolled'
  /** The hub could not be reached (network, timeout). */
  | 'hub-unreachable'
  /** The hub answered with an error status: refused token, revoked station, invalid description. */
  | 'hub-refused'
  /** The hub's answer is not signed by the pinned hub key, or says something other than was asked. */
  | 'untrusted-response'
  /** The description to publish does not fit the DatasetDescription schema (checked before sending). */
  | 'invalid-description';

/** The one error of the station's side of the federation protocol; `status` is the hub's HTTP status, if any. */
export class FederationError extends Error {
  override readonly name = 'FederationError';
  readonly code: FederationErrorCode;
  readonly status: number | undefined;

  constructor(code: FederationErrorCode, message: string, options?: ErrorOptions & { status?: number }) {
    super(message, options);
    this.code = code;
    this.status = options?.status;
  }
}

/** Options shared by every call to the hub. */
export interface HubCallOptions {
  /** The fetch implementation, for tests. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Time allowed for each request, in milliseconds. @default 30000 */
  readonly timeoutMs?: number;
}

/** Options for {@link enrolStation}. */
export interface EnrolStationOptions extends HubCallOptions {
  /** The hub's base URL, e.g. 'https://hub.example.org/'. */
  readonly hubUrl: string;
  /** The one-time enrolment token the hub's admin handed out. A secret: never logged. */
  readonly token: string;
  /**
   * The hub key's id as the hub's admin announced it out of band. When given, enrolment fails unless the
   * hub answers with that key; without it, the station trusts the key it meets first (and pins it).
   */
  readonly hubKeyId?: string;
  /**
   * Enrol again (a new key pair, a new station id) although the station is enrolled, e.g. after the hub
   * revoked it. @default false
   */
  readonly reenrol?: boolean;
}

const enrolmentFile = 'enrolment.json';
const descriptionValidator = Compile(DatasetDescription);
const keyFile = 'station-key.pem';

/**
 * Enrols the station at a hub: makes an Ed25519 key pair (private key in `station-key.pem`, mode 0600),
 * sends the one-time token with the public key, signed with the new key, over HTTP, checks the hub's signed
 * answer, and pins the hub's public key with the station id in `enrolment.json`.
 * @throws FederationError ('already-enrolled', 'hub-unreachable', 'hub-refused', 'untrusted-response')
 * @example
 * const enrolment = await enrolStation(store, { hubUrl: 'http://localhost:3000', token });
 */
export async function enrolStation(
  station: FederatedStation,
  options: EnrolStationOptions,
): Promise<StationEnrolment> {
  const existing = await readStationEnrolment(station);
  if (existing !== undefined && options.reenrol !== true) {
    throw new FederationError(
      'already-enrolled',
      `Cannot enrol station: it is enrolled at ${existing.hubUrl} as ${existing.stationId} (enrol again with reenrol)`,
    );
  }
  const keyPair = generateSigningKeyPair();
  const request: EnrolmentRequest = {
    type: 'polder.station-enrolment-request.v1',
    token: options.token,
    stationPublicKey: keyPair.publicKey,
    stationName: station.info.name,
    stationVersion: stationSoftwareVersion,
  };
  const body = await callHub(options.hubUrl, 'api/station-enrolment', signEnvelope(request, keyPair), {
    ...options,
    what: 'enrol station',
  });
  const claimedHubKey = hubKeyClaimedIn(body);
  if (options.hubKeyId !== undefined && keyIdOf(claimedHubKey) !== options.hubKeyId) {
    throw new FederationError(
      'untrusted-response',
      `Cannot enrol station: the hub answered with key ${keyIdOf(claimedHubKey)}, not the announced ${options.hubKeyId}`,
    );
  }
  const response = openHubEnvelope(
    body,
    claimedHubKey,
    EnrolmentResponse,
    'enrol station',
    'enrolment response',
  );
  if (response.stationPublicKey !== keyPair.publicKey) {
    throw new FederationError(
      'untrusted-response',
      "Cannot enrol station: the hub's answer is for another station key (a replayed answer?)",
    );
  }
  const enrolment: StationEnrolment = {
    hubUrl: options.hubUrl,
    stationId: response.stationId,
    hubPublicKey: response.hubPublicKey,
    hubKeyId: keyIdOf(response.hubPublicKey),
    stationPublicKey: keyPair.publicKey,
    stationKeyId: keyPair.keyId,
    enrolledAt: response.enrolledAt,
  };
  await writePrivate(join(station.dir, keyFile), exportPrivateKey(keyPair));
  await writePrivate(join(station.dir, enrolmentFile), `${JSON.stringify(enrolment, null, 2)}\n`);
  return enrolment;
}

/** The station's enrolment, or `undefined` when it has not enrolled. */
export async function readStationEnrolment(
  station: Pick<StationStore, 'dir'>,
): Promise<StationEnrolment | undefined> {
  let text: string;
  try {
    text = await readFile(join(station.dir, enrolmentFile), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as StationEnrolment;
}

/**
 * Authenticates the station to its hub: asks for a challenge, checks that the pinned hub key signed it, signs
 * `polder-station-auth:v1:<stationId>:<nonce>` with the station key, and returns the short-lived session the
 * hub grants (also signed with the pinned key).
 * @throws FederationError ('not-enrolled', 'hub-unreachable', 'hub-refused', 'untrusted-response')
 */
export async function authenticateToHub(
  station: FederatedStation,
  options: HubCallOptions = {},
): Promise<HubSession> {
  const { enrolment, keyPair } = await loadIdentity(station, 'authenticate to hub');
  const what = 'authenticate to hub';
  const challengeBody = await callHub(
    enrolment.hubUrl,
    'api/station-auth/challenge',
    { stationId: enrolment.stationId },
    { ...options, what },
  );
  const challenge = openHubEnvelope(challengeBody, enrolment.hubPublicKey, AuthChallenge, what, 'challenge');
  if (challenge.stationId !== enrolment.stationId) {
    throw new FederationError('untrusted-response', `Cannot ${what}: the challenge is for another station`);
  }
  const answer: AuthResponse = {
    stationId: enrolment.stationId,
    nonce: challenge.nonce,
    signature: signText(keyPair, stationAuthText(enrolment.stationId, challenge.nonce)),
  };
  const sessionBody = await callHub(enrolment.hubUrl, 'api/station-auth/response', answer, {
    ...options,
    what,
  });
  const session = openHubEnvelope(sessionBody, enrolment.hubPublicKey, StationSession, what, 'session');
  if (session.stationId !== enrolment.stationId) {
    throw new FederationError('untrusted-response', `Cannot ${what}: the session is for another station`);
  }
  return { stationId: session.stationId, token: session.token, expiresAt: session.expiresAt };
}

/** Options for {@link publishDatasetDescription}. */
export interface PublishOptions extends HubCallOptions {
  /** A session from {@link authenticateToHub}; without one (or when it has expired) the station authenticates. */
  readonly session?: HubSession;
}

/** The hub's receipt for a publication, checked against the pinned hub key. */
export interface PublicationAcknowledgement {
  readonly stationId: string;
  /** The catalogue dataset the description went into; its page is `<hub>/datasets/<datasetId>`. */
  readonly datasetId: string;
  /** SHA-256 of the description's canonical JSON (base64url): the hub stored exactly what was sent. */
  readonly descriptionDigest: string;
  readonly publishedAt: string;
  readonly receivedAt: string;
}

/**
 * Publishes the station's dataset description to its hub, signed with the station key, and checks the hub's
 * signed receipt (pinned key, same digest).
 * @throws FederationError ('invalid-description', 'not-enrolled', 'hub-unreachable', 'hub-refused',
 *   'untrusted-response')
 */
export async function publishDatasetDescription(
  station: FederatedStation,
  description: DatasetDescription,
  options: PublishOptions = {},
): Promise<PublicationAcknowledgement> {
  const what = 'publish dataset description';
  if (!descriptionValidator.Check(description)) {
    const first = descriptionValidator.Errors(description)[0];
    throw new FederationError(
      'invalid-description',
      `Cannot ${what}: it does not fit the schema${first === undefined ? '' : ` (${first.instancePath || '/'} ${first.message})`}`,
    );
  }
  const { enrolment, keyPair } = await loadIdentity(station, what);
  const session =
    options.session !== undefined && Date.parse(options.session.expiresAt) > Date.now() + 5_000
      ? options.session
      : await authenticateToHub(station, options);
  const publication: DatasetDescriptionPublication = {
    type: 'polder.dataset-description.v1',
    stationId: enrolment.stationId,
    publishedAt: new Date().toISOString(),
    description,
  };
  const digest = canonicalDigest(description);
  const body = await callHub(
    enrolment.hubUrl,
    `api/stations/${enrolment.stationId}/dataset-description`,
    signEnvelope(publication, keyPair),
    { ...options, what, sessionToken: session.token },
  );
  const receipt = openHubEnvelope(
    body,
    enrolment.hubPublicKey,
    PublicationReceipt,
    what,
    'publication receipt',
  );
  if (receipt.stationId !== enrolment.stationId || receipt.descriptionDigest !== digest) {
    throw new FederationError(
      'untrusted-response',
      `Cannot ${what}: the hub's receipt is for another description`,
    );
  }
  return {
    stationId: receipt.stationId,
    datasetId: receipt.datasetId,
    descriptionDigest: receipt.descriptionDigest,
    publishedAt: receipt.publishedAt,
    receivedAt: receipt.receivedAt,
  };
}

async function loadIdentity(
  station: FederatedStation,
  what: string,
): Promise<{ enrolment: StationEnrolment; keyPair: SigningKeyPair }> {
  const enrolment = await readStationEnrolment(station);
  if (enrolment === undefined) {
    throw new FederationError('not-enrolled', `Cannot ${what}: the station has not enrolled at a hub`);
  }
  const keyPair = importPrivateKey(await readFile(join(station.dir, keyFile), 'utf8'));
  if (keyPair.publicKey !== enrolment.stationPublicKey) {
    throw new FederationError(
      'not-enrolled',
      `Cannot ${what}: ${keyFile} is not the key the station enrolled with`,
    );
  }
  return { enrolment, keyPair };
}

/** The hub key an enrolment answer claims, read before its signature can be checked (with that very key). */
function hubKeyClaimedIn(body: unknown): string {
  const payload = (body as { payload?: { hubPublicKey?: unknown } } | null)?.payload;
  if (typeof payload?.hubPublicKey !== 'string') {
    throw new FederationError(
      'untrusted-response',
      "Cannot enrol station: the hub's answer names no hub key",
    );
  }
  return payload.hubPublicKey;
}

function openHubEnvelope<Schema extends Parameters<typeof openEnvelope>[1]['schema']>(
  body: unknown,
  publicKey: string,
  schema: Schema,
  what: string,
  message: string,
) {
  try {
    return openEnvelope(body, { publicKey, schema, what: message });
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    throw new FederationError('untrusted-response', `Cannot ${what}: ${error.message}`, { cause: error });
  }
}

async function callHub(
  hubUrl: string,
  path: string,
  body: unknown,
  options: HubCallOptions & { what: string; sessionToken?: string },
): Promise<unknown> {
  const url = new URL(path, hubUrl.endsWith('/') ? hubUrl : `${hubUrl}/`);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.sessionToken !== undefined) headers[stationSessionHeader] = options.sessionToken;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw new FederationError(
      'hub-unreachable',
      `Cannot ${options.what}: the hub at ${url.origin} did not answer`,
      {
        cause: error,
      },
    );
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    // The hub answers errors as { error: { code, message } }.
    const reason = (parsed as { error?: { message?: unknown } } | undefined)?.error?.message;
    throw new FederationError(
      'hub-refused',
      `Cannot ${options.what}: the hub refused (${response.status}${typeof reason === 'string' ? `: ${reason}` : ''})`,
      { status: response.status },
    );
  }
  if (parsed === undefined) {
    throw new FederationError('untrusted-response', `Cannot ${options.what}: the hub's answer is not JSON`);
  }
  return parsed;
}

/** Writes a file only its owner can read, atomically (a crash leaves the old file or the new one). */
async function writePrivate(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode: 0o600 });
  // The umask cannot widen 0600, but an existing file keeps its mode on write; chmod makes it certain.
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}
