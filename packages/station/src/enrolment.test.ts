import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateSigningKeyPair,
  signEnvelope,
  stationAuthText,
  verifyEnvelope,
  verifySignature,
  canonicalDigest,
  type AuthResponse,
  type DatasetDescription,
  type DatasetDescriptionPublication,
  type EnrolmentRequest,
  type SignedEnvelope,
  type SigningKeyPair,
} from '@polder/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authenticateToHub,
  enrolStation,
  FederationError,
  publishDatasetDescription,
  readStationEnrolment,
  type FederatedStation,
} from './enrolment.ts';

/**
 * A stand-in hub over real HTTP that speaks the protocol and can misbehave on demand: sign with another key,
 * or change a signed answer after signing it. The real hub's end-to-end test lives in packages/hub.
 */
interface FakeHub {
  readonly url: string;
  readonly key: SigningKeyPair;
  /** 'impostor' signs with a key other than the pinned one; 'tamper' edits the payload after signing. */
  misbehave: 'impostor' | 'tamper' | undefined;
  readonly published: unknown[];
  close(): Promise<void>;
}

async function startFakeHub(): Promise<FakeHub> {
  const key = generateSigningKeyPair();
  const impostor = generateSigningKeyPair();
  const tokens = new Set(['T'.repeat(43)]);
  const stations = new Map<string, string>();
  const nonces = new Map<string, string>();
  const sessions = new Map<string, string>();
  const published: unknown[] = [];
  const hub: FakeHub = { url: '', key, misbehave: undefined, published, close: async () => {} };
  const sign = (payload: Record<string, unknown>) => {
    if (hub.misbehave === 'impostor') return signEnvelope(payload, impostor);
    const envelope = signEnvelope(payload, key);
    return hub.misbehave === 'tamper' ? { ...envelope, payload: { ...payload, tampered: true } } : envelope;
  };
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      const answer = (status: number, value: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      const now = Date.now();
      if (request.url === '/api/station-enrolment') {
        const envelope = body as unknown as SignedEnvelope<EnrolmentRequest>;
        const { token, stationPublicKey } = envelope.payload;
        if (!tokens.delete(token))
          return answer(401, {
            error: { code: 'unauthenticated', message: 'Cannot enrol station: token unknown or used' },
          });
        if (!verifyEnvelope(envelope, stationPublicKey))
          return answer(401, { error: { code: 'unauthenticated', message: 'bad proof' } });
        const stationId = randomUUID();
        stations.set(stationId, stationPublicKey);
        return answer(
          201,
          sign({
            type: 'polder.station-enrolment.v1',
            stationId,
            stationPublicKey,
            hubPublicKey: key.publicKey,
            hubUrl: hub.url,
            enrolledAt: new Date(now).toISOString(),
          }),
        );
      }
      if (request.url === '/api/station-auth/challenge') {
        const nonce = randomBytes(32).toString('base64url');
        nonces.set(nonce, String(body['stationId']));
        return answer(
          200,
          sign({
            type: 'polder.station-auth-challenge.v1',
            stationId: body['stationId'],
            nonce,
            expiresAt: new Date(now + 60_000).toISOString(),
          }),
        );
      }
      if (request.url === '/api/station-auth/response') {
        const { stationId, nonce, signature } = body as unknown as AuthResponse;
        const publicKey = stations.get(stationId);
        if (nonces.get(nonce) !== stationId || publicKey === undefined)
          return answer(401, { error: { code: 'unauthenticated', message: 'no' } });
        nonces.delete(nonce);
        if (!verifySignature(publicKey, stationAuthText(stationId, nonce), signature)) {
          return answer(401, {
            error: { code: 'unauthenticated', message: 'Cannot authenticate station: bad signature' },
          });
        }
        const token = randomBytes(32).toString('base64url');
        sessions.set(token, stationId);
        const expiresAt = new Date(now + 600_000).toISOString();
        return answer(200, sign({ type: 'polder.station-session.v1', stationId, token, expiresAt }));
      }
      const match = /^\/api\/stations\/([^/]+)\/dataset-description$/.exec(request.url ?? '');
      if (match !== null) {
        const stationId = match[1]!;
        const sessionToken = String(request.headers['x-polder-station-token'] ?? '');
        const envelope = body as unknown as SignedEnvelope<DatasetDescriptionPublication>;
        if (sessions.get(sessionToken) !== stationId)
          return answer(401, { error: { code: 'unauthenticated', message: 'no session' } });
        if (!verifyEnvelope(envelope, stations.get(stationId)!))
          return answer(401, { error: { code: 'unauthenticated', message: 'bad signature' } });
        published.push(envelope.payload.description);
        return answer(
          200,
          sign({
            type: 'polder.publication-receipt.v1',
            stationId,
            datasetId: stationId,
            descriptionDigest: canonicalDigest(envelope.payload.description),
            publishedAt: envelope.payload.publishedAt,
            receivedAt: new Date(now).toISOString(),
          }),
        );
      }
      answer(404, { error: { code: 'not_found', message: 'not found' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(hub, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** The smallest description the schema accepts: statistics of an empty station. */
function minimalDescription(persons: number): DatasetDescription {
  return {
    statistics: {
      computedAt: new Date().toISOString(),
      cdmVersion: '5.4',
      disclosureControl: { minCount: 8, roundTo: 5 },
      persons,
      records: 0,
      sex: [],
      age: [],
      codingSystems: [],
      domains: [],
    },
  };
}

describe('station enrolment against a protocol-speaking hub', () => {
  let hub: FakeHub;
  let station: FederatedStation;
  const token = 'T'.repeat(43);

  beforeEach(async () => {
    hub = await startFakeHub();
    const dir = await mkdtemp(join(tmpdir(), 'polder-enrolment-'));
    station = { dir, info: { name: 'OLVG test station', createdAt: new Date().toISOString() } };
  });

  afterEach(async () => {
    await hub.close();
    await rm(station.dir, { recursive: true, force: true });
  });

  it('enrolStation() pins the hub key, keeps the private key at mode 0600, and the station can publish', async () => {
    const enrolment = await enrolStation(station, { hubUrl: hub.url, token, hubKeyId: hub.key.keyId });
    expect(enrolment.hubPublicKey).toBe(hub.key.publicKey);
    expect(await readStationEnrolment(station)).toEqual(enrolment);
    const keyStat = await stat(join(station.dir, 'station-key.pem'));
    expect(keyStat.mode & 0o777).toBe(0o600);
    expect(await readFile(join(station.dir, 'enrolment.json'), 'utf8')).not.toContain('PRIVATE KEY');

    const session = await authenticateToHub(station);
    expect(session.stationId).toBe(enrolment.stationId);
    const description = minimalDescription(100);
    const receipt = await publishDatasetDescription(station, description, { session });
    expect(receipt.descriptionDigest).toBe(canonicalDigest(description));
    expect(hub.published).toEqual([description]);
  });

  it('enrolStation() refuses a second enrolment unless asked to enrol again', async () => {
    await enrolStation(station, { hubUrl: hub.url, token });
    await expect(enrolStation(station, { hubUrl: hub.url, token })).rejects.toMatchObject({
      code: 'already-enrolled',
    });
  });

  it("enrolStation() reports the hub's refusal of a used token with its status and reason", async () => {
    await enrolStation(station, { hubUrl: hub.url, token });
    const error = await enrolStation(station, { hubUrl: hub.url, token, reenrol: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FederationError);
    expect(error).toMatchObject({ code: 'hub-refused', status: 401 });
    expect((error as Error).message).toBe(
      'Cannot enrol station: the hub refused (401: Cannot enrol station: token unknown or used)',
    );
    expect((error as Error).message).not.toContain(token);
  });

  it('enrolStation() refuses a hub whose key is not the one announced', async () => {
    const other = generateSigningKeyPair();
    await expect(
      enrolStation(station, { hubUrl: hub.url, token, hubKeyId: other.keyId }),
    ).rejects.toMatchObject({
      code: 'untrusted-response',
    });
    expect(await readStationEnrolment(station)).toBeUndefined();
  });

  it('enrolStation() refuses an enrolment answer changed after signing', async () => {
    hub.misbehave = 'tamper';
    await expect(enrolStation(station, { hubUrl: hub.url, token })).rejects.toMatchObject({
      code: 'untrusted-response',
    });
  });

  it('authenticateToHub() rejects a challenge or session not signed by the pinned hub key', async () => {
    await enrolStation(station, { hubUrl: hub.url, token });
    hub.misbehave = 'impostor';
    await expect(authenticateToHub(station)).rejects.toThrow(
      /^Cannot authenticate to hub: Cannot accept challenge: it is signed by key .+, not the expected key/,
    );
    hub.misbehave = 'tamper';
    await expect(authenticateToHub(station)).rejects.toMatchObject({ code: 'untrusted-response' });
  });

  it('publishDatasetDescription() rejects a receipt changed after signing', async () => {
    await enrolStation(station, { hubUrl: hub.url, token });
    const session = await authenticateToHub(station);
    hub.misbehave = 'tamper';
    await expect(publishDatasetDescription(station, minimalDescription(10), { session })).rejects.toThrow(
      'Cannot publish dataset description: Cannot accept publication receipt: its signature does not match its payload',
    );
  });

  it('publishDatasetDescription() checks the description before it sends anything', async () => {
    await enrolStation(station, { hubUrl: hub.url, token });
    const invalid = { statistics: { ...minimalDescription(10).statistics, persons: -5 } };
    await expect(publishDatasetDescription(station, invalid)).rejects.toThrow(
      /^Cannot publish dataset description: it does not fit the schema \(\/statistics\/persons /,
    );
    expect(hub.published).toEqual([]);
  });

  it('authenticateToHub() refuses a station that has not enrolled', async () => {
    await expect(authenticateToHub(station)).rejects.toMatchObject({ code: 'not-enrolled' });
  });

  it('reports an unreachable hub as such', async () => {
    await hub.close();
    await expect(enrolStation(station, { hubUrl: hub.url, token, timeoutMs: 2_000 })).rejects.toMatchObject({
      code: 'hub-unreachable',
    });
    hub = await startFakeHub();
  });
});
