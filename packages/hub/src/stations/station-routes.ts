import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import {
  AuthChallengeRequest,
  AuthResponse,
  canonicalDigest,
  HubKey,
  signEnvelope,
  stationSessionHeader,
  SignedAuthChallenge,
  SignedDatasetDescriptionPublication,
  SignedEnrolmentRequest,
  SignedEnrolmentResponse,
  SignedPublicationReceipt,
  SignedStationSession,
  verifyEnvelope,
  type AuthChallenge,
  type EnrolmentResponse,
  type PublicationReceipt,
  type StationSession,
} from '@polder/protocol';
import { describeRoute, hasRole, requirePrincipal, requireRole } from '../accounts/principal.ts';
import { auditRequest } from '../audit/audit-request.ts';
import { upsertDatasetDescription, type CatalogueDb } from '../catalogue/catalogue-store.ts';
import { HubError } from '../hub-error.ts';
import {
  BoundedString,
  ErrorResponse,
  IdParams,
  Nullable,
  StrictObject,
  Timestamp,
  Uuid,
} from '../schema.ts';
import { loadOrCreateHubSigningKey } from './_hub-signing-key.ts';
import {
  answerChallenge,
  defaultStationProtocolTimes,
  enrolStationRecord,
  insertPublication,
  insertStation,
  issueChallenge,
  revokeStationRecord,
  selectStations,
  stationOfSession,
  type Refusal,
  type StationRow,
} from './_station-records.ts';

/** How far a station's clock may run ahead of the hub's when it dates a publication, in milliseconds. */
const clockSkewMs = 5 * 60 * 1000;

const StationView = Type.Object({
  id: Uuid,
  name: Type.String(),
  organisationId: Nullable(Uuid),
  status: Type.Union([Type.Literal('pending'), Type.Literal('enrolled'), Type.Literal('revoked')]),
  publicKey: Nullable(Type.String()),
  keyId: Nullable(Type.String()),
  softwareVersion: Nullable(Type.String()),
  createdAt: Timestamp,
  enrolledAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
  lastPublishedAt: Nullable(Timestamp),
});

const CreatedStation = Type.Object({
  station: StationView,
  enrolmentToken: Type.String({ description: 'One-time enrolment token; shown once, store it nowhere' }),
  enrolmentTokenExpiresAt: Timestamp,
  hubKeyId: Type.String({ description: "The hub key's id, for the steward to check at enrolment" }),
});

const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};

function viewOf(row: StationRow) {
  const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
  return {
    id: row.id,
    name: row.name,
    organisationId: row.organisation_id,
    status: row.status,
    publicKey: row.public_key,
    keyId: row.key_id,
    softwareVersion: row.software_version,
    createdAt: new Date(row.created_at).toISOString(),
    enrolledAt: iso(row.enrolled_at),
    revokedAt: iso(row.revoked_at),
    lastPublishedAt: iso(row.last_published_at),
  };
}

/**
 * The station protocol's routes are for stations only: a request that carries a user's session or API token
 * is refused (403), so that a user's credentials never act in a station's name.
 */
const refuseUsers: preHandlerAsyncHookHandler = async (request) => {
  if (request.principal !== null || request.pendingSignIn !== null) {
    throw new HubError(
      'forbidden',
      `Cannot ${describeRoute(request)}: this route is for stations, not for user accounts`,
    );
  }
};

function isRefusal(value: object): value is Refusal {
  return 'refused' in value;
}

/**
 * Station enrolment and federation: admins create stations (with a one-time token) and revoke them;
 * stations enrol with the token and their Ed25519 key, authenticate by signing a challenge, and publish
 * their signed dataset description. Everything the hub tells a station is signed with the hub's key
 * (`GET /api/hub-key`). See docs/federation-protocol.md.
 */
export const stationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const hub = app.hub;
  const db = hub.db;
  const times = defaultStationProtocolTimes;
  const hubKey = await loadOrCreateHubSigningKey(db, { secret: hub.config.signingKeySecret });

  /** The enrolled station whose live session token the request carries (users were refused before). */
  async function requireStation(request: FastifyRequest, what: string): Promise<StationRow> {
    const header = request.headers[stationSessionHeader];
    const token = typeof header === 'string' ? header.trim() : '';
    const station = /^[A-Za-z0-9_-]{43}$/.test(token)
      ? await stationOfSession(db, token, hub.now())
      : undefined;
    if (station === undefined) {
      throw new HubError(
        'unauthenticated',
        `Cannot ${what}: send a live station session token in ${stationSessionHeader} (POST /api/station-auth/challenge)`,
      );
    }
    return station;
  }

  async function refuse(
    request: FastifyRequest,
    entry: {
      event: string;
      stationId: string | null;
      refusal: Refusal;
      status?: 'unauthenticated' | 'forbidden' | 'conflict';
    },
  ): Promise<never> {
    await auditRequest(request, {
      event: entry.event,
      action: 'execute',
      outcome: 'refused',
      objectType: 'station',
      objectId: entry.stationId,
      client:
        entry.stationId === null ? (request.headers['user-agent'] ?? null) : `station ${entry.stationId}`,
      details: { reason: entry.refusal.reason },
    });
    request.refusalAudited = true;
    throw new HubError(entry.status ?? 'unauthenticated', entry.refusal.message);
  }

  app.get(
    '/hub-key',
    {
      schema: {
        tags: ['stations'],
        summary: "The hub's Ed25519 public key",
        description:
          'Everything the hub tells a station is signed with this key; stations pin it at enrolment.',
        response: { 200: HubKey },
      },
    },
    async () => ({ publicKey: hubKey.publicKey, keyId: hubKey.keyId }),
  );

  app.post(
    '/stations',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['stations'],
        summary: 'Create a station and its one-time enrolment token',
        description: 'The token is answered once and stored only as a hash; it expires after 24 hours.',
        body: StrictObject({ name: BoundedString(200), organisationId: Type.Optional(Uuid) }),
        response: { 201: CreatedStation, ...errors },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const organisationId = request.body.organisationId ?? null;
      if (organisationId !== null) {
        const organisation = await db
          .selectFrom('organisations')
          .select('id')
          .where('id', '=', organisationId)
          .executeTakeFirst();
        if (organisation === undefined) {
          throw new HubError(
            'invalid_input',
            `Cannot create station: there is no organisation ${organisationId}`,
          );
        }
      }
      const created = await insertStation(
        db,
        { name: request.body.name.trim(), organisationId, createdBy: principal.userId },
        { now: hub.now(), tokenMs: times.enrolmentTokenMs },
      );
      await auditRequest(request, {
        event: 'station.create',
        action: 'create',
        outcome: 'success',
        objectType: 'station',
        objectId: created.station.id,
        details: {
          name: created.station.name,
          organisationId,
          tokenExpiresAt: created.tokenExpiresAt.toISOString(),
        },
      });
      return reply.code(201).send({
        station: viewOf(created.station),
        enrolmentToken: created.token,
        enrolmentTokenExpiresAt: created.tokenExpiresAt.toISOString(),
        hubKeyId: hubKey.keyId,
      });
    },
  );

  app.get(
    '/stations',
    {
      preHandler: requireRole('admin', 'data_steward'),
      schema: {
        tags: ['stations'],
        summary: 'Stations: all of them for admins, their own for data stewards',
        response: { 200: Type.Array(StationView), ...errors },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const rows = await selectStations(db);
      const visible = hasRole(principal, 'admin')
        ? rows
        : rows.filter((row) => principal.stationIds.includes(row.id));
      return visible.map(viewOf);
    },
  );

  app.post(
    '/stations/:id/revoke',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['stations'],
        summary: 'Revoke a station: it can no longer authenticate or publish',
        params: IdParams,
        response: { 200: StationView, ...errors },
      },
    },
    async (request) => {
      const row = await revokeStationRecord(db, request.params.id, hub.now());
      if (row === undefined)
        throw new HubError('not_found', `Cannot revoke station ${request.params.id}: no such station`);
      await auditRequest(request, {
        event: 'station.revoke',
        action: 'update',
        outcome: 'success',
        objectType: 'station',
        objectId: row.id,
      });
      return viewOf(row);
    },
  );

  app.post(
    '/station-enrolment',
    {
      preHandler: refuseUsers,
      schema: {
        tags: ['station protocol'],
        summary: 'A station enrols with its one-time token and its Ed25519 public key',
        description:
          'The body is an enrolment request signed with the key it enrols; the answer is signed by the hub.',
        body: SignedEnrolmentRequest,
        response: { 201: SignedEnrolmentResponse, ...errors },
      },
    },
    async (request, reply) => {
      const now = hub.now();
      const result = await enrolStationRecord(db, request.body, now);
      if (isRefusal(result)) {
        const status = result.reason === 'key-in-use' ? 'conflict' : 'unauthenticated';
        return refuse(request, { event: 'station.enrol', stationId: null, refusal: result, status });
      }
      await auditRequest(request, {
        event: 'station.enrol',
        action: 'execute',
        outcome: 'success',
        objectType: 'station',
        objectId: result.id,
        client: `station ${result.id}`,
        details: {
          keyId: result.key_id,
          stationName: request.body.payload.stationName,
          version: result.software_version,
        },
      });
      const answer: EnrolmentResponse = {
        type: 'polder.station-enrolment.v1',
        stationId: result.id,
        stationPublicKey: request.body.payload.stationPublicKey,
        hubPublicKey: hubKey.publicKey,
        hubUrl: hub.config.publicBaseUrl,
        enrolledAt: now.toISOString(),
      };
      return reply.code(201).send(signEnvelope(answer, hubKey));
    },
  );

  app.post(
    '/station-auth/challenge',
    {
      preHandler: refuseUsers,
      schema: {
        tags: ['station protocol'],
        summary: 'A station asks for a challenge to sign',
        body: AuthChallengeRequest,
        response: { 200: SignedAuthChallenge, ...errors },
      },
    },
    async (request) => {
      const { stationId } = request.body;
      const result = await issueChallenge(db, stationId, { now: hub.now(), challengeMs: times.challengeMs });
      if (isRefusal(result))
        return refuse(request, { event: 'station.authenticate', stationId, refusal: result });
      const challenge: AuthChallenge = {
        type: 'polder.station-auth-challenge.v1',
        stationId,
        nonce: result.nonce,
        expiresAt: result.expiresAt.toISOString(),
      };
      return signEnvelope(challenge, hubKey);
    },
  );

  app.post(
    '/station-auth/response',
    {
      preHandler: refuseUsers,
      schema: {
        tags: ['station protocol'],
        summary: 'A station answers its challenge and receives a short-lived session token',
        description: `The station signs 'polder-station-auth:v1:<stationId>:<nonce>'. Send the session token in ${stationSessionHeader}.`,
        body: AuthResponse,
        response: { 200: SignedStationSession, ...errors },
      },
    },
    async (request) => {
      const result = await answerChallenge(db, request.body, { now: hub.now(), sessionMs: times.sessionMs });
      const stationId = request.body.stationId;
      if (isRefusal(result))
        return refuse(request, { event: 'station.authenticate', stationId, refusal: result });
      await auditRequest(request, {
        event: 'station.authenticate',
        action: 'execute',
        outcome: 'success',
        objectType: 'station',
        objectId: stationId,
        client: `station ${stationId}`,
        details: { sessionExpiresAt: result.expiresAt.toISOString() },
      });
      const session: StationSession = {
        type: 'polder.station-session.v1',
        stationId,
        token: result.token,
        expiresAt: result.expiresAt.toISOString(),
      };
      return signEnvelope(session, hubKey);
    },
  );

  app.post(
    '/stations/:id/dataset-description',
    {
      preHandler: refuseUsers,
      schema: {
        tags: ['station protocol'],
        summary: 'A station publishes its dataset description, signed with its key',
        description: `Needs a station session token in ${stationSessionHeader}. The answer is a receipt signed by the hub.`,
        params: IdParams,
        body: SignedDatasetDescriptionPublication,
        response: { 200: SignedPublicationReceipt, ...errors },
      },
    },
    async (request) => {
      const what = 'publish dataset description';
      const station = await requireStation(request, what);
      const event = 'station.publish';
      const envelope = request.body;
      const refusal = (reason: string, message: string): Refusal => ({ refused: true, reason, message });
      if (station.id !== request.params.id || envelope.payload.stationId !== station.id) {
        return refuse(request, {
          event,
          stationId: station.id,
          status: 'forbidden',
          refusal: refusal('other-station', `Cannot ${what}: a station may publish only its own description`),
        });
      }
      if (station.public_key === null || !verifyEnvelope(envelope, station.public_key)) {
        return refuse(request, {
          event,
          stationId: station.id,
          refusal: refusal(
            'bad-signature',
            `Cannot ${what}: the description is not signed with the station's enrolled key`,
          ),
        });
      }
      const now = hub.now();
      const publishedAt = new Date(envelope.payload.publishedAt);
      if (Number.isNaN(publishedAt.getTime()) || publishedAt.getTime() > now.getTime() + clockSkewMs) {
        throw new HubError(
          'invalid_input',
          `Cannot ${what}: publishedAt lies in the future; check the station's clock`,
        );
      }
      const descriptionDigest = canonicalDigest(envelope.payload.description);
      const stored = await insertPublication(
        db,
        { stationId: station.id, publishedAt, descriptionDigest, envelope },
        now,
      );
      if (isRefusal(stored))
        return refuse(request, { event, stationId: station.id, status: 'conflict', refusal: stored });
      const { datasetId } = await upsertDatasetDescription(
        db as unknown as CatalogueDb,
        station.id,
        envelope.payload.description,
        {
          stationName: station.name,
          now,
        },
      );
      await auditRequest(request, {
        event,
        action: 'update',
        outcome: 'success',
        objectType: 'dataset',
        objectId: datasetId,
        client: `station ${station.id}`,
        details: { stationId: station.id, descriptionDigest, publishedAt: envelope.payload.publishedAt },
      });
      const receipt: PublicationReceipt = {
        type: 'polder.publication-receipt.v1',
        stationId: station.id,
        datasetId,
        descriptionDigest,
        publishedAt: envelope.payload.publishedAt,
        receivedAt: now.toISOString(),
      };
      return signEnvelope(receipt, hubKey);
    },
  );
};
