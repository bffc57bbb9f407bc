/**
 * Access procedure benchmark: a hub with 10,000 applications of 20 events each (made with the workflow's own
 * `decide`, so every log is a legal one, and bulk-inserted), then the latency of the access body's queue
 * (`GET /api/access/queue`, signed in as the handler) and of the public register (`GET /api/register`,
 * anonymous). Prints one JSON line per figure: seeding time, then per engine and scenario p50/p95/p99 (ms)
 * and requests/s, measured two ways: `sequential` (one request at a time: the latency a user sees) and
 * `concurrent` (autocannon with N connections in a worker thread: throughput, latency includes queueing).
 *
 * The queue and the register answer repeated pages from memory while nothing changed (`AccessReadCache`);
 * `register.uncached` asks a different page each time, so it measures the queries themselves.
 *
 * Options: --engine pglite|postgres|both (default both; PostgreSQL from POLDER_BENCH_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/postgres, in a fresh database dropped afterwards), --applications N
 * (10000), --requests N sequential requests per scenario (300), --connections N (10), --duration s (5).
 *
 * Run: npx tsx scripts/bench-access.ts
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import {
  createHub,
  decide,
  evolve,
  insertApplicationHistories,
  openDatabase,
  readHubConfig,
  seedDemoAccounts,
  setStewardDescription,
  totpCode,
  upsertDatasetDescription,
  type Actor,
  type Application,
  type ApplicationHistory,
  type Command,
  type Hub,
  type WorkflowEvent,
} from '@polder/hub';
import type { DatasetStatistics, StewardDescription } from '@polder/protocol';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const engines =
  (option('engine') ?? 'both') === 'both' ? ['pglite', 'postgres'] : [option('engine') ?? 'pglite'];
const applications = Number(option('applications') ?? 10_000);
const sequentialRequests = Number(option('requests') ?? 300);
const connections = Number(option('connections') ?? 10);
const duration = Number(option('duration') ?? 5);
const eventsPerApplication = 20;
const emit = (figure: Record<string, unknown>): void =>
  console.log(JSON.stringify({ at: new Date().toISOString(), bench: 'access', ...figure }));

/** A deterministic pseudo-random sequence, so that runs seed the same applications. */
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

const uuid = (next: () => number): string => {
  const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
};

const statistics: DatasetStatistics = {
  computedAt: '2026-11-23T12:00:00.000Z',
  cdmVersion: '5.4',
  disclosureControl: { minCount: 8, roundTo: 5 },
  persons: 10_000,
  records: 250_000,
  typicalAge: { min: 20, max: 85 },
  sex: [],
  age: [],
  timeCoverage: { start: '2015-01', end: '2025-12' },
  codingSystems: [{ vocabularyId: 'SNOMED', records: 100_000 }],
  domains: [],
  dataQuality: { score: 91, runAt: '2026-11-23T11:00:00Z' },
};

function steward(i: number): StewardDescription {
  return {
    title: `Amsterdam hospital ${i}: diabetes electronic health records`,
    description: 'De-identified records of diabetes patients, in OMOP CDM 5.4.',
    keywords: ['diabetes', 'EHR'],
    themes: ['HEAL'],
    healthCategories: ['EHRS'],
    accessRights: 'restricted',
    dataUseConditions: ['DUO:0000006', 'DUO:0000046'],
    contactPoint: { email: `data@hospital-${i}.example` },
    publisher: {
      name: `Hospital ${i}`,
      type: 'inpatient-institute',
      contact: { email: `info@hospital-${i}.example` },
    },
    accessBody: { name: 'Health Data Access Body NL', contact: { url: 'https://hdab.example.nl' } },
  };
}

/** The final state each application is taken to, out of 20 (the mix of a register a few years old). */
const targets = [
  'draft',
  'closed',
  'submitted',
  'submitted',
  'submitted',
  'returned',
  'returned',
  'complete',
  'complete',
  'complete',
  'complete',
  'complete',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'approved',
  'rejected',
  'rejected',
] as const;

/** One application's 20 events, decided one by one by the workflow itself. */
function history(
  i: number,
  cast: { applicant: Actor; handler: Actor; reviewers: Actor[]; decider: Actor },
  datasets: { id: string }[],
  organisationId: string,
  now: number,
): ApplicationHistory {
  const next = random(i + 1);
  const id = uuid(next);
  const target = targets[i % targets.length] ?? 'draft';
  const dataset = datasets[Math.floor(next() * datasets.length)]?.id ?? '';
  // Older applications are further along; the open ones are from the last few months.
  const open = ['draft', 'submitted', 'returned', 'complete'].includes(target);
  let at = now - (open ? 20 + next() * 100 : 100 + next() * 900) * 86_400_000;
  const events: WorkflowEvent[] = [];
  let app: Application | null = null;
  const step = (command: Command, actor: Actor): void => {
    at += (1 + next() * 20) * 3_600_000;
    const decision = decide(app, command, actor, new Date(Math.min(at, now)));
    if (!decision.ok) throw new Error(`Cannot seed application ${i}: ${decision.refusal.message}`);
    for (const event of decision.events) {
      events.push(event);
      app = evolve(app, event);
    }
  };
  const applicantId = cast.applicant.id ?? '';
  step(
    {
      type: 'create',
      kind: i % 7 === 0 ? 'data-request' : 'permit',
      title: `Study ${i}: readmission after ${['diabetes', 'heart failure', 'stroke', 'sepsis'][i % 4]} care`,
      applicant: {
        id: applicantId,
        name: cast.applicant.name,
        organisationId,
        organisationName: 'University of Amsterdam',
      },
      form: { datasets: [dataset], acceptedTerms: [] },
    },
    cast.applicant,
  );
  step(
    {
      type: 'save-form',
      form: {
        publicSummary: `Study ${i} of readmission within 30 days of discharge, with counts and regression models.`,
        applicant: {
          name: cast.applicant.name,
          organisation: 'University of Amsterdam',
          email: 'r@uva.example',
          organisationType: 'academic',
        },
        purpose: { ground: 'e', description: 'Scientific research on readmission after diabetes care.' },
        datasets: [dataset],
        acceptedTerms: [dataset],
        processing: { environment: 'Polder federation', safeguards: 'Disclosure control at every station' },
        requestedAnalyses: 'Counts, GLM',
        analysis: {
          cohort: { name: 'diabetes' },
          algorithm: { name: 'count', version: '1' },
          parameters: {},
        },
        duration: { months: 12 },
        namedUsers: [applicantId],
      },
    },
    cast.applicant,
  );
  const reviewer = cast.reviewers[i % cast.reviewers.length] as Actor;
  const core: [Command, Actor][] = [];
  let terminal: [Command, Actor] | null = null;
  if (target === 'closed') {
    core.push([{ type: 'submit', duoBlocks: [] }, cast.applicant]);
    terminal = [{ type: 'close', comment: 'Withdrawn' }, cast.applicant];
  } else if (target !== 'draft') {
    core.push([{ type: 'submit', duoBlocks: [] }, cast.applicant]);
    if (target === 'returned') {
      core.push([{ type: 'return', comment: 'Describe the safeguards' }, cast.handler]);
    } else if (target !== 'submitted') {
      core.push(
        [{ type: 'return', comment: 'Describe the safeguards' }, cast.handler],
        [{ type: 'submit', duoBlocks: [] }, cast.applicant],
        [{ type: 'mark-complete' }, cast.handler],
        [
          { type: 'invite-reviewer', reviewerId: reviewer.id ?? '', reviewerName: reviewer.name },
          cast.handler,
        ],
        [{ type: 'give-opinion', opinion: 'approve', comment: 'Proportionate' }, reviewer],
      );
      if (target === 'approved') {
        const from = new Date(Math.min(at + 30 * 86_400_000, now));
        terminal = [
          {
            type: 'approve',
            comment: 'Necessary and proportionate',
            permit: {
              permitId: uuid(next),
              validFrom: from.toISOString(),
              validUntil: new Date(from.getTime() + 365 * 86_400_000).toISOString(),
              algorithms: ['count', 'glm'],
            },
          },
          cast.decider,
        ];
      } else if (target === 'rejected') {
        terminal = [
          { type: 'reject', reason: 'Not necessary: the question is answered by public statistics' },
          cast.decider,
        ];
      }
    }
  }
  for (const [command, actor] of core) step(command, actor);
  const commenter = (app as Application | null)?.receivedAt === null ? cast.applicant : cast.handler;
  while (events.length < eventsPerApplication - (terminal === null ? 0 : 1)) {
    step({ type: 'comment', comment: 'A question about the cohort definition.' }, commenter);
  }
  if (terminal !== null) step(terminal[0], terminal[1]);
  return { id, events };
}

async function seed(hub: Hub): Promise<{ handlerCookie: string }> {
  const started = performance.now();
  const demo = await seedDemoAccounts(hub);
  const account = (role: string) => {
    const found = demo.find((a) => a.role === role);
    if (found === undefined) throw new Error(`Cannot seed: no demo ${role}`);
    return found;
  };
  const organisation = await hub.db.selectFrom('organisations').select('id').executeTakeFirstOrThrow();
  const reviewers: Actor[] = [
    { id: account('access_body_reviewer').userId, name: 'Ravi Reviewer', roles: ['access_body_reviewer'] },
  ];
  const researchers: Actor[] = [
    { id: account('researcher').userId, name: 'Rosa Researcher', roles: ['researcher'] },
  ];
  const next = random(7);
  const extraUsers: { id: string; role: 'researcher' | 'access_body_reviewer' }[] = [
    ...Array.from({ length: 199 }, () => ({ id: uuid(next), role: 'researcher' as const })),
    ...Array.from({ length: 9 }, () => ({ id: uuid(next), role: 'access_body_reviewer' as const })),
  ];
  await hub.db
    .insertInto('users')
    .values(
      extraUsers.map((u, n) => ({
        id: u.id,
        email: `bench-${n}@bench.polder.test`,
        name: `Bench user ${n}`,
        organisation_id: organisation.id,
        password_hash: 'not-a-password',
      })),
    )
    .execute();
  await hub.db
    .insertInto('user_roles')
    .values(extraUsers.map((u) => ({ user_id: u.id, role: u.role })))
    .execute();
  for (const u of extraUsers) {
    (u.role === 'researcher' ? researchers : reviewers).push({
      id: u.id,
      name: 'Bench user',
      roles: [u.role],
    });
  }
  const datasets: { id: string }[] = [];
  for (let i = 0; i < 50; i++) {
    const stationId = `00000000-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
    const { datasetId } = await upsertDatasetDescription(
      hub.db,
      stationId,
      { statistics },
      { stationName: `Station ${i}` },
    );
    await setStewardDescription(hub.db, datasetId, steward(i));
    datasets.push({ id: datasetId });
  }
  const handler: Actor = {
    id: account('access_body_handler').userId,
    name: 'Hanna Handler',
    roles: ['access_body_handler'],
  };
  const decider: Actor = {
    id: account('access_body_decider').userId,
    name: 'Dirk Decider',
    roles: ['access_body_decider'],
  };
  const now = hub.context.now().getTime();
  const histories = Array.from({ length: applications }, (_, i) =>
    history(
      i,
      { applicant: researchers[i % researchers.length] as Actor, handler, reviewers, decider },
      datasets,
      organisation.id,
      now,
    ),
  );
  const generated = performance.now();
  await insertApplicationHistories(hub.db, histories);
  // Approved applications get a permit row (unsigned placeholder: signing is not what is measured here).
  const permits = await hub.db
    .selectFrom('applications')
    .select(['id', 'permit_id', 'kind', 'decided_at'])
    .where('permit_id', 'is not', null)
    .execute();
  for (let i = 0; i < permits.length; i += 1000) {
    await hub.db
      .insertInto('permits')
      .values(
        permits.slice(i, i + 1000).map((p) => ({
          id: p.permit_id ?? '',
          application_id: p.id,
          kind: p.kind,
          token: 'bench-placeholder',
          document: '{}',
          status: 'active' as const,
          valid_from: p.decided_at ?? new Date(now),
          valid_until: new Date((p.decided_at ?? new Date(now)).getTime() + 365 * 86_400_000),
          revoked_at: null,
          created_at: p.decided_at ?? new Date(now),
        })),
      )
      .execute();
  }
  await sql`analyze`.execute(hub.db);
  const events = await hub.db
    .selectFrom('application_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  emit({
    figure: 'seed',
    applications,
    events: Number(events.n),
    generateSeconds: Math.round((generated - started) / 10) / 100,
    insertSeconds: Math.round((performance.now() - generated) / 10) / 100,
  });
  // Sign in as the handler: password, then the TOTP code.
  const handlerAccount = account('access_body_handler');
  const signIn = await hub.app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { email: handlerAccount.email, password: handlerAccount.password },
  });
  const pending = String(signIn.headers['set-cookie']).split(';')[0] ?? '';
  const totp = await hub.app.inject({
    method: 'POST',
    url: '/api/session/totp',
    headers: { cookie: pending },
    payload: { code: totpCode(handlerAccount.totpSecret ?? '', hub.context.now()) },
  });
  const cookie = String(totp.headers['set-cookie'] ?? pending).split(';')[0] ?? '';
  const check = await hub.app.inject({ method: 'GET', url: '/api/access/queue', headers: { cookie } });
  if (check.statusCode !== 200)
    throw new Error(`Cannot benchmark the queue: signing in failed (${check.statusCode} ${check.body})`);
  return { handlerCookie: cookie };
}

const loadWorker = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require('autocannon');
const times = [];
const instance = autocannon({
  url: workerData.url, connections: workerData.connections, duration: workerData.duration,
  requests: workerData.paths.map((path) => ({ method: 'GET', path, headers: workerData.headers })),
});
instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
instance.then((result) => parentPort.postMessage({ non2xx: result.non2xx, errors: result.errors + result.timeouts, times }));
`;

function runLoad(
  url: string,
  paths: string[],
  headers: Record<string, string>,
): Promise<{ non2xx: number; errors: number; times: number[] }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(loadWorker, {
      eval: true,
      workerData: { url, paths, connections, duration, headers },
    });
    worker.once('message', (message: { non2xx: number; errors: number; times: number[] }) => {
      void worker.terminate();
      resolve(message);
    });
    worker.once('error', reject);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const value = sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  return Math.round(value * 100) / 100;
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
    {
      logLevel: 'silent',
      port: 0,
      accessClockIntervalMs: 0,
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
    },
  );
  const db =
    databaseUrl === undefined ? openDatabase({}) : openDatabase({ databaseUrl }, { maxConnections: 10 });
  const hub = await createHub(config, {
    db,
    passwordHashing: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
  });
  try {
    const { handlerCookie } = await seed(hub);
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    const address = hub.app.server.address();
    if (address === null || typeof address === 'string')
      throw new Error('Cannot benchmark: the hub has no TCP address');
    const url = `http://127.0.0.1:${address.port}`;
    const handler = { cookie: handlerCookie };
    const scenarios: [string, string[], Record<string, string>][] = [
      ['queue', ['/api/access/queue'], handler],
      [
        'queue.filtered',
        [
          '/api/access/queue?state=submitted&dueKind=decision&overdue=false',
          '/api/access/queue?overdue=true',
        ],
        handler,
      ],
      ['register', ['/api/register'], {}],
      [
        'register.filtered',
        ['/api/register?state=approved', '/api/register?state=rejected&page=5', '/api/register?q=stroke'],
        {},
      ],
      ['register.deep', ['/api/register?page=150'], {}],
      // Every request a different page: no page is answered from memory, each runs its queries.
      [
        'register.uncached',
        Array.from(
          { length: 400 },
          (_, i) => `/api/register?page=${1 + (i % 20)}&pageSize=${20 + Math.floor(i / 20)}`,
        ),
        {},
      ],
    ];
    for (const [scenario, paths, headers] of scenarios) {
      // Sequential: the latency one user sees.
      for (let i = 0; i < 20; i++) await fetch(url + (paths[i % paths.length] ?? ''), { headers });
      const times: number[] = [];
      const started = performance.now();
      for (let i = 0; i < sequentialRequests; i++) {
        const t = performance.now();
        const response = await fetch(url + (paths[i % paths.length] ?? ''), { headers });
        await response.arrayBuffer();
        if (response.status !== 200)
          throw new Error(`Cannot benchmark ${scenario}: status ${response.status}`);
        times.push(performance.now() - t);
      }
      const seconds = (performance.now() - started) / 1000;
      times.sort((a, b) => a - b);
      emit({
        engine,
        scenario,
        mode: 'sequential',
        applications,
        requests: times.length,
        requestsPerSecond: Math.round(times.length / seconds),
        p50ms: percentile(times, 50),
        p95ms: percentile(times, 95),
        p99ms: percentile(times, 99),
      });
      // Concurrent: throughput under load (latency includes waiting behind the other connections).
      const load = await runLoad(url, paths, headers);
      load.times.sort((a, b) => a - b);
      emit({
        engine,
        scenario,
        mode: 'concurrent',
        connections,
        seconds: duration,
        requests: load.times.length,
        requestsPerSecond: Math.round(load.times.length / duration),
        p50ms: percentile(load.times, 50),
        p95ms: percentile(load.times, 95),
        p99ms: percentile(load.times, 99),
        non2xx: load.non2xx,
        errors: load.errors,
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
