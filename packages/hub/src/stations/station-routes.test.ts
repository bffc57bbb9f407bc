import { randomBytes } from 'node:crypto';
import {
  generateSigningKeyPair,
  openEnvelope,
  signEnvelope,
  signText,
  stationAuthText,
  stationSessionHeader,
  AuthChallenge,
  EnrolmentResponse,
  StationSession,
  type DatasetDescription,
  type EnrolmentRequest,
  type SigningKeyPair,
} from '@polder/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../_test-hub.ts';

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

describe('station routes', () => {
  let hub: TestHub;
  let admin: string;
  let hubPublicKey: string;

  beforeAll(async () => {
    hub = await createTestHub();
    admin = await hub.bearer((await hub.userPerRole()).admin);
    const key = await hub.app.inject({ method: 'GET', url: '/api/hub-key' });
    hubPublicKey = key.json<{ publicKey: string }>().publicKey;
  });
  afterAll(() => hub.close());

  async function createStation(name = 'OLVG'): Promise<{ id: string; token: string }> {
    const response = await hub.app.inject({
      method: 'POST',
      url: '/api/stations',
      headers: { authorization: admin },
      payload: { name, organisationId: hub.organisationId },
    });
    expect(response.statusCode).toBe(201);
    const body = response.json<{ station: { id: string }; enrolmentToken: string }>();
    return { id: body.station.id, token: body.enrolmentToken };
  }

  function enrolmentRequest(token: string, key: SigningKeyPair, signer: SigningKeyPair = key) {
    const request: EnrolmentRequest = {
      type: 'polder.station-enrolment-request.v1',
      token,
      stationPublicKey: key.publicKey,
      stationName: 'OLVG station',
      stationVersion: '0.1.0',
    };
    return signEnvelope(request, signer);
  }

  async function enrol(token: string, key: SigningKeyPair, signer: SigningKeyPair = key) {
    return hub.app.inject({
      method: 'POST',
      url: '/api/station-enrolment',
      payload: enrolmentRequest(token, key, signer),
    });
  }

  async function authenticate(stationId: string, key: SigningKeyPair): Promise<string> {
    const challenge = await hub.app.inject({
      method: 'POST',
      url: '/api/station-auth/challenge',
      payload: { stationId },
    });
    expect(challenge.statusCode).toBe(200);
    const { nonce } = openEnvelope(challenge.json(), { publicKey: hubPublicKey, schema: AuthChallenge });
    const answer = await hub.app.inject({
      method: 'POST',
      url: '/api/station-auth/response',
      payload: { stationId, nonce, signature: signText(key, stationAuthText(stationId, nonce)) },
    });
    expect(answer.statusCode).toBe(200);
    return openEnvelope(answer.json(), { publicKey: hubPublicKey, schema: StationSession }).token;
  }

  async function auditEvents(objectId: string): Promise<string[]> {
    const rows = await hub.db
      .selectFrom('audit_log')
      .select(['event', 'outcome'])
      .where('object_id', '=', objectId)
      .orderBy('seq')
      .execute();
    return rows.map((row) => `${row.event}:${row.outcome}`);
  }

  it('enrols a station once with its token; the answer is signed by the hub key', async () => {
    const { id, token } = await createStation();
    const key = generateSigningKeyPair();
    const response = await enrol(token, key);
    expect(response.statusCode).toBe(201);
    const answer = openEnvelope(response.json(), { publicKey: hubPublicKey, schema: EnrolmentResponse });
    expect(answer).toMatchObject({ stationId: id, stationPublicKey: key.publicKey, hubPublicKey });

    const again = await enrol(token, generateSigningKeyPair());
    expect(again.statusCode).toBe(401);
    expect(again.json()).toEqual({
      error: { code: 'unauthenticated', message: 'Cannot enrol station: the token was used already' },
    });
    expect(await auditEvents(id)).toEqual(['station.create:success', 'station.enrol:success']);
  });

  it('refuses a key enrolled for another station with 409 and keeps the token for a fresh key', async () => {
    const first = await createStation('Key owner');
    const key = generateSigningKeyPair();
    expect((await enrol(first.token, key)).statusCode).toBe(201);
    const second = await createStation('Key copier');
    const copied = await enrol(second.token, key);
    expect(copied.statusCode).toBe(409);
    expect(copied.json<{ error: { message: string } }>().error.message).toBe(
      'Cannot enrol station: its public key is enrolled for another station; make a new key pair',
    );
    expect((await enrol(second.token, generateSigningKeyPair())).statusCode).toBe(201);
    const racedA = await createStation('Raced key A');
    const racedB = await createStation('Raced key B');
    const shared = generateSigningKeyPair();
    const raced = await Promise.all([enrol(racedA.token, shared), enrol(racedB.token, shared)]);
    expect(raced.map((response) => response.statusCode).sort()).toEqual([201, 409]);
  });

  it('lets only one of two enrolments racing with the same token win', async () => {
    const { id, token } = await createStation('Raced');
    const responses = await Promise.all([
      enrol(token, generateSigningKeyPair()),
      enrol(token, generateSigningKeyPair()),
    ]);
    expect(responses.map((response) => response.statusCode).sort()).toEqual([201, 401]);
    const station = await hub.db
      .selectFrom('stations')
      .select(['status', 'public_key'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const winner = responses.find((response) => response.statusCode === 201);
    const answer = openEnvelope(winner?.json(), { publicKey: hubPublicKey, schema: EnrolmentResponse });
    expect(station).toEqual({ status: 'enrolled', public_key: answer.stationPublicKey });
  });

  it('refuses an expired token, an unknown one, and a request not signed by the key it enrols', async () => {
    const { token } = await createStation();
    const key = generateSigningKeyPair();
    const forged = await enrol(token, key, generateSigningKeyPair());
    expect(forged.statusCode).toBe(401);
    expect(forged.json<{ error: { message: string } }>().error.message).toBe(
      'Cannot enrol station: the request is not signed by the key it enrols',
    );
    const unknown = await enrol(randomBytes(32).toString('base64url'), key);
    expect(unknown.json<{ error: { message: string } }>().error.message).toBe(
      'Cannot enrol station: the token is not known',
    );
    hub.advanceClock(25 * 60 * 60 * 1000);
    try {
      const expired = await enrol(token, key);
      expect(expired.statusCode).toBe(401);
      expect(expired.json<{ error: { message: string } }>().error.message).toMatch(/token has expired/);
    } finally {
      hub.advanceClock(-25 * 60 * 60 * 1000);
    }
  });

  it('authenticates a station by its signed challenge; a nonce works once; another key is refused', async () => {
    const { id, token } = await createStation();
    const key = generateSigningKeyPair();
    await enrol(token, key);
    expect(await authenticate(id, key)).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const challenge = await hub.app.inject({
      method: 'POST',
      url: '/api/station-auth/challenge',
      payload: { stationId: id },
    });
    const { nonce } = openEnvelope(challenge.json(), { publicKey: hubPublicKey, schema: AuthChallenge });
    const impostor = generateSigningKeyPair();
    const wrongKey = await hub.app.inject({
      method: 'POST',
      url: '/api/station-auth/response',
      payload: { stationId: id, nonce, signature: signText(impostor, stationAuthText(id, nonce)) },
    });
    expect(wrongKey.statusCode).toBe(401);
    const replay = await hub.app.inject({
      method: 'POST',
      url: '/api/station-auth/response',
      payload: { stationId: id, nonce, signature: signText(key, stationAuthText(id, nonce)) },
    });
    expect(replay.statusCode).toBe(401);
    expect(await auditEvents(id)).toEqual([
      'station.create:success',
      'station.enrol:success',
      'station.authenticate:success',
      'station.authenticate:refused',
      'station.authenticate:refused',
    ]);
  });

  it('publishes a signed description into the catalogue and answers a signed receipt', async () => {
    const { id, token } = await createStation('Amsterdam UMC');
    const key = generateSigningKeyPair();
    await enrol(token, key);
    const session = await authenticate(id, key);
    const publish = (envelope: object, stationToken = session, stationId = id) =>
      hub.app.inject({
        method: 'POST',
        url: `/api/stations/${stationId}/dataset-description`,
        headers: { [stationSessionHeader]: stationToken },
        payload: envelope,
      });
    const payload = {
      type: 'polder.dataset-description.v1' as const,
      stationId: id,
      publishedAt: new Date().toISOString(),
      description: minimalDescription(120),
    };
    const accepted = await publish(signEnvelope(payload, key));
    expect(accepted.statusCode).toBe(200);
    const stored = await hub.db
      .selectFrom('station_publications')
      .select('description_digest')
      .where('station_id', '=', id)
      .execute();
    expect(stored).toHaveLength(1);

    const otherKey = await publish(
      signEnvelope({ ...payload, publishedAt: new Date().toISOString() }, generateSigningKeyPair()),
    );
    expect(otherKey.statusCode).toBe(401);
    const stale = await publish(signEnvelope({ ...payload, publishedAt: '2020-01-01T00:00:00.000Z' }, key));
    expect(stale.statusCode).toBe(409);
    const noSession = await publish(signEnvelope(payload, key), randomBytes(32).toString('base64url'));
    expect(noSession.statusCode).toBe(401);
  });

  it('refuses users on the station route, and a station publishing for another', async () => {
    const first = await createStation('A');
    const second = await createStation('B');
    const key = generateSigningKeyPair();
    await enrol(first.token, key);
    const session = await authenticate(first.id, key);
    const payload = {
      type: 'polder.dataset-description.v1' as const,
      stationId: second.id,
      publishedAt: new Date().toISOString(),
      description: minimalDescription(100),
    };
    const asOther = await hub.app.inject({
      method: 'POST',
      url: `/api/stations/${second.id}/dataset-description`,
      headers: { [stationSessionHeader]: session },
      payload: signEnvelope(payload, key),
    });
    expect(asOther.statusCode).toBe(403);
    const asAdmin = await hub.app.inject({
      method: 'POST',
      url: `/api/stations/${first.id}/dataset-description`,
      headers: { authorization: admin, [stationSessionHeader]: session },
      payload: signEnvelope({ ...payload, stationId: first.id }, key),
    });
    expect(asAdmin.statusCode).toBe(403);
  });

  it('revocation ends sessions and refuses new challenges', async () => {
    const { id, token } = await createStation();
    const key = generateSigningKeyPair();
    await enrol(token, key);
    await authenticate(id, key);
    const revoked = await hub.app.inject({
      method: 'POST',
      url: `/api/stations/${id}/revoke`,
      headers: { authorization: admin },
    });
    expect(revoked.json()).toMatchObject({ id, status: 'revoked' });
    const challenge = await hub.app.inject({
      method: 'POST',
      url: '/api/station-auth/challenge',
      payload: { stationId: id },
    });
    expect(challenge.statusCode).toBe(401);
    expect(
      await hub.db.selectFrom('station_sessions').where('station_id', '=', id).selectAll().execute(),
    ).toEqual([]);
  });

  it('GET /api/stations shows admins every station and stewards only their own', async () => {
    const { id } = await createStation('Stewarded');
    const steward = await hub.createUser({ roles: ['data_steward'] });
    await hub.db.insertInto('station_stewards').values({ user_id: steward, station_id: id }).execute();
    const asSteward = await hub.app.inject({
      method: 'GET',
      url: '/api/stations',
      headers: { authorization: await hub.bearer(steward) },
    });
    expect(asSteward.json<{ id: string }[]>().map((station) => station.id)).toEqual([id]);
    const asAdmin = await hub.app.inject({
      method: 'GET',
      url: '/api/stations',
      headers: { authorization: admin },
    });
    expect(asAdmin.json<unknown[]>().length).toBeGreaterThan(1);
  });
});
