/**
 * Catalogue search benchmark: a hub with 10,000 published dataset descriptions, searched by 50 concurrent
 * clients (autocannon, in a worker thread so that it does not share the hub's event loop). Prints one JSON
 * line per figure: seeding time, then per engine and scenario requests/s and latency p50/p95/p99 (ms).
 *
 * Scenarios: `search` cycles through 400 different searches (text, facets, sorts, pages), which after the
 * warm-up the hub answers from its caches; `search.uncached` sends searches that all differ, so each runs its
 * full-text query in the database and its selection anew; `dataset` fetches dataset descriptions as JSON-LD.
 *
 * Options: --engine pglite|postgres|both (default both; PostgreSQL from POLDER_BENCH_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/postgres, in a fresh database dropped afterwards), --datasets N
 * (10000), --connections N (50), --duration seconds (10), --only search|dataset.
 *
 * Run: npx tsx scripts/bench-catalogue.ts
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import {
  createHub,
  openDatabase,
  readHubConfig,
  setStewardDescription,
  upsertDatasetDescription,
  type Hub,
} from '@polder/hub';
import {
  duoCodes,
  healthCategories,
  healthThemes,
  type DatasetStatistics,
  type DuoCode,
  type HealthCategory,
  type StewardDescription,
} from '@polder/protocol';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const engines =
  (option('engine') ?? 'both') === 'both' ? ['pglite', 'postgres'] : [option('engine') ?? 'pglite'];
const datasets = Number(option('datasets') ?? 10_000);
const connections = Number(option('connections') ?? 50);
const duration = Number(option('duration') ?? 10);
const only = option('only');
const emit = (figure: Record<string, unknown>): void =>
  console.log(JSON.stringify({ at: new Date().toISOString(), bench: 'catalogue', ...figure }));

/** A deterministic pseudo-random sequence, so that runs seed the same catalogue. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const specialties = [
  'cardiology',
  'oncology',
  'diabetes',
  'asthma',
  'intensive care',
  'stroke',
  'kidney disease',
  'maternity',
  'paediatrics',
  'geriatrics',
  'orthopaedics',
  'infectious disease',
  'psychiatry',
  'dermatology',
  'sepsis',
  'heart failure',
  'COPD',
  'dementia',
  'emergency care',
  'surgery',
];
const sources = [
  'electronic health records',
  'laboratory results',
  'prescriptions',
  'registry',
  'cohort',
  'claims',
];
const cities = [
  'Amsterdam',
  'Utrecht',
  'Rotterdam',
  'Leiden',
  'Haarlem',
  'Zaandam',
  'Amstelveen',
  'Almere',
  'Hoorn',
  'Delft',
];
const vocabularies = ['SNOMED', 'LOINC', 'RxNorm', 'ATC', 'ICD10', 'UCUM', 'Visit'];
const categories = Object.keys(healthCategories) as HealthCategory[];
const duo = Object.keys(duoCodes) as DuoCode[];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}
function some<T>(next: () => number, items: readonly T[], max: number): T[] {
  const count = 1 + Math.floor(next() * max);
  return [...new Set(Array.from({ length: count }, () => pick(next, items)))];
}

function description(i: number): { statistics: DatasetStatistics; steward: StewardDescription } {
  const next = random(i + 1);
  const specialty = pick(next, specialties);
  const source = pick(next, sources);
  const hospital = `${pick(next, cities)} ${pick(next, ['General', 'University', 'Children’s', 'Community'])} Hospital ${1 + (i % 50)}`;
  const persons = Math.round(10 ** (2 + next() * 4) / 5) * 5;
  const min = Math.floor(next() * 8) * 5;
  const statistics: DatasetStatistics = {
    computedAt: '2026-11-23T12:00:00.000Z',
    cdmVersion: '5.4',
    disclosureControl: { minCount: 8, roundTo: 5 },
    persons,
    records: persons * 25,
    typicalAge: { min, max: Math.min(104, min + 25 + Math.floor(next() * 12) * 5 - 1) },
    sex: [
      { key: 'female', persons: Math.round(persons / 10) * 5 },
      { key: 'male', persons: Math.round(persons / 10) * 5 },
    ],
    age: [],
    timeCoverage: { start: `${2010 + Math.floor(next() * 10)}-01`, end: '2025-12' },
    codingSystems: some(next, vocabularies, 5).map((vocabularyId) => ({
      vocabularyId,
      records: persons * 5,
    })),
    domains: [{ table: 'condition_occurrence', records: persons * 10, persons, topConcepts: [] }],
    dataQuality: { score: 80 + Math.round(next() * 2000) / 100, runAt: '2026-11-23T11:00:00Z' },
  };
  const steward: StewardDescription = {
    title: `${hospital}: ${specialty} ${source} ${i}`,
    description: `De-identified ${source} of ${specialty} patients treated at ${hospital}, in OMOP CDM 5.4, with diagnoses, medication and laboratory results.`,
    keywords: [specialty, source, pick(next, specialties)],
    themes: some(next, ['HEAL', 'SOCI', 'TECH', 'ENVI'] as const, 2),
    healthCategories: some(next, categories, 3),
    healthThemes: some(next, healthThemes, 2),
    accessRights: pick(next, ['public', 'restricted', 'non-public'] as const),
    dataUseConditions: some(next, duo, 3),
    contactPoint: { email: `data@hospital-${i % 50}.example` },
    publisher: {
      name: hospital,
      type: 'inpatient-institute',
      contact: { email: `info@hospital-${i % 50}.example` },
    },
    accessBody: { name: 'Health Data Access Body NL', contact: { url: 'https://hdab.example.nl' } },
  };
  return { statistics, steward };
}

/**
 * The searches the clients cycle through. With `unique`, each text differs (an exclusion of a made-up word),
 * so that no cache helps: every request runs its full-text query in the database and its selection anew.
 */
function searchPaths(count: number, unique = false): string[] {
  const next = random(4242);
  const paths: string[] = [];
  const sorts = ['relevance', 'title', 'population', 'modified'];
  for (let i = 0; i < count; i++) {
    const params = new URLSearchParams();
    const exclusion = unique ? ` -x${i.toString(36)}` : '';
    if (unique || next() < 0.7) {
      const text =
        next() < 0.5 ? pick(next, specialties) : `${pick(next, specialties)} ${pick(next, sources)}`;
      params.set('q', text + exclusion);
    }
    if (next() < 0.4) params.set('healthCategory', pick(next, categories));
    if (next() < 0.3) params.set('accessRights', pick(next, ['public', 'restricted', 'non-public']));
    if (next() < 0.2) params.set('codingSystem', pick(next, vocabularies));
    if (next() < 0.2) params.set('ageGroup', pick(next, ['0-17', '18-64', '65+']));
    if (next() < 0.2)
      params.set('populationSize', pick(next, ['under-1k', '1k-10k', '10k-100k', 'over-100k']));
    params.set('sort', pick(next, sorts));
    if (next() < 0.3) params.set('page', String(1 + Math.floor(next() * 5)));
    paths.push(`/api/catalogue/search?${params.toString()}`);
  }
  return paths;
}

// With `unique`, every request (of any connection) takes the next path, starting at `start`; otherwise each
// connection cycles through the paths.
const loadWorker = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require('autocannon');
const times = [];
let next = workerData.start;
const requests = workerData.unique
  ? [{ method: 'GET', headers: workerData.headers, setupRequest: (request) => ({ ...request, path: workerData.paths[next++ % workerData.paths.length] }) }]
  : workerData.paths.map((path) => ({ method: 'GET', path, headers: workerData.headers }));
const instance = autocannon({
  url: workerData.url, connections: workerData.connections, duration: workerData.duration, requests,
});
instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
instance.then((result) => parentPort.postMessage({ result, times }));
`;

interface LoadResult {
  readonly result: {
    requests: { average: number; total: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  readonly times: number[];
}

function runLoad(
  url: string,
  paths: string[],
  seconds: number,
  headers: Record<string, string> = {},
  unique = false,
  start = 0,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(loadWorker, {
      eval: true,
      workerData: { url, paths, connections, duration: seconds, headers, unique, start },
    });
    worker.once('message', (message: LoadResult) => {
      void worker.terminate();
      resolve(message);
    });
    worker.once('error', reject);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return (
    Math.round(
      (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN) * 100,
    ) / 100
  );
}

async function withPostgresDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const serverUrl = process.env['POLDER_BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `polder_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: serverUrl, max: 1 }) }),
  });
  await sql`create database ${sql.id(name)}`.execute(admin);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    return await work(url.toString());
  } finally {
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
    await admin.destroy();
  }
}

async function benchEngine(engine: string, databaseUrl?: string): Promise<void> {
  const config = readHubConfig(
    {},
    { logLevel: 'silent', port: 0, ...(databaseUrl === undefined ? {} : { databaseUrl }) },
  );
  const db =
    databaseUrl === undefined ? openDatabase({}) : openDatabase({ databaseUrl }, { maxConnections: 10 });
  const hub: Hub = await createHub(config, { db });
  try {
    const started = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < datasets; i++) {
      const { statistics, steward } = description(i);
      const stationId = `00000000-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
      const { datasetId } = await upsertDatasetDescription(
        hub.db,
        stationId,
        { statistics },
        { stationName: `Station ${i}` },
      );
      await setStewardDescription(hub.db, datasetId, steward);
      ids.push(datasetId);
    }
    emit({ engine, figure: 'seed', datasets, seconds: Math.round((performance.now() - started) / 10) / 100 });
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    const address = hub.app.server.address();
    if (address === null || typeof address === 'string')
      throw new Error('Cannot benchmark: the hub has no TCP address');
    const url = `http://127.0.0.1:${address.port}`;
    const scenarios: [string, string[], Record<string, string>][] = [
      ['search', searchPaths(400), {}],
      ['search.uncached', searchPaths(200_000, true), {}],
      ['dataset.jsonld', ids.slice(0, 400).map((id) => `/datasets/${id}`), { accept: 'application/ld+json' }],
    ];
    for (const [scenario, paths, headers] of scenarios) {
      if (only !== undefined && !scenario.startsWith(only)) continue;
      const unique = scenario.endsWith('.uncached');
      // Warm-up (JIT, connection pool; caches too, except for the unique searches, which start elsewhere).
      await runLoad(url, paths, 2, headers, unique, paths.length / 2);
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const { result, times } = await runLoad(url, paths, duration, headers, unique);
      loop.disable();
      times.sort((a, b) => a - b);
      emit({
        engine,
        scenario,
        datasets,
        connections,
        seconds: duration,
        requestsPerSecond: Math.round(times.length / duration),
        p50ms: percentile(times, 50),
        p95ms: percentile(times, 95),
        p99ms: percentile(times, 99),
        requests: times.length,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        serverLoopDelayP99ms: Math.round(loop.percentile(99) / 1e4) / 100,
        serverLoopDelayMaxMs: Math.round(loop.max / 1e4) / 100,
      });
    }
  } finally {
    await hub.close();
  }
}

for (const engine of engines) {
  if (engine === 'postgres') await withPostgresDatabase((url) => benchEngine('postgres', url));
  else await benchEngine('pglite');
}
