import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import {
  keyIdOf,
  stationAuthText,
  verifyEnvelope,
  verifySignature,
  type AuthResponse,
  type SignedEnrolmentRequest,
} from '@polder/protocol';
import { uuid7 } from '../db/uuid7.ts';
import type { Database } from '../db/database.ts';
import type { StationsTable } from './_station-tables.ts';

export type StationRow = Selectable<StationsTable>;

/** Lifetimes of what the station protocol hands out, in milliseconds. */
export interface StationProtocolTimes {
  /** How long an enrolment token stays valid. @default 24 hours */
  readonly enrolmentTokenMs: number;
  /** How long a challenge nonce may be answered. @default 2 minutes */
  readonly challengeMs: number;
  /** How long a station session lasts. @default 15 minutes */
  readonly sessionMs: number;
}

export const defaultStationProtocolTimes: StationProtocolTimes = Object.freeze({
  enrolmentTokenMs: 24 * 60 * 60 * 1000,
  challengeMs: 2 * 60 * 1000,
  sessionMs: 15 * 60 * 1000,
});

/** Why the hub refused a station's request; `reason` goes to the audit log, `message` to the station. */
export interface Refusal {
  readonly refused: true;
  readonly reason: string;
  readonly message: string;
}

function refusal(reason: string, message: string): Refusal {
  return { refused: true, reason, message };
}

/** SHA-256 (base64url) of a secret the hub hands out: tokens and nonces are stored only as hashes. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Creates a pending station and its one-time enrolment token (returned once, stored hashed). */
export async function insertStation(
  db: Kysely<Database>,
  station: {
    readonly name: string;
    readonly organisationId: string | null;
    readonly createdBy: string | null;
  },
  options: { readonly now: Date; readonly tokenMs: number },
): Promise<{ station: StationRow; token: string; tokenExpiresAt: Date }> {
  const token = randomSecret();
  const tokenExpiresAt = new Date(options.now.getTime() + options.tokenMs);
  const row = await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('stations')
      .values({
        id: uuid7(options.now),
        name: station.name,
        organisation_id: station.organisationId,
        status: 'pending',
        public_key: null,
        key_id: null,
        software_version: null,
        created_at: options.now,
        created_by: station.createdBy,
        enrolled_at: null,
        revoked_at: null,
        last_published_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('station_enrolment_tokens')
      .values({
        token_hash: hashSecret(token),
        station_id: inserted.id,
        expires_at: tokenExpiresAt,
        used_at: null,
        created_at: options.now,
      })
      .execute();
    return inserted;
  });
  return { station: row, token, tokenExpiresAt };
}

/** Stations, newest first; only those of one organisation when `organisationId` is given. */
export async function selectStations(
  db: Kysely<Database>,
  filter: { readonly organisationId?: string | null } = {},
): Promise<StationRow[]> {
  let query = db.selectFrom('stations').selectAll().orderBy('created_at', 'desc').orderBy('id');
  if (filter.organisationId !== undefined) {
    if (filter.organisationId === null) return [];
    query = query.where('organisation_id', '=', filter.organisationId);
  }
  return query.execute();
}

export async function selectStation(db: Kysely<Database>, id: string): Promise<StationRow | undefined> {
  return db.selectFrom('stations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Revokes a station: it can no longer enrol, authenticate or publish; its sessions and tokens end at once. */
export async function revokeStationRecord(
  db: Kysely<Database>,
  id: string,
  now: Date,
): Promise<StationRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('stations')
      .set({ status: 'revoked', revoked_at: sql<Date>`coalesce(revoked_at, ${now})` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) return undefined;
    await trx.deleteFrom('station_sessions').where('station_id', '=', id).execute();
    await trx.deleteFrom('station_auth_challenges').where('station_id', '=', id).execute();
    await trx
      .updateTable('station_enrolment_tokens')
      .set({ used_at: now })
      .where('station_id', '=', id)
      .where('used_at', 'is', null)
      .execute();
    return row;
  });
}

/**
 * Redeems a one-time token for the station it was made for, recording the station's key. The token is spent
 * by a conditional update, so two requests racing with the same token cannot both win.
 */
export async function enrolStationRecord(
  db: Kysely<Database>,
  envelope: SignedEnrolmentRequest,
  now: Date,
): Promise<StationRow | Refusal> {
  const request = envelope.payload;
  if (!verifyEnvelope(envelope, request.stationPublicKey)) {
    return refusal('bad-proof', 'Cannot enrol station: the request is not signed by the key it enrols');
  }
  const keyInUse = refusal(
    'key-in-use',
    'Cannot enrol station: its public key is enrolled for another station; make a new key pair',
  );
  const taken = await db
    .selectFrom('stations')
    .select('id')
    .where('public_key', '=', request.stationPublicKey)
    .executeTakeFirst();
  if (taken !== undefined) return keyInUse;
  const tokenHash = hashSecret(request.token);
  try {
    return await spendTokenAndEnrol(db, request, tokenHash, now);
  } catch (error) {
    // Two enrolments racing with one key: the unique index lets one through, the other is refused.
    if ((error as { code?: unknown }).code === '23505') return keyInUse;
    throw error;
  }
}

async function spendTokenAndEnrol(
  db: Kysely<Database>,
  request: SignedEnrolmentRequest['payload'],
  tokenHash: string,
  now: Date,
): Promise<StationRow | Refusal> {
  return db.transaction().execute(async (trx) => {
    const spent = await trx
      .updateTable('station_enrolment_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('station_id')
      .executeTakeFirst();
    if (spent === undefined) {
      const token = await trx
        .selectFrom('station_enrolment_tokens')
        .select(['used_at', 'expires_at'])
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (token === undefined)
        return refusal('unknown-token', 'Cannot enrol station: the token is not known');
      if (token.used_at !== null)
        return refusal('used-token', 'Cannot enrol station: the token was used already');
      return refusal(
        'expired-token',
        "Cannot enrol station: the token has expired; ask the hub's admin for a new one",
      );
    }
    const station = await trx
      .updateTable('stations')
      .set({
        status: 'enrolled',
        public_key: request.stationPublicKey,
        key_id: keyIdOf(request.stationPublicKey),
        software_version: request.stationVersion,
        enrolled_at: now,
      })
      .where('id', '=', spent.station_id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    return (
      station ?? refusal('not-pending', 'Cannot enrol station: the station is revoked or enrolled already')
    );
  });
}

/** Issues a challenge nonce to an enrolled station (stored hashed; single use). */
export async function issueChallenge(
  db: Kysely<Database>,
  stationId: string,
  options: { readonly now: Date; readonly challengeMs: number },
): Promise<{ nonce: string; expiresAt: Date } | Refusal> {
  const station = await selectStation(db, stationId);
  if (station?.status !== 'enrolled') {
    return refusal(
      station === undefined ? 'unknown-station' : `station-${station.status}`,
      'Cannot authenticate station: no enrolled station has this id',
    );
  }
  const nonce = randomSecret();
  const expiresAt = new Date(options.now.getTime() + options.challengeMs);
  await db.deleteFrom('station_auth_challenges').where('expires_at', '<=', options.now).execute();
  await db
    .insertInto('station_auth_challenges')
    .values({ nonce_hash: hashSecret(nonce), station_id: stationId, expires_at: expiresAt })
    .execute();
  return { nonce, expiresAt };
}

/**
 * Checks a station's answer to a challenge (nonce issued to it, unused, unexpired; signature by its enrolled
 * key) and opens a session. The nonce is spent whatever the outcome.
 */
export async function answerChallenge(
  db: Kysely<Database>,
  answer: AuthResponse,
  options: { readonly now: Date; readonly sessionMs: number },
): Promise<{ station: StationRow; token: string; expiresAt: Date } | Refusal> {
  const challenge = await db
    .deleteFrom('station_auth_challenges')
    .where('nonce_hash', '=', hashSecret(answer.nonce))
    .where('station_id', '=', answer.stationId)
    .returning('expires_at')
    .executeTakeFirst();
  if (challenge === undefined) {
    return refusal(
      'unknown-nonce',
      'Cannot authenticate station: the challenge is unknown or was answered already',
    );
  }
  if (challenge.expires_at.getTime() <= options.now.getTime()) {
    return refusal(
      'expired-nonce',
      'Cannot authenticate station: the challenge has expired; ask for a new one',
    );
  }
  const station = await selectStation(db, answer.stationId);
  if (station?.status !== 'enrolled' || station.public_key === null) {
    return refusal('not-enrolled', 'Cannot authenticate station: no enrolled station has this id');
  }
  if (!verifySignature(station.public_key, stationAuthText(station.id, answer.nonce), answer.signature)) {
    return refusal(
      'bad-signature',
      "Cannot authenticate station: the signature does not verify with the station's key",
    );
  }
  const token = randomSecret();
  const expiresAt = new Date(options.now.getTime() + options.sessionMs);
  await db.deleteFrom('station_sessions').where('expires_at', '<=', options.now).execute();
  await db
    .insertInto('station_sessions')
    .values({
      token_hash: hashSecret(token),
      station_id: station.id,
      expires_at: expiresAt,
      created_at: options.now,
    })
    .execute();
  return { station, token, expiresAt };
}

/** The enrolled station a session token belongs to, if the session is live. */
export async function stationOfSession(
  db: Kysely<Database>,
  token: string,
  now: Date,
): Promise<StationRow | undefined> {
  return db
    .selectFrom('station_sessions')
    .innerJoin('stations', 'stations.id', 'station_sessions.station_id')
    .selectAll('stations')
    .where('station_sessions.token_hash', '=', hashSecret(token))
    .where('station_sessions.expires_at', '>', now)
    .where('stations.status', '=', 'enrolled')
    .executeTakeFirst();
}

/**
 * Records a publication a station signed (its signature already checked): refuses one older than the last
 * accepted from that station, so that an old signed description cannot be replayed over a newer one.
 */
export async function insertPublication(
  db: Kysely<Database>,
  publication: {
    readonly stationId: string;
    readonly publishedAt: Date;
    readonly descriptionDigest: string;
    readonly envelope: object;
  },
  now: Date,
): Promise<{ receivedAt: Date } | Refusal> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('stations')
      .set({ last_published_at: publication.publishedAt })
      .where('id', '=', publication.stationId)
      .where((eb) =>
        eb.or([eb('last_published_at', 'is', null), eb('last_published_at', '<=', publication.publishedAt)]),
      )
      .returning('id')
      .executeTakeFirst();
    if (updated === undefined) {
      return refusal(
        'stale-publication',
        'Cannot publish dataset description: a description published later was accepted already',
      );
    }
    await trx
      .insertInto('station_publications')
      .values({
        id: uuid7(now),
        station_id: publication.stationId,
        published_at: publication.publishedAt,
        received_at: now,
        description_digest: publication.descriptionDigest,
        envelope: JSON.stringify(publication.envelope),
      })
      .execute();
    return { receivedAt: now };
  });
}
