import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { defaultDisclosurePolicy, type DisclosurePolicy } from '@polder/privacy';
import type { StationContext } from './algorithm.ts';
import { combineRound } from './combine-round.ts';
import { duckDbQuery } from './duckdb-query.ts';
import { runStationHalf } from './run-station-half.ts';

/** Column types of a test cohort. */
export type TestColumns = Readonly<Record<string, 'DOUBLE' | 'INTEGER' | 'VARCHAR'>>;
/** A test cohort record. */
export type TestRow = Readonly<Record<string, number | string | null>>;

/** An in-memory DuckDB station with a cohort table, for tests (real DuckDB, no mocks). */
export interface TestStation {
  readonly connection: DuckDBConnection;
  readonly ctx: StationContext;
  close(): Promise<void>;
}

let sharedInstance: Promise<DuckDBInstance> | undefined;
let tables = 0;

/** Opens an in-memory DuckDB holding `rows` in cohort table `cohort_<n>` (person_id, dates, then `columns`). */
export async function openTestStation(
  columns: TestColumns,
  rows: readonly TestRow[],
  policy: DisclosurePolicy = defaultDisclosurePolicy,
): Promise<TestStation> {
  // One in-memory database per test file, one table per station: opening DuckDB costs more than a test.
  sharedInstance ??= DuckDBInstance.create(':memory:', { threads: '1' });
  const instance = await sharedInstance;
  const connection = await instance.connect();
  const table = `cohort_${++tables}`;
  const names = Object.keys(columns);
  const definitions = names.map((name) => `"${name}" ${columns[name]}`).join(', ');
  await connection.run(
    `CREATE TABLE ${table} (person_id BIGINT, index_date DATE, end_date DATE${definitions === '' ? '' : `, ${definitions}`})`,
  );
  const appender = await connection.createAppender(table);
  rows.forEach((row, i) => {
    appender.appendBigInt(BigInt(i + 1));
    appender.appendNull();
    appender.appendNull();
    for (const name of names) {
      const value = row[name];
      if (value === null || value === undefined) appender.appendNull();
      else if (columns[name] === 'VARCHAR') appender.appendVarchar(String(value));
      else if (columns[name] === 'INTEGER') appender.appendInteger(Number(value));
      else appender.appendDouble(Number(value));
    }
    appender.endRow();
  });
  appender.closeSync();
  return {
    connection,
    ctx: { query: duckDbQuery(connection), cohortTable: table, policy },
    async close() {
      await connection.run(`DROP TABLE ${table}`);
      connection.closeSync();
    },
  };
}

/** A seeded PRNG (mulberry32) so that test data is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw from a uniform source (Box–Muller). */
export function normalDraw(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Walks a JSON value and returns every number under a key that holds counts, with its path. */
export function releasedCounts(value: unknown, path = ''): { path: string; value: number }[] {
  const countKeys = new Set([
    'count',
    'counts',
    'value',
    'n',
    'persons',
    'atRisk',
    'events',
    'censored',
    'total',
  ]);
  const found: { path: string; value: number }[] = [];
  const walk = (v: unknown, p: string, underCountKey: boolean): void => {
    if (p.includes('/quantiles/')) return;
    if (typeof v === 'number' && underCountKey) found.push({ path: p, value: v });
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${p}/${i}`, underCountKey));
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) walk(x, `${p}/${k}`, countKeys.has(k));
    }
  };
  walk(value, path, false);
  return found;
}

/**
 * Runs an algorithm over test stations as the hub and stations would: every round each station's
 * `runStationHalf` (with disclosure control), then `combineRound`, until the hub half is done.
 */
export async function runFederated(
  stations: readonly TestStation[],
  algorithm: { readonly name: string; readonly version: string },
  parameters: unknown,
  maxRounds = 200,
): Promise<{ result: unknown; rounds: number }> {
  let state: unknown = null;
  for (let round = 0; round < maxRounds; round++) {
    const partials = [];
    for (const [i, station] of stations.entries()) {
      const { output } = await runStationHalf(station.ctx, { algorithm, parameters, round, state });
      partials.push({ stationId: `station-${i}`, output });
    }
    const outcome = combineRound({ algorithm, parameters, round, state, partials });
    if (outcome.status === 'done') return { result: outcome.result, rounds: round + 1 };
    state = outcome.state;
  }
  throw new Error(`no result after ${maxRounds} rounds`);
}
