import { DuckDBInstance } from '@duckdb/node-api';
import { duckDbQuery, runStationHalf } from '@polder/analytics';
import { defaultDisclosurePolicy } from '@polder/privacy';
import {
  canonicalDigest,
  signEnvelope,
  stationSessionHeader,
  type SignedTaskOffer,
  type SigningKeyPair,
  type TaskOffer,
  type TaskResult,
} from '@polder/protocol';
import type { Static } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub } from '../create-hub.ts';
import { createTestHub, type TestHub } from '../_test-hub.ts';
import type { RunView } from './_run-views.ts';
import {
  enrolTestStation,
  insertTestPermit,
  insertTestProject,
  revokeTestPermit,
  testStationSession,
} from './_test-federation.ts';

type Body = Static<typeof RunView> & { error?: { message: string } | null; version?: number };

let hub: TestHub;
let owner: string;
let stations: { id: string; key: SigningKeyPair }[];

const cohort = { name: 'Adults with sepsis', entry: { condition: { concept: 132797, descendants: true } } };

beforeAll(async () => {
  hub = await createTestHub();
  owner = await hub.createUser({ roles: ['researcher'], email: 'owner@test.polder' });
  stations = [await enrolTestStation(hub, 'OLVG'), await enrolTestStation(hub, 'BovenIJ')];
}, 180_000);
afterAll(() => hub.close());

async function call(
  userId: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
) {
  const response = await hub.app.inject({
    method,
    url,
    headers: { cookie: await hub.sessionCookie(userId) },
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  });
  return { status: response.statusCode, body: (response.body === '' ? null : response.json()) as Body };
}

async function permitFor(namedUsers: string[], options: { algorithms?: string[] } = {}) {
  return insertTestPermit(hub, {
    namedUsers,
    stationIds: stations.map((station) => station.id),
    ...(options.algorithms === undefined ? {} : { algorithms: options.algorithms }),
  });
}

const countRun = (parameters: unknown = {}) => ({
  algorithm: { name: 'count', version: '1.0.0' },
  parameters,
  cohort: { definition: cohort },
});

describe('projects', () => {
  it('only members see a project; only its owner changes it', async () => {
    const other = await hub.createUser({ roles: ['researcher'], email: 'other@test.polder' });
    const created = await call(owner, 'POST', '/api/projects', { title: 'Sepsis outcomes' });
    expect(created.status).toBe(201);
    const url = `/api/projects/${created.body.id}`;
    expect((await call(other, 'GET', url)).status).toBe(404);
    expect((await call(other, 'GET', '/api/projects')).body).toEqual([]);
    expect((await call(owner, 'POST', `${url}/members`, { email: 'other@test.polder' })).status).toBe(201);
    expect((await call(owner, 'POST', `${url}/members`, { email: 'other@test.polder' })).status).toBe(409);
    expect((await call(owner, 'POST', `${url}/members`, { email: 'nobody@test.polder' })).status).toBe(400);
    expect((await call(other, 'GET', url)).body).toMatchObject({ title: 'Sepsis outcomes', role: 'member' });
    expect((await call(other, 'PATCH', url, { title: 'Mine now' })).status).toBe(403);
    expect((await call(other, 'DELETE', `${url}/members/${owner}`)).status).toBe(403);
    expect((await call(owner, 'DELETE', `${url}/members/${owner}`)).status).toBe(409);
    expect((await call(owner, 'DELETE', `${url}/members/${other}`)).status).toBe(204);
    expect((await call(other, 'GET', url)).status).toBe(404);
  });

  it('attaches a permit only for a user it names', async () => {
    const stranger = await permitFor([await hub.createUser()]);
    const refused = await call(owner, 'POST', '/api/projects', { title: 'T', permitId: stranger.id });
    expect(refused.status).toBe(403);
    const unknown = await call(owner, 'POST', '/api/projects', {
      title: 'T',
      permitId: '00000000-0000-7000-8000-000000000001',
    });
    expect(unknown.status).toBe(400);
    const mine = await permitFor([owner]);
    expect((await call(owner, 'POST', '/api/projects', { title: 'T', permitId: mine.id })).status).toBe(201);
  });

  it('versions cohort definitions, and a run keeps the version it ran with', async () => {
    const projectId = await insertTestProject(hub, owner, (await permitFor([owner])).id);
    const base = `/api/projects/${projectId}/definitions`;
    const bad = await call(owner, 'POST', base, {
      kind: 'cohort',
      name: 'Broken',
      definition: { name: 'Broken', entry: { condition: { conceptSet: 'missing' } } },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('/entry');
    const first = await call(owner, 'POST', base, { kind: 'cohort', name: 'Sepsis', definition: cohort });
    expect(first.body).toMatchObject({ version: 1, kind: 'cohort' });
    const wider = { ...cohort, name: 'All sepsis' };
    const second = await call(owner, 'PUT', `${base}/${first.body.id}`, { definition: wider });
    expect(second.body).toMatchObject({ id: first.body.id, version: 2, definition: wider });
    const old = await call(owner, 'GET', `${base}/${first.body.id}?version=1`);
    expect(old.body).toMatchObject({ version: 1, definition: cohort, versions: [2, 1] });
    expect((await call(owner, 'GET', base)).body).toMatchObject([{ version: 2 }]);
    const variables = await call(owner, 'POST', base, {
      kind: 'variables',
      name: 'Baseline',
      definition: { age: { age: 'index' } },
    });
    expect(variables.status, JSON.stringify(variables.body)).toBe(201);
    const badVariables = await call(owner, 'POST', base, {
      kind: 'variables',
      name: 'Bad',
      definition: { 'not a name': { age: 'index' } },
    });
    expect(badVariables.status).toBe(400);

    const started = await call(owner, 'POST', `/api/projects/${projectId}/runs`, {
      algorithm: { name: 'count', version: '1.0.0' },
      parameters: {},
      cohort: { definitionId: first.body.id },
      variables: { definitionId: variables.body.id },
    });
    expect(started.status).toBe(202);
    const run = await call(owner, 'GET', `/api/projects/${projectId}/runs/${started.body.id}`);
    expect(run.body.cohort).toEqual({ ...wider, variables: { age: { age: 'index' } } });
    expect(run.body.cohortSource).toEqual({
      definitionId: first.body.id,
      version: 2,
      variables: { definitionId: variables.body.id, version: 1 },
    });
    // Editing the definition afterwards leaves the run's snapshot alone.
    await call(owner, 'PUT', `${base}/${first.body.id}`, { definition: { ...cohort, name: 'Third' } });
    const again = await call(owner, 'GET', `/api/projects/${projectId}/runs/${started.body.id}`);
    expect((again.body.cohort as { name: string }).name).toBe('All sepsis');
  });

  it('starts a run only under an active permit that names the requester and allows the algorithm', async () => {
    const member = await hub.createUser({ roles: ['researcher'], email: 'unnamed@test.polder' });
    const permit = await permitFor([owner], { algorithms: ['count'] });
    const projectId = await insertTestProject(hub, owner, permit.id);
    const runs = `/api/projects/${projectId}/runs`;
    await call(owner, 'POST', `/api/projects/${projectId}/members`, { email: 'unnamed@test.polder' });
    expect((await call(member, 'POST', runs, countRun())).status).toBe(403);
    const glm = { ...countRun(), algorithm: { name: 'glm', version: '1.0.0' } };
    const notAllowed = await call(owner, 'POST', runs, glm);
    expect(notAllowed.status).toBe(403);
    expect(notAllowed.body.error?.message).toContain('does not allow the algorithm glm');
    const unknown = await call(owner, 'POST', runs, {
      ...countRun(),
      algorithm: { name: 'count', version: '9.0.0' },
    });
    expect(unknown.status).toBe(400);
    const badParameters = await call(owner, 'POST', runs, countRun({ strata: 'sex' }));
    expect(badParameters.status).toBe(400);
    expect(badParameters.body.error?.message).toContain('parameters/strata');
    const badCohort = await call(owner, 'POST', runs, {
      ...countRun(),
      cohort: { definition: { name: 'x' } },
    });
    expect(badCohort.status).toBe(400);
    expect((await call(owner, 'POST', runs, countRun())).status).toBe(202);

    const expired = await insertTestPermit(hub, {
      namedUsers: [owner],
      stationIds: [stations[0]!.id],
      validUntil: new Date(Date.now() - 1000),
    });
    const expiredProject = await insertTestProject(hub, owner, expired.id);
    const late = await call(owner, 'POST', `/api/projects/${expiredProject}/runs`, countRun());
    expect(late.status).toBe(409);
    expect(late.body.error?.message).toContain('expired');
    await revokeTestPermit(hub, permit.id);
    expect((await call(owner, 'POST', runs, countRun())).status).toBe(409);
    const bare = await insertTestProject(hub, owner, null);
    expect((await call(owner, 'POST', `/api/projects/${bare}/runs`, countRun())).status).toBe(409);
  });

  it('lists the algorithms with their parameter schemas', async () => {
    const { body } = await call(owner, 'GET', '/api/algorithms');
    const list = body as unknown as {
      name: string;
      version: string;
      parameters: { type?: string };
      rounds: string;
    }[];
    expect(list.find((a) => a.name === 'glm')).toMatchObject({ version: '1.0.0', rounds: 'iterative' });
    expect(list.find((a) => a.name === 'count')?.parameters.type).toBe('object');
  });
});

describe('a hub restart', () => {
  it('keeps pending tasks for re-sync and finishes a round that completed while the hub was down', async () => {
    // Last in the file: it closes the shared hub's app and starts a second hub on its database.
    const first = hub;
    const researcher = await first.createUser({ roles: ['researcher'] });
    const enrolled = [await enrolTestStation(first, 'A'), await enrolTestStation(first, 'B')];
    const permit = await insertTestPermit(first, {
      namedUsers: [researcher],
      stationIds: enrolled.map((station) => station.id),
      algorithms: ['count'],
    });
    const projectId = await insertTestProject(first, researcher, permit.id);
    const start = async (target: TestHub | Awaited<ReturnType<typeof createHub>>) => {
      const response = await target.app.inject({
        method: 'POST',
        url: `/api/projects/${projectId}/runs`,
        headers: { cookie: await first.sessionCookie(researcher) },
        payload: countRun(),
      });
      expect(response.statusCode).toBe(202);
      return response.json<{ id: string }>().id;
    };
    const crashed = await start(first);
    const waiting = await start(first);
    // Both stations answer the first run, but the hub "crashes" before it advances the round: the results
    // are stored as the result route stores them, without the advance that follows.
    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    await connection.run('CREATE TABLE cohort AS SELECT i AS person_id FROM range(40) t(i)');
    const offers = await first.db
      .selectFrom('tasks')
      .select(['id', 'offer'])
      .where('run_id', '=', crashed)
      .execute();
    for (const row of offers) {
      const offer = (row.offer as SignedTaskOffer).payload as TaskOffer;
      // The station shows the project's title to the patients whose records it used.
      expect(offer.projectTitle).toBe('Test project');
      const station = enrolled.find((candidate) => candidate.id === offer.stationId)!;
      const { output, disclosure } = await runStationHalf(
        { query: duckDbQuery(connection), cohortTable: 'cohort', policy: defaultDisclosurePolicy },
        offer,
      );
      const result: TaskResult = {
        type: 'polder.task-result.v1',
        taskId: offer.taskId,
        stationId: station.id,
        status: 'completed',
        output,
        disclosure,
        completedAt: new Date().toISOString(),
        durationMs: 3,
      };
      await first.db
        .updateTable('tasks')
        .set({
          status: 'completed',
          result: JSON.stringify(signEnvelope(result, station.key)),
          result_digest: canonicalDigest(result),
        })
        .where('id', '=', row.id)
        .execute();
    }
    connection.closeSync();
    await first.app.close();

    const second = await createHub(first.config, { db: first.db });
    try {
      const deadline = Date.now() + 10_000;
      let status = 'running';
      while (status === 'running' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        status = (
          await second.db
            .selectFrom('runs')
            .select('status')
            .where('id', '=', crashed)
            .executeTakeFirstOrThrow()
        ).status;
      }
      expect(status).toBe('completed');
      const run = await second.db
        .selectFrom('runs')
        .select('result')
        .where('id', '=', crashed)
        .executeTakeFirstOrThrow();
      expect(run.result).toMatchObject({ persons: 80, stations: 2 });
      for (const station of enrolled) {
        const resync = await second.app.inject({
          method: 'GET',
          url: '/api/station-tasks',
          headers: { [stationSessionHeader]: await testStationSession(first, station) },
        });
        const tasks = resync.json<{ tasks: SignedTaskOffer[] }>().tasks.map((offer) => offer.payload.runId);
        expect(tasks).toEqual([waiting]);
      }
    } finally {
      // The first hub's handle owns the database (and, on PostgreSQL, drops it): close the second app only.
      await second.app.close();
    }
  });
});
