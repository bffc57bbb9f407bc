import {
  generateSigningKeyPair,
  signEnvelope,
  signText,
  stationAuthText,
  stationSessionHeader,
  type DatasetDescription,
  type SigningKeyPair,
} from '@polder/protocol';
import { everyone, only, type MatrixRole, type MatrixRow } from '../authorization-matrix.ts';
import type { TestHub } from '../_test-hub.ts';
import {
  answerChallenge,
  enrolStationRecord,
  insertStation,
  issueChallenge,
  type Refusal,
} from './_station-records.ts';

/** Anonymous (a station) gets `status`; every signed-in role 403: station routes refuse user accounts. */
function stationsOnly(status: number): Record<MatrixRole, number> {
  return { ...everyone(403), anonymous: status };
}

const hour = 60 * 60 * 1000;

function unrefused<T extends object>(value: T | Refusal): T {
  if ('refused' in value) throw new Error(`matrix fixture refused: ${value.message}`);
  return value;
}

/** A pending station and its one-time token. */
async function pendingStation(hub: TestHub, name: string) {
  return insertStation(
    hub.db,
    { name, organisationId: hub.organisationId, createdBy: null },
    { now: hub.context.now(), tokenMs: hour },
  );
}

/** An enrolled station and its key. */
async function enrolledStation(hub: TestHub, name: string): Promise<{ id: string; key: SigningKeyPair }> {
  const { token } = await pendingStation(hub, name);
  const key = generateSigningKeyPair();
  const envelope = signEnvelope(
    {
      type: 'polder.station-enrolment-request.v1' as const,
      token,
      stationPublicKey: key.publicKey,
      stationName: name,
      stationVersion: '0.1.0',
    },
    key,
  );
  const station = unrefused(await enrolStationRecord(hub.db, envelope, hub.context.now()));
  return { id: station.id, key };
}

const description: DatasetDescription = {
  statistics: {
    computedAt: '2026-01-01T00:00:00.000Z',
    cdmVersion: '5.4',
    disclosureControl: { minCount: 8, roundTo: 5 },
    persons: 100,
    records: 0,
    sex: [],
    age: [],
    codingSystems: [],
    domains: [],
  },
};

/**
 * The station routes' rows of the authorisation matrix (spread into `authorizationMatrix`). A function, as
 * the catalogue's: authorization-matrix.ts imports this file, so its helpers exist only once it has loaded.
 */
export function stationMatrixRows(): readonly MatrixRow[] {
  return [
    { method: 'GET', route: '/api/hub-key', expect: everyone(200) },
    {
      method: 'POST',
      route: '/api/stations',
      expect: only(['admin'], 201),
      request: ({ unique }) => ({ body: { name: `Station ${unique}` } }),
    },
    { method: 'GET', route: '/api/stations', expect: only(['admin', 'data_steward'], 200) },
    {
      method: 'POST',
      route: '/api/stations/:id/revoke',
      expect: only(['admin'], 200),
      request: async ({ hub, unique }) => ({
        url: `/api/stations/${(await pendingStation(hub, `Revoked ${unique}`)).station.id}/revoke`,
      }),
    },
    {
      method: 'POST',
      route: '/api/station-enrolment',
      expect: stationsOnly(201),
      request: async ({ hub, unique }) => {
        const { token } = await pendingStation(hub, `Enrolling ${unique}`);
        const key = generateSigningKeyPair();
        const payload = {
          type: 'polder.station-enrolment-request.v1' as const,
          token,
          stationPublicKey: key.publicKey,
          stationName: 'Matrix station',
          stationVersion: '0.1.0',
        };
        return { body: signEnvelope(payload, key) };
      },
    },
    {
      method: 'POST',
      route: '/api/station-auth/challenge',
      expect: stationsOnly(200),
      request: async ({ hub, unique }) => ({
        body: { stationId: (await enrolledStation(hub, `Challenged ${unique}`)).id },
      }),
    },
    {
      method: 'POST',
      route: '/api/station-auth/response',
      expect: stationsOnly(200),
      request: async ({ hub, unique }) => {
        const { id, key } = await enrolledStation(hub, `Answering ${unique}`);
        const { nonce } = unrefused(
          await issueChallenge(hub.db, id, { now: hub.context.now(), challengeMs: hour }),
        );
        return { body: { stationId: id, nonce, signature: signText(key, stationAuthText(id, nonce)) } };
      },
    },
    {
      method: 'POST',
      route: '/api/stations/:id/dataset-description',
      expect: stationsOnly(200),
      request: async ({ hub, unique }) => {
        const { id, key } = await enrolledStation(hub, `Publishing ${unique}`);
        const now = hub.context.now();
        const { nonce } = unrefused(await issueChallenge(hub.db, id, { now, challengeMs: hour }));
        const signature = signText(key, stationAuthText(id, nonce));
        const session = unrefused(
          await answerChallenge(hub.db, { stationId: id, nonce, signature }, { now, sessionMs: hour }),
        );
        const payload = {
          type: 'polder.dataset-description.v1' as const,
          stationId: id,
          publishedAt: now.toISOString(),
          description,
        };
        return {
          url: `/api/stations/${id}/dataset-description`,
          headers: { [stationSessionHeader]: session.token },
          body: signEnvelope(payload, key),
        };
      },
    },
  ];
}
