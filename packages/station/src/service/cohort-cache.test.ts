import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { PermitDocument } from '@polder/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordOptOut } from '../opt-out/opt-out-register.ts';
import { ingestTestPatients } from '../opt-out/_test-station.ts';
import { openStationStore, type StationStore } from '../station-store.ts';
import { CohortCache, cohortCatalog, type CohortCacheKey } from './cohort-cache.ts';
import { defaultStationPolicy } from './station-policy.ts';
import { runTask, type TaskOutcome, type TaskRunnerContext } from './task-runner.ts';
import { insertTestPersons, testCohort, testFederation, testOffer, testPermit } from './_test-federation.ts';

let dir: string;
let store: StationStore;
const { hubKey, identity, datasetId } = testFederation();
const persons = 60;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polder-cohort-cache-'));
  store = await openStationStore(dir, { name: 'Cohort cache test', threads: 1 });
  await insertTestPersons(store, persons);
});
afterAll(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

function context(cohortCache: CohortCache): TaskRunnerContext {
  return {
    store,
    identity,
    policy: defaultStationPolicy,
    revokedPermits: new Set(),
    datasetIds: [datasetId],
    cohortCache,
  };
}

/** Runs a count under `permit` for `projectId` and returns the outcome with the persons it recorded as used. */
async function count(
  cache: CohortCache,
  permit: PermitDocument,
  options: { readonly projectId?: string; readonly cohort?: unknown } = {},
): Promise<{ outcome: TaskOutcome; usedPersons: number }> {
  const offer = await testOffer(hubKey, identity.stationId, permit, {
    projectId: options.projectId ?? randomUUID(),
    ...(options.cohort === undefined ? {} : { cohort: options.cohort }),
  });
  const outcome = await runTask(offer, context(cache));
  expect(outcome.result.status).toBe('completed');
  const row = (
    await store.connection.runAndReadAll('SELECT persons FROM polder.task_usage WHERE task_id = $1', [
      offer.payload.taskId,
    ])
  ).getRowsJS()[0];
  return { outcome, usedPersons: Number(row?.[0]) };
}

const kind = (outcome: TaskOutcome) => (outcome.kind === 'final' ? outcome.timings?.cohort : undefined);

async function cachedTables(): Promise<number> {
  const row = (
    await store.connection.runAndReadAll(
      `SELECT count(*) FROM duckdb_tables() WHERE database_name = '${cohortCatalog}'`,
    )
  ).getRowsJS()[0];
  return Number(row?.[0]);
}

/** Adds persons `from`..`to` straight in SQL (no ingest run), each with a type 2 diabetes record. */
async function addPersons(from: number, to: number): Promise<void> {
  const c = store.connection;
  await c.run(
    `INSERT INTO cdm.person (person_id, gender_concept_id, year_of_birth, race_concept_id, ethnicity_concept_id)
     SELECT i, 8532, 1960, 0, 0 FROM range($1, $2 + 1) t(i)`,
    [from, to],
  );
  await c.run(
    `INSERT INTO cdm.observation_period (observation_period_id, person_id, observation_period_start_date,
       observation_period_end_date, period_type_concept_id)
     SELECT i, i, DATE '2015-01-01', DATE '2024-12-31', 32817 FROM range($1, $2 + 1) t(i)`,
    [from, to],
  );
  await c.run(
    `INSERT INTO cdm.condition_occurrence (condition_occurrence_id, person_id, condition_concept_id,
       condition_start_date, condition_type_concept_id)
     SELECT i, i, 201826, DATE '2020-06-01', 32817 FROM range($1, $2 + 1) t(i)`,
    [from, to],
  );
}

describe('the cohort cache in runTask()', () => {
  it('builds a cohort once for tasks and rounds with the same definition and permit', async () => {
    const cache = new CohortCache(store.instance);
    const permit = testPermit(identity.stationId, datasetId);
    const first = await count(cache, permit);
    const second = await count(cache, permit);
    const third = await count(cache, permit);
    expect([first, second, third].map((r) => kind(r.outcome))).toEqual(['built', 'reused', 'reused']);
    expect(cache.stats).toMatchObject({ builds: 1, reuses: 2, cohorts: 1, rows: persons });
    expect(second.outcome.result.output).toEqual(first.outcome.result.output);
    expect(second.outcome.kind === 'final' && second.outcome.timings?.cohortBuildMs).toBe(0);
    expect(second.usedPersons).toBe(persons);
  });

  it('builds a cohort once when two tasks ask for it at the same time', async () => {
    const cache = new CohortCache(store.instance);
    const permit = testPermit(identity.stationId, datasetId);
    const both = await Promise.all([count(cache, permit), count(cache, permit)]);
    expect(both.map((r) => kind(r.outcome)).sort()).toEqual(['built', 'reused']);
    expect(cache.stats).toMatchObject({ builds: 1, reuses: 1, cohorts: 1 });
  });

  it('never shares a table between permits, even of the same purpose and grant date', async () => {
    const cache = new CohortCache(store.instance);
    const issuedAt = new Date(Date.now() - 60_000).toISOString();
    // P41 opted out of purpose c before both permits were granted: one of purpose c leaves them out.
    await recordOptOut(store, {
      sourceIdentifier: 'P41',
      purposes: ['c'],
      actor: { role: 'steward', id: 'steward-1', name: 'Steward' },
      now: new Date(Date.now() - 3_600_000),
    });
    const forC = await count(cache, testPermit(identity.stationId, datasetId, { purpose: 'c', issuedAt }));
    const forD = await count(cache, testPermit(identity.stationId, datasetId, { purpose: 'd', issuedAt }));
    const twin = await count(cache, testPermit(identity.stationId, datasetId, { purpose: 'c', issuedAt }));
    expect([forC, forD, twin].map((r) => kind(r.outcome))).toEqual(['built', 'built', 'built']);
    expect([forC.usedPersons, forD.usedPersons, twin.usedPersons]).toEqual([
      persons - 1,
      persons,
      persons - 1,
    ]);
    // A permit granted before the opt-out keeps P41 in (EHDS Art. 71); its table is its own.
    const earlier = testPermit(identity.stationId, datasetId, {
      purpose: 'c',
      issuedAt: new Date(Date.now() - 3_700_000).toISOString(),
    });
    const before = await count(cache, earlier);
    expect(kind(before.outcome)).toBe('built');
    expect(before.usedPersons).toBe(persons);
    expect(cache.stats.builds).toBe(4);
  });

  it('builds again after a new opt-out, and leaves the patient out', async () => {
    const cache = new CohortCache(store.instance);
    const issuedAt = new Date(Date.now() - 60_000);
    const permit = testPermit(identity.stationId, datasetId, {
      purpose: 'e',
      issuedAt: issuedAt.toISOString(),
    });
    const projectId = randomUUID();
    const before = await count(cache, permit, { projectId });
    expect(before.usedPersons).toBe(persons);
    // Recorded before the grant (a steward entering a paper form late): it applies to this permit.
    await recordOptOut(store, {
      sourceIdentifier: 'P7',
      purposes: ['e'],
      actor: { role: 'steward', id: 'steward-1', name: 'Steward' },
      now: new Date(issuedAt.getTime() - 1000),
    });
    const tablesBefore = await cachedTables();
    const after = await count(cache, permit, { projectId: randomUUID() });
    expect(kind(after.outcome)).toBe('built');
    expect(after.usedPersons).toBe(persons - 1);
    // The outdated table went with the change: one table for this cache, as before.
    expect(await cachedTables()).toBe(tablesBefore);
    expect(cache.stats).toMatchObject({ builds: 2, drops: 1, cohorts: 1 });
    const again = await count(cache, permit);
    expect(kind(again.outcome)).toBe('reused');
  });

  it('builds again when the data changed: rows added in SQL, and an ingest run', async () => {
    const cache = new CohortCache(store.instance);
    const permit = testPermit(identity.stationId, datasetId, { purpose: 'f' });
    const first = await count(cache, permit);
    await addPersons(1001, 1010);
    const added = await count(cache, permit);
    expect(kind(added.outcome)).toBe('built');
    expect(added.usedPersons).toBe(first.usedPersons + 10);
    expect(kind((await count(cache, permit)).outcome)).toBe('reused');
    // An ingest of patients without a diabetes record changes no cohort, but the station cannot tell that
    // without building it: a new data version.
    await ingestTestPatients(store, ['9100001'], join(dir, 'export'));
    const ingested = await count(cache, permit);
    expect(kind(ingested.outcome)).toBe('built');
    expect(ingested.usedPersons).toBe(added.usedPersons);
  });

  it('drops the least recently used cohort over its bound, and builds it again when asked', async () => {
    const cache = new CohortCache(store.instance, { maxCohorts: 2 });
    const permit = testPermit(identity.stationId, datasetId);
    const named = (name: string) => ({ ...testCohort, name });
    const tablesBefore = await cachedTables();
    await count(cache, permit, { cohort: named('a') });
    await count(cache, permit, { cohort: named('b') });
    await count(cache, permit, { cohort: named('a') }); // a is now more recent than b
    await count(cache, permit, { cohort: named('c') }); // b goes
    expect(cache.stats).toMatchObject({ builds: 3, reuses: 1, drops: 1, cohorts: 2 });
    expect(await cachedTables()).toBe(tablesBefore + 2);
    expect(kind((await count(cache, permit, { cohort: named('a') })).outcome)).toBe('reused');
    expect(kind((await count(cache, permit, { cohort: named('b') })).outcome)).toBe('built');
    expect(cache.stats).toMatchObject({ builds: 4, drops: 2, cohorts: 2 });
    await cache.clear();
    expect(await cachedTables()).toBe(tablesBefore);
  });

  it('records the persons once per project and cached cohort, and every task', async () => {
    const cache = new CohortCache(store.instance);
    const permit = testPermit(identity.stationId, datasetId);
    const projectId = randomUUID();
    const outcomes = [
      await count(cache, permit, { projectId }),
      await count(cache, permit, { projectId }),
      await count(cache, permit, { projectId: randomUUID() }),
    ].map((r) => r.outcome);
    expect(outcomes.map((o) => o.kind === 'final' && o.timings?.usageSkipped)).toEqual([false, true, false]);
    const row = (
      await store.connection.runAndReadAll(
        `SELECT (SELECT count(*) FROM polder.task_usage WHERE project_id = $1),
                (SELECT count(*) FROM polder.project_usage_person WHERE project_id = $1)`,
        [projectId],
      )
    ).getRowsJS()[0];
    expect(row?.map(Number)).toEqual([2, cache.stats.rows]);
  });
});

describe('CohortCache', () => {
  const key = (definitionDigest: string): CohortCacheKey => ({
    definitionDigest,
    permitId: 'permit-1',
    purpose: 'c',
    grantedAt: '2026-01-01T00:00:00.000Z',
    dataVersion: 'v1',
    optOutVersion: 0,
  });
  const build = (rows: number) => async (table: string, connection: DuckDBConnection) => {
    await connection.run(`CREATE TABLE ${table} AS SELECT range AS person_id FROM range(${rows})`);
  };

  it('keeps a table a task holds until it is released, over the bound', async () => {
    const cache = new CohortCache(store.instance, { maxCohorts: 1 });
    const connection = await store.instance.connect();
    try {
      const held = await cache.acquire(connection, key('held'), build(5));
      const other = await cache.acquire(connection, key('other'), build(3));
      await other.release();
      // 'other' was the idle one over the bound; 'held' is still there to read.
      expect(cache.stats).toMatchObject({ cohorts: 1, drops: 1 });
      const rows = (await connection.runAndReadAll(`SELECT count(*) FROM ${held.table}`)).getRowsJS();
      expect(Number(rows[0]?.[0])).toBe(5);
      expect(held.persons).toBe(5);
      await held.release();
      await held.release(); // once only
      expect(cache.stats.cohorts).toBe(1);
    } finally {
      connection.closeSync();
    }
  });

  it('drops over the row bound, and never caches a failed build', async () => {
    const cache = new CohortCache(store.instance, { maxRows: 10 });
    const connection = await store.instance.connect();
    try {
      await (await cache.acquire(connection, key('seven'), build(7))).release();
      await (await cache.acquire(connection, key('six'), build(6))).release();
      expect(cache.stats).toMatchObject({ cohorts: 1, rows: 6, drops: 1 });
      await expect(
        cache.acquire(connection, key('broken'), async () => {
          throw new Error('no such concept table');
        }),
      ).rejects.toThrow('no such concept table');
      const retried = await cache.acquire(connection, key('broken'), build(2));
      expect(retried.built).toBe(true);
      await retried.release();
      expect(cache.stats.builds).toBe(3);
    } finally {
      connection.closeSync();
    }
  });
});
