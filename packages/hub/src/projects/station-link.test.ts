import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { duckDbQuery, runStationHalf } from '@polder/analytics';
import { defaultDisclosurePolicy } from '@polder/privacy';
import {
  openEnvelope,
  PermitRevocationList,
  verifyEnvelope,
  type SignedTaskResult,
  type TaskOffer,
} from '@polder/protocol';
import type { Static } from 'typebox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../_test-hub.ts';
import { accessCast, completeForm } from '../access/_access-fixtures.ts';
import { runCommand } from '../access/access-service.ts';
import type { Actor, Command } from '../access/workflow.ts';
import { exampleStatistics, exampleSteward } from '../catalogue/_example-datasets.ts';
import { upsertDatasetDescription } from '../catalogue/catalogue-store.ts';
import { uuid7 } from '../db/uuid7.ts';
import type { StationLinkMessage } from './station-link.ts';
import type { RunView } from './_run-views.ts';
import { insertTestPermit, insertTestProject, revokeTestPermit } from './_test-federation.ts';
import { TestStationClient } from './_test-station-client.ts';

/**
 * The task protocol end to end over real HTTP and real WebSockets: a hub on an ephemeral port, three stations
 * that enrol and authenticate with their own keys, and compute their halves with the analytics library over
 * an in-memory DuckDB cohort.
 */

let hub: TestHub;
let baseUrl: string;
let researcherId: string;
let researcherCookie: string;
let stations: TestStationClient[];
let duckdb: DuckDBInstance;
const cohorts = new Map<string, { connection: DuckDBConnection; table: string }>();

const cohort = {
  name: 'Adults with sepsis',
  conceptSets: { sepsis: [{ concept: 132797, descendants: true }] },
  entry: { condition: { conceptSet: 'sepsis' } },
};

/** A seeded pseudo-random cohort: age, sex and a binary outcome that depends on both. */
async function makeCohort(stationId: string, persons: number, seed: number): Promise<void> {
  const connection = await duckdb.connect();
  const table = `cohort_${cohorts.size + 1}`;
  await connection.run(
    `CREATE TABLE ${table} AS SELECT i AS person_id, DATE '2020-01-01' AS index_date, DATE '2021-01-01' AS end_date,
       20 + (hash(i, ${seed}) % 60)::DOUBLE AS age,
       CASE WHEN hash(i, ${seed}, 1) % 2 = 0 THEN 'female' ELSE 'male' END AS sex,
       ((hash(i, ${seed}, 2) % 100) < 20 + (hash(i, ${seed}) % 60) / 2)::INTEGER AS outcome
     FROM range(${persons}) t(i)`,
  );
  cohorts.set(stationId, { connection, table });
}

/** The station half of `offer`, signed by `station`, as a real station would compute and sign it. */
async function compute(station: TestStationClient, offer: TaskOffer): Promise<SignedTaskResult> {
  const held = cohorts.get(station.id);
  if (held === undefined) throw new Error('no cohort');
  const started = performance.now();
  const { output, disclosure } = await runStationHalf(
    { query: duckDbQuery(held.connection), cohortTable: held.table, policy: defaultDisclosurePolicy },
    { algorithm: offer.algorithm, parameters: offer.parameters, round: offer.round, state: offer.state },
  );
  return station.signResult(offer, {
    status: 'completed',
    output,
    disclosure,
    durationMs: Math.round(performance.now() - started),
  });
}

/** An answer of the API: a run (most tests read runs), or an error with a message. */
type Body = Static<typeof RunView>;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      cookie: researcherCookie,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as Body };
}

async function newProject(
  options: { algorithms?: string[] } = {},
): Promise<{ projectId: string; permitId: string }> {
  const permit = await insertTestPermit(hub, {
    namedUsers: [researcherId],
    stationIds: stations.map((station) => station.id),
    ...(options.algorithms === undefined ? {} : { algorithms: options.algorithms }),
  });
  return { projectId: await insertTestProject(hub, researcherId, permit.id), permitId: permit.id };
}

async function startRun(projectId: string, algorithm: string, parameters: unknown): Promise<string> {
  const response = await api('POST', `/api/projects/${projectId}/runs`, {
    algorithm: { name: algorithm, version: '1.0.0' },
    parameters,
    cohort: { definition: cohort },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return response.body.id;
}

async function waitForRun(projectId: string, runId: string, timeoutMs = 10_000): Promise<Body> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api('GET', `/api/projects/${projectId}/runs/${runId}`);
    if (body.status !== 'running' || Date.now() > deadline) return body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  hub = await createTestHub();
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const address = hub.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  baseUrl = `http://127.0.0.1:${address.port}`;
  researcherId = await hub.createUser({ roles: ['researcher'] });
  researcherCookie = await hub.sessionCookie(researcherId);
  const adminCookie = await hub.sessionCookie(await hub.createUser({ roles: ['admin'] }));
  duckdb = await DuckDBInstance.create(':memory:', { threads: '1' });
  stations = [];
  for (const [index, name] of ['OLVG', 'Amsterdam UMC', 'BovenIJ'].entries()) {
    const station = await TestStationClient.enrol(baseUrl, adminCookie, name);
    await makeCohort(station.id, 400 + 100 * index, index + 1);
    stations.push(station);
  }
}, 180_000);

afterAll(async () => {
  for (const station of stations ?? []) await station.disconnect();
  for (const { connection } of cohorts.values()) connection.closeSync();
  await hub?.close();
});

const isRevocations = (m: StationLinkMessage): m is Extract<StationLinkMessage, { type: 'revocations' }> =>
  m.type === 'revocations';

describe('the station link', () => {
  beforeEach(async () => {
    for (const station of stations) await station.ensureConnected();
  });

  it('refuses a WebSocket without a station session token with 401, and a user with 403', async () => {
    const station = stations[0]!;
    await expect(station.connect({ token: null })).rejects.toThrow('401');
    await expect(station.connect({ token: 'x'.repeat(43) })).rejects.toThrow('401');
    const asUser = await fetch(`${baseUrl}/api/station-link`, { headers: { cookie: researcherCookie } });
    expect(asUser.status).toBe(403);
  });

  it('offers a new run’s task to each connected station over the socket, signed by the hub', async () => {
    const { projectId, permitId } = await newProject();
    const runId = await startRun(projectId, 'count', {});
    for (const station of stations) {
      const offer = await station.offerFor(runId);
      expect(offer).toMatchObject({ runId, projectId, stationId: station.id, round: 0, state: null });
      expect(offer.algorithm).toEqual({ name: 'count', version: '1.0.0' });
      expect(offer.cohort).toEqual(cohort);
      expect(offer.requestedBy.userId).toBe(researcherId);
      expect(offer.permit.split('.')).toHaveLength(3);
      expect((await station.openTasks()).map((task) => task.taskId)).toContain(offer.taskId);
    }
    const run = await api('GET', `/api/projects/${projectId}/runs/${runId}`);
    expect(run.body).toMatchObject({ status: 'running', round: 0, permitId });
    expect(run.body.stations.map((s: { status: string }) => s.status)).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
  });

  it('a station that was away finds its task by re-sync after reconnecting, and the run completes with the pooled count', async () => {
    const away = stations[2]!;
    await away.disconnect();
    const { projectId } = await newProject();
    const runId = await startRun(projectId, 'count', {});
    const posted = new Map<string, SignedTaskResult>();
    for (const station of stations.slice(0, 2)) {
      const offer = await station.offerFor(runId);
      posted.set(station.id, await compute(station, offer));
      expect((await station.postResult(offer.taskId, posted.get(station.id)!)).status).toBe(200);
    }
    expect((await api('GET', `/api/projects/${projectId}/runs/${runId}`)).body.status).toBe('running');
    await away.authenticate();
    const missed = (await away.openTasks()).filter((task) => task.runId === runId);
    expect(missed).toHaveLength(1);
    await away.connect();
    const offer = missed[0]!;
    posted.set(away.id, await compute(away, offer));
    expect((await away.postResult(offer.taskId, posted.get(away.id)!)).status).toBe(200);
    const run = await waitForRun(projectId, runId);
    expect(run.status, JSON.stringify(run.error)).toBe('completed');
    // 400 + 500 + 600 persons, each released rounded to 5.
    expect(run.result).toMatchObject({ persons: 1500, stations: 3 });
    expect(run.stations.every((s: { status: string }) => s.status === 'completed')).toBe(true);
    // Each station's progress shows its own result's time and disclosure report.
    for (const progress of run.stations) {
      const payload = posted.get(progress.stationId)?.payload;
      expect(payload?.disclosure).toBeDefined();
      expect(progress).toMatchObject({
        durationMs: payload?.durationMs,
        disclosure: payload?.disclosure,
        problem: null,
      });
    }
    expect((await away.openTasks()).filter((task) => task.runId === runId)).toEqual([]);

    const csv = await fetch(`${baseUrl}/api/projects/${projectId}/runs/${runId}/result.csv`, {
      headers: { cookie: researcherCookie },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(await csv.text()).toContain('/persons,1500');
    const exported = await api('GET', `/api/projects/${projectId}/runs/${runId}/result.json`);
    expect(exported.body.result).toEqual(run.result);
    expect(exported.body.stations).toHaveLength(3);
  });

  it('accepts the same result twice but stores it once, answers 409 to a different one, 404 to another station, 401 to a bad signature', async () => {
    const [first, second] = [stations[0]!, stations[1]!];
    const { projectId } = await newProject();
    const runId = await startRun(projectId, 'count', {});
    const offer = await first.offerFor(runId);
    const result = await compute(first, offer);
    const forged = first.signResult(
      offer,
      { status: 'completed', output: result.payload.output },
      second.key,
    );
    expect((await first.postResult(offer.taskId, forged)).status).toBe(401);
    expect((await second.postResult(offer.taskId, result)).status).toBe(404);
    expect((await first.postResult(offer.taskId, result)).status).toBe(200);
    expect((await first.postResult(offer.taskId, result)).status).toBe(200);
    const different = first.signResult(offer, {
      status: 'completed',
      output: result.payload.output,
      durationMs: result.payload.durationMs + 1,
    });
    const conflict = await first.postResult(offer.taskId, different);
    expect(conflict.status).toBe(409);
    const audited = await hub.db
      .selectFrom('audit_log')
      .select(['event', 'outcome'])
      .where('object_id', '=', offer.taskId)
      .orderBy('seq')
      .execute();
    expect(audited).toEqual([
      { event: 'federation.task_result', outcome: 'refused' },
      { event: 'federation.task_completed', outcome: 'success' },
    ]);
    const stored = await hub.db
      .selectFrom('tasks')
      .select('result')
      .where('id', '=', offer.taskId)
      .executeTakeFirstOrThrow();
    expect(stored.result).toEqual(result);
  });

  it('audits a station’s refusal and fails the run, naming the station, the step and what to do', async () => {
    const { projectId } = await newProject();
    const runId = await startRun(projectId, 'count', {});
    const refusing = stations[1]!;
    const offer = await refusing.offerFor(runId);
    const refusal = refusing.signResult(offer, {
      status: 'refused',
      problem: { step: 'policy', code: 'algorithm-not-allowed', message: 'count is not on the allow-list' },
    });
    expect((await refusing.postResult(offer.taskId, refusal)).status).toBe(200);
    const audited = await hub.db
      .selectFrom('audit_log')
      .selectAll()
      .where('object_id', '=', offer.taskId)
      .executeTakeFirstOrThrow();
    expect(audited).toMatchObject({
      event: 'federation.task_refused',
      outcome: 'refused',
      client: `station ${refusing.id}`,
    });
    expect(JSON.parse(audited.details)).toMatchObject({ runId, problem: { step: 'policy' } });
    const run = await waitForRun(projectId, runId);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({
      stationId: refusing.id,
      stationName: 'Amsterdam UMC',
      step: 'policy',
      round: 0,
    });
    expect(run.error?.message).toContain('count is not on the allow-list');
    expect(run.stations.find((s) => s.stationId === refusing.id)).toMatchObject({
      status: 'refused',
      round: 0,
      durationMs: 12,
      disclosure: null,
      problem: { step: 'policy', code: 'algorithm-not-allowed', message: 'count is not on the allow-list' },
    });
    expect(run.error?.advice).toContain('data steward');
    // The other stations' tasks of a failed run leave the re-sync list.
    expect((await stations[0]!.openTasks()).filter((task) => task.runId === runId)).toEqual([]);
  });

  it('pushes a fresh revocation list to every connected station at once, and fails the permit’s running runs', async () => {
    const { projectId, permitId } = await newProject();
    const runId = await startRun(projectId, 'count', {});
    for (const station of stations) station.messages.length = 0;
    const revokedAt = await revokeTestPermit(hub, permitId);
    hub.context.events.emit('permit-revoked', { permitId, revokedAt });
    for (const station of stations) {
      const message = await station.waitFor(isRevocations);
      const list = openEnvelope(message.list, {
        publicKey: station.hubPublicKey,
        schema: PermitRevocationList,
      });
      expect(list.revoked.map((entry) => entry.permitId)).toContain(permitId);
    }
    const run = await waitForRun(projectId, runId);
    expect(run).toMatchObject({ status: 'failed', error: { step: 'permit' } });
    const rest = await stations[0]!.get('/api/station-permit-revocations');
    const body = (await rest.json()) as Parameters<typeof verifyEnvelope>[0] & {
      payload: { revoked: { permitId: string }[] };
    };
    expect(verifyEnvelope(body, stations[0]!.hubPublicKey)).toBe(true);
    expect(body.payload.revoked.map((entry) => entry.permitId)).toContain(permitId);
    const again = await api('POST', `/api/projects/${projectId}/runs/${runId}/rerun`);
    expect(again.status).toBe(409);
    expect(again.body.error?.message).toContain('revoked');
  });

  it('runs an iterative algorithm (binomial GLM) round after round to convergence, one result per task', async () => {
    const { projectId } = await newProject();
    const runId = await startRun(projectId, 'glm', {
      family: 'binomial',
      outcome: 'outcome',
      covariates: [{ variable: 'age' }, { variable: 'sex', type: 'categorical' }],
    });
    const answered = new Set<string>();
    for (let round = 0; ; round += 1) {
      const { body } = await api('GET', `/api/projects/${projectId}/runs/${runId}`);
      if (body.status !== 'running') break;
      expect(round).toBeLessThan(50);
      for (const station of stations) {
        const offer = await station.offerFor(runId, round);
        expect(answered.has(offer.taskId)).toBe(false);
        answered.add(offer.taskId);
        expect((await station.postResult(offer.taskId, await compute(station, offer))).status).toBe(200);
      }
      await waitForRound(projectId, runId, round + 1);
    }
    const run = await waitForRun(projectId, runId);
    expect(run.status, JSON.stringify(run.error)).toBe('completed');
    const tasks = await hub.db
      .selectFrom('tasks')
      .select(['round', 'status'])
      .where('run_id', '=', runId)
      .execute();
    expect(run.round).toBeGreaterThanOrEqual(1);
    expect(tasks).toHaveLength(3 * (run.round + 1));
    expect(tasks.every((task) => task.status === 'completed')).toBe(true);
    expect(answered.size).toBe(tasks.length);
  });

  it('streams a run’s progress as Server-Sent Events until it completes', async () => {
    const { projectId } = await newProject();
    const runId = await startRun(projectId, 'count', {});
    const response = await fetch(`${baseUrl}/api/projects/${projectId}/runs/${runId}/events`, {
      headers: { cookie: researcherCookie },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('\n\n')) text += (await reader.read()).value ?? '';
    for (const station of stations) {
      const offer = await station.offerFor(runId);
      expect((await station.postResult(offer.taskId, await compute(station, offer))).status).toBe(200);
    }
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    const events = text
      .split('\n\n')
      .filter((block) => block.startsWith('event: run'))
      .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as Body);
    expect(events[0]?.status).toBe('running');
    expect(events.at(-1)).toMatchObject({ status: 'completed', result: { persons: 1500 } });
    // Progress per station shows in between: answers arrive one by one.
    expect(events.length).toBeGreaterThanOrEqual(2);
  });

  it('starts an approved data request’s analysis in a project of the applicant, and keeps a refused one as a failed run', async () => {
    const applicantId = await hub.createUser({ roles: ['researcher'] });
    const datasetIds: string[] = [];
    for (const station of stations) {
      const { datasetId } = await upsertDatasetDescription(
        hub.db,
        station.id,
        { statistics: exampleStatistics, steward: exampleSteward },
        { stationName: `Station ${station.id.slice(-4)}` },
      );
      datasetIds.push(datasetId);
    }
    const approve = async (algorithm: { name: string; version: string }) => {
      const cast = await accessCast(hub, applicantId);
      const id = uuid7();
      const form = {
        ...completeForm(datasetIds, applicantId, 'data-request'),
        analysis: { cohort, algorithm, parameters: {} },
      };
      const run = (command: Command, actor: Actor) => runCommand(hub.context, id, command, actor);
      const applicant = {
        id: applicantId,
        name: 'Test User',
        organisationId: hub.organisationId,
        organisationName: 'Test organisation',
      };
      await run(
        { type: 'create', kind: 'data-request', title: `Counts ${id.slice(-4)}`, applicant, form },
        cast.applicant,
      );
      await run({ type: 'submit', duoBlocks: [] }, cast.applicant);
      await run({ type: 'mark-complete' }, cast.handler);
      const now = hub.context.now();
      const permitId = uuid7();
      await run(
        {
          type: 'approve',
          permit: {
            permitId,
            validFrom: now.toISOString(),
            validUntil: new Date(now.getTime() + 86_400_000).toISOString(),
            algorithms: ['count'],
          },
        },
        cast.decider,
      );
      return permitId;
    };
    const findRun = async (permitId: string) => {
      for (let attempt = 0; attempt < 200; attempt += 1) {
        const found = await hub.db
          .selectFrom('runs')
          .innerJoin('projects', 'projects.id', 'runs.project_id')
          .select(['runs.id', 'runs.status', 'runs.error', 'projects.owner_id', 'projects.id as projectId'])
          .where('projects.permit_id', '=', permitId)
          .executeTakeFirst();
        if (found !== undefined) return found;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no run for permit ${permitId}`);
    };

    const started = await findRun(await approve({ name: 'count', version: '1.0.0' }));
    expect(started).toMatchObject({ status: 'running', owner_id: applicantId });
    for (const station of stations) {
      const offer = await station.offerFor(started.id);
      expect(offer.requestedBy.userId).toBe(applicantId);
    }

    const refused = await findRun(await approve({ name: 'count', version: '9.9.9' }));
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatchObject({ step: 'start', code: 'invalid_input' });
  });
});

async function waitForRound(projectId: string, runId: string, round: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { body } = await api('GET', `/api/projects/${projectId}/runs/${runId}`);
    if (body.status !== 'running' || body.round >= round) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
