/**
 * Benchmark of the analytics library's in-process path: three DuckDB stations of 100,000 persons each
 * (a synthetic cohort table with 10 covariates, a binary outcome and a time-to-event pair in whole days), each round's
 * station halves run concurrently (as separate stations would), then the hub half. The network part is
 * measured elsewhere. Prints one JSON line per measurement.
 *
 *   npx tsx scripts/bench-analytics.ts [--persons 100000] [--runs 50] [--fits 3] [--cohort-version on|off]
 *
 * `--runs` counts are timed; the GLM and Kaplan–Meier are each run `--fits` times (median, min and max), since
 * one run on a shared machine says little.
 *
 * `--cohort-version on` (the default) names each station's cohort table contents, as a station that keeps
 * cached cohorts can (`StationContext.cohortVersion`), so that the GLM remembers which covariates are 0/1
 * across rounds; `off` is a station that cannot promise that.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { combineRound, duckDbQuery, runStationHalf, type StationContext } from '@polder/analytics';
import { defaultDisclosurePolicy } from '@polder/privacy';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    persons: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '50' },
    fits: { type: 'string', default: '3' },
    'cohort-version': { type: 'string', default: 'on' },
  },
});
const persons = Number(options.persons);
const runs = Number(options.runs);
const fits = Number(options.fits);

interface BenchStation {
  readonly id: string;
  readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  readonly ctx: StationContext;
}

/** A station with a synthetic cohort; the outcome follows a logistic model of the covariates. */
async function openStation(index: number): Promise<BenchStation> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`SELECT setseed(${(index + 1) / 10})`);
  await connection.run(`
    CREATE TEMP TABLE base AS
    SELECT i AS person_id,
           DATE '2020-01-01' + CAST(i % 1000 AS INTEGER) AS index_date,
           20 + 70 * random() AS age,
           CASE WHEN random() < 0.5 THEN 'female' ELSE 'male' END AS sex,
           CAST(random() < 0.3 AS INTEGER) AS smoker,
           CAST(random() < 0.15 AS INTEGER) AS diabetes,
           22 + 6 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS bmi,
           120 + 15 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS systolic,
           5 + sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS cholesterol,
           90 - 20 * random() AS egfr,
           sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS biomarker,
           CAST(random() < 0.2 AS INTEGER) AS prior_admission,
           -ln(1 - random()) AS u_time, random() AS u_outcome, 365 * random() AS u_censor
    FROM range(${persons * index}, ${persons * (index + 1)}) t(i)`);
  await connection.run(`
    CREATE TEMP TABLE cohort AS
    SELECT person_id, index_date, index_date + 365 AS end_date, age, sex, smoker, diabetes, bmi, systolic,
           cholesterol, egfr, biomarker, prior_admission,
           CAST(u_outcome < 1 / (1 + exp(-(-4 + 0.03 * age + 0.5 * smoker + 0.4 * diabetes + 0.02 * (bmi - 22)
                + 0.01 * (systolic - 120) + 0.1 * biomarker + 0.3 * prior_admission + CASE WHEN sex = 'male' THEN 0.2 ELSE 0 END)))
                AS INTEGER) AS outcome,
           floor(least(u_time * 2000 / exp(0.02 * (age - 50) + 0.4 * smoker), u_censor)) AS survival,
           CAST(u_time * 2000 / exp(0.02 * (age - 50) + 0.4 * smoker) <= u_censor AS INTEGER) AS survival_event
    FROM base`);
  await connection.run('DROP TABLE base');
  return {
    id: `station-${index}`,
    instance,
    connection,
    ctx: {
      query: duckDbQuery(connection),
      cohortTable: 'cohort',
      // The cohort table is never changed after it is made.
      ...(options['cohort-version'] === 'off' ? {} : { cohortVersion: `bench-station-${index}` }),
      policy: defaultDisclosurePolicy,
    },
  };
}

/** Runs an analysis to its end: each round all station halves concurrently, then the hub half. */
async function analyse(
  stations: readonly BenchStation[],
  algorithm: { name: string; version: string },
  parameters: unknown,
): Promise<{ ms: number; rounds: number; stationMs: number; result: unknown }> {
  const start = performance.now();
  let state: unknown = null;
  let stationMs = 0;
  for (let round = 0; ; round++) {
    const t = performance.now();
    const partials = await Promise.all(
      stations.map(async (s) => ({
        stationId: s.id,
        output: (await runStationHalf(s.ctx, { algorithm, parameters, round, state })).output,
      })),
    );
    stationMs += performance.now() - t;
    const outcome = combineRound({ algorithm, parameters, round, state, partials });
    if (outcome.status === 'done') {
      return { ms: performance.now() - start, rounds: round + 1, stationMs, result: outcome.result };
    }
    state = outcome.state;
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const t0 = performance.now();
const stations = await Promise.all([0, 1, 2].map(openStation));
console.log(
  JSON.stringify({
    bench: 'analytics-setup',
    stations: 3,
    personsPerStation: persons,
    cohortVersion: options['cohort-version'] !== 'off',
    ms: round1(performance.now() - t0),
  }),
);

const countParameters = {
  strata: [
    { variable: 'sex' },
    { variable: 'age', breaks: [30, 40, 50, 60, 70, 80] },
    { variable: 'smoker' },
  ],
};
const counts: number[] = [];
for (let i = 0; i < runs; i++)
  counts.push((await analyse(stations, { name: 'count', version: '1.0.0' }, countParameters)).ms);
console.log(
  JSON.stringify({
    bench: 'analytics-count-stratified',
    runs,
    p50Ms: round1(percentile(counts, 0.5)),
    p95Ms: round1(percentile(counts, 0.95)),
    targetEndToEndMs: 100,
  }),
);

const covariates = [
  'age',
  'smoker',
  'diabetes',
  'bmi',
  'systolic',
  'cholesterol',
  'egfr',
  'biomarker',
  'prior_admission',
].map((variable) => ({ variable }));
/** Runs an analysis `fits` times; the median run's figures with the fastest and slowest times. */
async function repeated(
  algorithm: { name: string; version: string },
  parameters: unknown,
): Promise<{ ms: number; minMs: number; maxMs: number; stationMs: number; rounds: number; result: unknown }> {
  const all = [];
  for (let i = 0; i < fits; i++) all.push(await analyse(stations, algorithm, parameters));
  all.sort((a, b) => a.ms - b.ms);
  const median = all[Math.floor((all.length - 1) / 2)] ?? all[0]!;
  return { ...median, minMs: all[0]!.ms, maxMs: all[all.length - 1]!.ms };
}

const glm = await repeated(
  { name: 'glm', version: '1.0.0' },
  {
    family: 'binomial',
    outcome: 'outcome',
    covariates: [...covariates, { variable: 'sex', type: 'categorical', levels: ['female', 'male'] }],
  },
);
const fit = glm.result as { converged: boolean; iterations: number; n: number };
console.log(
  JSON.stringify({
    bench: 'analytics-glm-binomial-10-covariates',
    fits,
    ms: round1(glm.ms),
    minMs: round1(glm.minMs),
    maxMs: round1(glm.maxMs),
    stationMs: round1(glm.stationMs),
    rounds: glm.rounds,
    iterations: fit.iterations,
    converged: fit.converged,
    n: fit.n,
    targetEndToEndMs: 3000,
  }),
);

const km = await repeated(
  { name: 'kaplan-meier', version: '1.0.0' },
  { time: 'survival', group: { variable: 'sex' } },
);
const kmResult = km.result as { curves: { steps: unknown[] }[] };
console.log(
  JSON.stringify({
    bench: 'analytics-kaplan-meier-by-sex',
    fits,
    ms: round1(km.ms),
    minMs: round1(km.minMs),
    maxMs: round1(km.maxMs),
    stationMs: round1(km.stationMs),
    steps: kmResult.curves.map((c) => c.steps.length),
    targetEndToEndMs: 1000,
  }),
);

for (const s of stations) {
  s.connection.closeSync();
  s.instance.closeSync();
}
