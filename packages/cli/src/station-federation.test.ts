import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, openDatabase, readHubConfig, type Hub } from '@polder/hub';
import {
  generateSigningKeyPair,
  signEnvelope,
  stationSessionHeader,
  type DatasetDescription,
} from '@polder/protocol';
import {
  authenticateToHub,
  enrolStation,
  openStationStore,
  publishDatasetDescription,
  readStationEnrolment,
  type StationStore,
} from '@polder/station';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The federation handshake end to end over real HTTP: a hub on PGlite listening on a port, a real station
 * store in a temporary directory, and the station's own client code in between.
 */

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

/** Forwards requests to the hub and lets a test rewrite the hub's answers: a man in the middle. */
async function startTamperingProxy(target: string, tamper: (path: string, body: string) => string) {
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const url = new URL(incoming.url ?? '/', target);
    const forward = httpRequest(url, { method: incoming.method, headers: incoming.headers }, (answer) => {
      let body = '';
      answer.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      answer.on('end', () => {
        const changed = tamper(url.pathname, body);
        const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(changed)) };
        outgoing.writeHead(answer.statusCode ?? 502, headers);
        outgoing.end(changed);
      });
    });
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('station federation over HTTP (hub on PGlite, real station store)', () => {
  let hub: Hub;
  let hubUrl: string;
  let adminCookie: string;
  const dirs: string[] = [];
  const stores: StationStore[] = [];

  beforeAll(async () => {
    hub = await createHub(readHubConfig({}, { logLevel: 'silent', port: 0 }), {
      db: openDatabase({}),
      passwordHashing: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
    });
    const address = await hub.app.listen({ port: 0, host: '127.0.0.1' });
    hubUrl = address;
    adminCookie = await signInAsAdmin(hub);
  });

  afterAll(async () => {
    for (const store of stores) store.close();
    await hub.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function newStationStore(name: string): Promise<StationStore> {
    const dir = await mkdtemp(join(tmpdir(), 'polder-federation-'));
    dirs.push(dir);
    const store = await openStationStore(dir, { name, threads: 1 });
    stores.push(store);
    return store;
  }

  async function createStationOnHub(name: string): Promise<{ id: string; token: string }> {
    const response = await fetch(new URL('/api/stations', hubUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: adminCookie },
      body: JSON.stringify({ name }),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { station: { id: string }; enrolmentToken: string };
    return { id: body.station.id, token: body.enrolmentToken };
  }

  it('enrols, authenticates and publishes; the hub keeps the description; a used token is refused', async () => {
    const created = await createStationOnHub('OLVG');
    const store = await newStationStore('OLVG');
    const enrolment = await enrolStation(store, { hubUrl, token: created.token });
    expect(enrolment.stationId).toBe(created.id);
    const hubKey = (await (await fetch(new URL('/api/hub-key', hubUrl))).json()) as { publicKey: string };
    expect(enrolment.hubPublicKey).toBe(hubKey.publicKey);

    const session = await authenticateToHub(store);
    const description = minimalDescription(1250);
    const receipt = await publishDatasetDescription(store, description, { session });
    expect(receipt.stationId).toBe(created.id);
    const stored = await hub.db
      .selectFrom('station_publications')
      .select(['description_digest', 'envelope'])
      .where('station_id', '=', created.id)
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.description_digest).toBe(receipt.descriptionDigest);
    expect((stored[0]?.envelope as { payload: { description: unknown } }).payload.description).toEqual(
      description,
    );

    const other = await newStationStore('Another');
    await expect(enrolStation(other, { hubUrl, token: created.token })).rejects.toMatchObject({
      code: 'hub-refused',
      status: 401,
    });
  });

  it('refuses an expired token', async () => {
    const created = await createStationOnHub('Expired');
    await hub.db
      .updateTable('station_enrolment_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('station_id', '=', created.id)
      .execute();
    const store = await newStationStore('Expired');
    await expect(enrolStation(store, { hubUrl, token: created.token })).rejects.toThrow(/token has expired/);
    expect(await readStationEnrolment(store)).toBeUndefined();
  });

  it('refuses a publication signed with another key than the enrolled one', async () => {
    const created = await createStationOnHub('Impostor target');
    const store = await newStationStore('Impostor target');
    await enrolStation(store, { hubUrl, token: created.token });
    const session = await authenticateToHub(store);
    const forged = signEnvelope(
      {
        type: 'polder.dataset-description.v1',
        stationId: created.id,
        publishedAt: new Date().toISOString(),
        description: minimalDescription(10),
      },
      generateSigningKeyPair(),
    );
    const response = await fetch(new URL(`/api/stations/${created.id}/dataset-description`, hubUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [stationSessionHeader]: session.token },
      body: JSON.stringify(forged),
    });
    expect(response.status).toBe(401);
    const refusals = await hub.db
      .selectFrom('audit_log')
      .select(['event', 'outcome'])
      .where('object_id', '=', created.id)
      .where('event', '=', 'station.publish')
      .execute();
    expect(refusals).toEqual([{ event: 'station.publish', outcome: 'refused' }]);
  });

  it('rejects hub answers changed in transit (pinned hub key)', async () => {
    const created = await createStationOnHub('Pinned');
    const store = await newStationStore('Pinned');
    await enrolStation(store, { hubUrl, token: created.token });
    // The station talks to the hub through a proxy that stretches every session it hands out.
    const proxy = await startTamperingProxy(hubUrl, (path, body) =>
      path === '/api/station-auth/response'
        ? body.replace(/"expiresAt":"[^"]+"/, '"expiresAt":"2999-01-01T00:00:00.000Z"')
        : body,
    );
    try {
      const enrolment = await readStationEnrolment(store);
      await writeFile(join(store.dir, 'enrolment.json'), JSON.stringify({ ...enrolment, hubUrl: proxy.url }));
      await expect(authenticateToHub(store)).rejects.toMatchObject({ code: 'untrusted-response' });
    } finally {
      await proxy.close();
    }
  });
});

/**
 * An admin's API token, written straight into the hub's tables (the hub's public entry offers no account
 * fixtures): an organisation, an admin user and a token whose SHA-256 (hex) the hub looks up.
 */
async function signInAsAdmin(hub: Hub): Promise<string> {
  const organisationId = randomUUID();
  const userId = randomUUID();
  const token = `pld_${randomBytes(32).toString('base64url')}`;
  await hub.db.insertInto('organisations').values({ id: organisationId, name: 'Hub operator' }).execute();
  await hub.db
    .insertInto('users')
    .values({
      id: userId,
      email: 'admin@hub.test',
      name: 'Admin',
      organisation_id: organisationId,
      password_hash: '!',
    })
    .execute();
  await hub.db.insertInto('user_roles').values({ user_id: userId, role: 'admin' }).execute();
  await hub.db
    .insertInto('api_tokens')
    .values({
      id: randomUUID(),
      user_id: userId,
      name: 'federation test',
      token_hash: createHash('sha256').update(token).digest('hex'),
      expires_at: null,
    })
    .execute();
  return `Bearer ${token}`;
}
