/**
 * End-to-end benchmark of the federation: a hub process and three station processes (`polder hub`,
 * `polder station run`), each station holding an OMOP database of --persons persons; each figure runs from the
 * researcher's API call (`POST /api/projects/:id/runs`) to the stored result (the run's progress stream ends).
 * Prints one JSON line per figure (p50, p95, min, max over --runs runs after one warm-up run).
 *
 *   npx tsx scripts/bench-federation.ts [--persons 100000] [--runs 20] [--keep] [--out DIR]
 *
 * The hub keeps its database in PGlite under bench-out/ unless DATABASE_URL names a (fresh) PostgreSQL one.
 *
 * The station data: synthetic hospital B (FHIR Bulk NDJSON) ingested once into a station, then its persons
 * copied with fresh ids (every clinical table, in SQL) up to --persons, then the DuckDB file copied to the
 * other two stations (each enrols with its own key). With --keep, stations prepared by an earlier run at the
 * same size are reused. The cohort: every person's first visit; variables age, sex, the eight most frequent
 * conditions before the index date, any later visit within a year (the GLM's outcome) and days to the next
 * visit (Kaplan–Meier). Targets (issue 5): stratified count p50 < 100 ms, binomial GLM with 10 covariates
 * < 3 s, Kaplan–Meier < 1 s.
 *
 * Where the time goes: the processes run with POLDER_TRACE_HOPS=1 and print a timestamp at each hop of a task
 * (hub offer, station receipt, task log, computation, result stored and audited, post, hub storing it and
 * advancing the round, progress sent); each figure carries `phasesP50Ms`, the median of each phase over the
 * measured runs, among them `overheadPerRoundMs`, a round's time less its slowest station's computation. With a
 * small --persons the computation is negligible and what is left is the hub's and the transport's share.
 */
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createHub, readHubConfig, seedDemoAccounts, totpCode, type DemoAccount } from '@polder/hub';
import { importPrivateKey, signPermit, type PermitDocument } from '@polder/protocol';
import { enrolStation, openStationStore } from '@polder/station';
import { generateHospital } from '@polder/synth';
import { scaleToPersons } from './_scale-station.ts';

const { values: options } = parseArgs({
  options: {
    persons: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const persons = Number(options.persons);
const runs = Number(options.runs);
const root = new URL('..', import.meta.url).pathname;
const out = options.out ?? join(root, 'bench-out', 'federation');
const bin = join(root, 'packages/cli/bin/polder.js');
const stationNames = ['A', 'B', 'C'] as const;
const emit = (figure: Record<string, unknown>): void =>
  console.log(JSON.stringify({ at: new Date().toISOString(), ...figure }));
const note = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

// ---------------------------------------------------------------------------------------------------------
// Station data

const seedDir = join(out, `station-seed-${persons}`);
if (!options.keep || !existsSync(join(seedDir, 'station.duckdb'))) {
  rmSync(out, { recursive: true, force: true });
  const exportDir = join(out, 'export');
  const patients = Math.min(persons, 5000);
  note(`synth: hospital B, ${patients} patients`);
  await generateHospital({ hospital: 'B', patients, outDir: exportDir, seed: 42 });
  note('ingest');
  execFileSync(process.execPath, [bin, 'ingest', '--station', seedDir, exportDir], { stdio: 'inherit' });
  const store = await openStationStore(seedDir);
  try {
    note(`scale to ${persons} persons`);
    const reached = await scaleToPersons(store.connection, persons);
    note(`${reached} persons`);
  } finally {
    store.close();
  }
}
const stationDirs = new Map(stationNames.map((name) => [name, join(out, `station-${name}`)]));
for (const dir of stationDirs.values()) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(seedDir, 'station.duckdb'), join(dir, 'station.duckdb'));
}
const topConditions = await (async () => {
  const store = await openStationStore(stationDirs.get('A') ?? '');
  try {
    const reader = await store.connection.runAndReadAll(
      `SELECT condition_concept_id FROM cdm.condition_occurrence WHERE condition_concept_id <> 0
       GROUP BY 1 ORDER BY count(DISTINCT person_id) DESC LIMIT 8`,
    );
    return reader.getRows().map((row) => Number(row[0]));
  } finally {
    store.close();
  }
})();

const conditionVariables = Object.fromEntries(
  topConditions.map((concept, index) => [
    `condition_${index + 1}`,
    { condition: { concept }, value: 'exists', window: { fromDays: -36_500, toDays: 0 } },
  ]),
);
/** The cohort each analysis runs on: every person's first visit, with only the variables it needs. */
const cohortWith = (variables: Record<string, unknown>) => ({
  name: 'Everyone at their first visit',
  entry: { visit: {}, first: true },
  variables,
});
const age = { age: 'index' };
const sex = { sex: 'label' };
const analyses = [
  {
    figure: 'federation.count.stratified',
    target: 'p50 < 100 ms',
    algorithm: 'count',
    cohort: cohortWith({ age, sex }),
    parameters: { strata: [{ variable: 'sex' }, { variable: 'age', breaks: [18, 40, 65, 80] }] },
  },
  {
    figure: 'federation.glm.binomial10',
    target: '< 3 s',
    algorithm: 'glm',
    cohort: cohortWith({
      age,
      sex,
      ...conditionVariables,
      revisit: { visit: {}, value: 'exists', window: { fromDays: 1, toDays: 365 } },
    }),
    parameters: {
      family: 'binomial',
      outcome: 'revisit',
      covariates: [
        { variable: 'age' },
        { variable: 'sex', type: 'categorical' },
        ...Object.keys(conditionVariables).map((variable) => ({ variable })),
      ],
    },
  },
  {
    figure: 'federation.kaplanMeier',
    target: '< 1 s',
    algorithm: 'kaplan-meier',
    cohort: cohortWith({
      sex,
      next_visit: { visit: {}, value: 'daysToEvent', window: { fromDays: 1 }, censorAtDays: 365 },
    }),
    parameters: { time: 'next_visit', group: { variable: 'sex' } },
  },
];

// ---------------------------------------------------------------------------------------------------------
// Hub and stations

const hubDir = join(out, 'hub');
rmSync(hubDir, { recursive: true, force: true });
mkdirSync(hubDir, { recursive: true });
const port = await freePort();
const hubUrl = `http://127.0.0.1:${port}`;
const hubEnv = { POLDER_HUB_DATA_DIR: hubDir, POLDER_LOG_LEVEL: 'warn' };
// The hub and stations print a timestamped line per hop of a task (ids and times only); see phasesOf.
const childEnv = { ...hubEnv, POLDER_TRACE_HOPS: '1' };
const hops: Hop[] = [];
let researcherCookie = '';
let projectId = '';
{
  note('set up the hub: accounts, stations enrolled and published, a permit, a project');
  const setup = await createHub(
    readHubConfig({ ...process.env, ...hubEnv, POLDER_LOG_LEVEL: 'silent' }, { port }),
    {
      passwordHashing: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
    },
  );
  try {
    await setup.app.listen({ port, host: '127.0.0.1' });
    const accounts = await seedDemoAccounts(setup);
    const admin = accounts.find((account) => account.role === 'admin');
    const researcher = accounts.find((account) => account.role === 'researcher');
    if (admin === undefined || researcher === undefined) throw new Error('no demo admin or researcher');
    const adminCookie = await signIn(admin);
    const datasets: PermitDocument['datasets'] = [];
    for (const [name, dir] of stationDirs) {
      const created = await fetch(`${hubUrl}/api/stations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: adminCookie },
        body: JSON.stringify({ name: `Bench station ${name}` }),
      });
      const { enrolmentToken } = (await created.json()) as { enrolmentToken: string };
      const store = await openStationStore(dir);
      try {
        const enrolment = await enrolStation(store, { hubUrl, token: enrolmentToken });
        // Not published: computing the catalogue statistics of 100,000 persons takes minutes and is not what is
        // measured; a station with no published dataset checks the permit by its station id.
        datasets.push({ datasetId: crypto.randomUUID(), stationId: enrolment.stationId });
      } finally {
        store.close();
      }
    }
    const keyRow = await setup.db
      .selectFrom('hub_signing_keys')
      .select('private_key')
      .executeTakeFirstOrThrow();
    const researcherId = researcher.userId;
    const now = Date.now();
    const permit: PermitDocument = {
      type: 'polder.permit.v1',
      permitId: crypto.randomUUID(),
      applicationId: crypto.randomUUID(),
      kind: 'permit',
      purpose: 'd',
      holder: { organisationId: crypto.randomUUID(), organisationName: 'Benchmark' },
      namedUsers: [researcherId],
      datasets,
      algorithms: ['count', 'glm', 'kaplan-meier'],
      disclosure: {},
      issuedAt: new Date(now - 60_000).toISOString(),
      validFrom: new Date(now - 60_000).toISOString(),
      validUntil: new Date(now + 24 * 3_600_000).toISOString(),
    };
    // What the access procedure writes when it grants a permit.
    const token = await signPermit(permit, importPrivateKey(keyRow.private_key));
    const at = new Date();
    await sql`insert into applications (id, kind, title, applicant_id, applicant_name, organisation_id,
        organisation_name, state, form, version, created_at, updated_at)
      values (${permit.applicationId}, 'permit', 'Benchmark', ${researcherId}, 'Researcher',
        ${permit.holder.organisationId}, 'Benchmark', 'approved', '{}', 1, ${at}, ${at})`.execute(setup.db);
    await sql`insert into permits (id, application_id, kind, token, document, status, valid_from, valid_until,
        revoked_at, created_at)
      values (${permit.permitId}, ${permit.applicationId}, 'permit', ${token}, ${JSON.stringify(permit)}, 'active',
        ${new Date(permit.validFrom)}, ${new Date(permit.validUntil)}, ${null}, ${at})`.execute(setup.db);
    researcherCookie = await signIn(researcher);
    projectId = (
      (await api('POST', '/api/projects', { title: 'Benchmark', permitId: permit.permitId })) as {
        id: string;
      }
    ).id;
  } finally {
    await setup.close();
  }
}

const children: ChildProcess[] = [];
const stopAll = () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
};
process.on('exit', stopAll);
try {
  await startPolder(['hub', '--port', String(port), '--data-dir', hubDir], /hub listening/);
  await Promise.all(
    [...stationDirs.values()].map((dir) =>
      startPolder(['station', 'run', '--station', dir, '--threads', '1'], /connected to the hub/),
    ),
  );
  note(`hub and stations running; ${runs} runs per analysis`);
  for (const analysis of analyses) {
    const times: number[] = [];
    const stationTimes: number[] = [];
    const phases: RunPhases[] = [];
    let rounds = 0;
    let failure: unknown;
    for (let index = 0; index <= runs; index += 1) {
      const started = performance.now();
      const outcome = await runOnce(analysis.algorithm, analysis.parameters, analysis.cohort);
      const ms = performance.now() - started;
      if (outcome.status !== 'completed') {
        failure = outcome.error;
        break;
      }
      rounds = outcome.round + 1;
      if (index > 0) {
        times.push(ms);
        stationTimes.push(Math.max(...outcome.stations.map((station) => station.durationMs ?? 0)));
        // The last lines of the stations may still be in their pipes.
        await new Promise((resolve) => setTimeout(resolve, 20));
        phases.push(phasesOf(outcome.id, outcome.posted));
      }
    }
    if (failure !== undefined) {
      emit({ bench: analysis.figure, persons: persons * 3, stations: 3, failed: failure });
      continue;
    }
    times.sort((a, b) => a - b);
    stationTimes.sort((a, b) => a - b);
    const at = (q: number) =>
      Number((times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(1));
    emit({
      bench: analysis.figure,
      target: analysis.target,
      persons: persons * 3,
      stations: 3,
      rounds,
      runs: times.length,
      p50Ms: at(0.5),
      p95Ms: at(0.95),
      minMs: Number((times[0] ?? 0).toFixed(1)),
      maxMs: Number((times.at(-1) ?? 0).toFixed(1)),
      // The slowest station's own time for the last round (cohort and station half), p50 over the runs.
      lastRoundStationP50Ms: stationTimes[Math.floor(stationTimes.length / 2)] ?? null,
      ...summarisePhases(phases),
    });
  }
} finally {
  stopAll();
  // Let them shut down cleanly (the hub checkpoints its database, a station its DuckDB file).
  await Promise.all(
    children.map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((resolve) => {
            child.once('exit', resolve);
            setTimeout(resolve, 15_000).unref();
          }),
    ),
  );
  writeFileSync(join(out, 'last-run.txt'), new Date().toISOString());
}
process.exit(0);

// ---------------------------------------------------------------------------------------------------------

/** The end of a run as its progress stream reports it. */
interface RunOutcome {
  readonly id: string;
  readonly status: string;
  readonly round: number;
  readonly error: unknown;
  readonly stations: readonly { readonly durationMs: number | null }[];
  /** When the POST was sent, answered, and the stream ended (epoch ms). */
  readonly posted: { readonly sent: number; readonly answered: number; readonly ended: number };
}

/** One run from the API call to the stored result: POST the run, then follow its event stream to the end. */
async function runOnce(algorithm: string, parameters: unknown, cohort: unknown): Promise<RunOutcome> {
  const sent = epochNow();
  const { id } = (await api('POST', `/api/projects/${projectId}/runs`, {
    algorithm: { name: algorithm, version: '1.0.0' },
    parameters,
    cohort: { definition: cohort },
  })) as { id: string };
  const response = await fetch(`${hubUrl}/api/projects/${projectId}/runs/${id}/events`, {
    headers: { cookie: researcherCookie },
  });
  const answered = epochNow();
  const text = await response.text();
  const ended = epochNow();
  const last =
    text
      .split('\n\n')
      .filter((block) => block.startsWith('event: run'))
      .at(-1) ?? '';
  const run = JSON.parse(last.slice(last.indexOf('data: ') + 6)) as Omit<RunOutcome, 'posted'>;
  return { ...run, posted: { sent, answered, ended } };
}

// ---------------------------------------------------------------------------------------------------------
// Where a round's time goes

/** A hop a process printed: `polder-hop {"hop":…,"at":epoch ms,…ids}`. */
interface Hop {
  readonly hop: string;
  readonly at: number;
  readonly taskId?: string;
  readonly runId?: string;
  readonly round?: number;
  readonly url?: string;
  readonly status?: string;
}

/** Per phase, milliseconds: per task (each station's task of each round) or per run. */
type RunPhases = Record<string, number[]>;

function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

function collectHops(child: ChildProcess): void {
  let rest = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const at = line.indexOf('polder-hop ');
      if (at >= 0) hops.push(JSON.parse(line.slice(at + 11)) as Hop);
    }
  });
}

/**
 * The phases of one run from the hops: per task, from the hub's offer to the station's receipt, through its
 * task log, its computation (runTask), storing and auditing the result, to the hub storing it; per round, from
 * the last result stored to the round advanced; per run, from the POST to the first offer and from the run
 * done to the client's stream end. `overheadPerRoundMs` is a round's time (offer to advanced) less its slowest
 * station's computation.
 */
function phasesOf(runId: string, posted: RunOutcome['posted']): RunPhases {
  const phases: RunPhases = {};
  const add = (name: string, from: number | undefined, to: number | undefined) => {
    if (from === undefined || to === undefined) return;
    (phases[name] ??= []).push(to - from);
  };
  const offers = hops.filter((hop) => hop.hop === 'hub.offer' && hop.runId === runId);
  const first = (name: string, taskId: string) =>
    hops.find((hop) => hop.hop === name && hop.taskId === taskId)?.at;
  const firstUrl = (taskId: string) =>
    hops.find((hop) => hop.hop === 'hub.station-request' && hop.url?.includes(taskId) === true)?.at;
  const advanced = hops.filter((hop) => hop.hop === 'hub.advanced' && hop.runId === runId).map((h) => h.at);
  const roundsSeen = [...new Set(offers.map((offer) => offer.round ?? 0))].sort((a, b) => a - b);
  for (const round of roundsSeen) {
    const tasks = offers.filter((offer) => offer.round === round);
    const offeredAt = Math.min(...tasks.map((task) => task.at));
    let slowestCompute = 0;
    let lastStored = 0;
    for (const offer of tasks) {
      const id = offer.taskId ?? '';
      const frame = first('station.frame', id) ?? first('station.offer-in-rest', id);
      add('offerToStationMs', offer.at, frame);
      add('verifyOfferMs', frame, first('station.offer-in-socket', id) ?? first('station.offer-in-rest', id));
      add('queueAtStationMs', first('station.offer-in-socket', id), first('station.start', id));
      add('taskLogReceiveMs', first('station.start', id), first('station.logged', id));
      add('checksMs', first('station.logged', id), first('station.checked', id));
      add('computeMs', first('station.checked', id), first('station.computed', id));
      const logged = first('station.logged', id);
      const computed = first('station.computed', id);
      add('runTaskMs', logged, computed);
      if (logged !== undefined && computed !== undefined)
        slowestCompute = Math.max(slowestCompute, computed - logged);
      add('storeAndAuditResultMs', computed, first('station.stored', id));
      add('storedToPostMs', first('station.stored', id), first('station.post', id));
      add('postToHubMs', first('station.post', id), firstUrl(id));
      add('hubAuthAndParseMs', firstUrl(id), first('hub.result-in', id));
      add('hubStoreResultMs', first('hub.result-in', id), first('hub.result-stored', id));
      add('hubAnswerPostMs', first('hub.result-stored', id), first('station.posted', id));
      lastStored = Math.max(lastStored, first('hub.result-stored', id) ?? 0);
    }
    const roundAdvanced = advanced.find((at) => at >= lastStored);
    add('lastResultToAdvancedMs', lastStored, roundAdvanced);
    add('roundMs', offeredAt, roundAdvanced);
    if (roundAdvanced !== undefined)
      (phases['overheadPerRoundMs'] ??= []).push(roundAdvanced - offeredAt - slowestCompute);
  }
  add('postToFirstOfferMs', posted.sent, offers[0]?.at);
  add('postAnsweredMs', posted.sent, posted.answered);
  const done = hops.find(
    (hop) => hop.hop === 'hub.progress-sent' && hop.runId === runId && hop.status !== 'running',
  )?.at;
  add('advancedToProgressSentMs', advanced.at(-1), done);
  add('progressSentToClientEndMs', done, posted.ended);
  return phases;
}

/** Each phase's median over the runs (its values pooled: per task, per round or per run). */
function summarisePhases(runs: readonly RunPhases[]): Record<string, unknown> {
  const pooled = new Map<string, number[]>();
  for (const run of runs)
    for (const [name, values] of Object.entries(run))
      pooled.set(name, [...(pooled.get(name) ?? []), ...values]);
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return Number((sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(1));
  };
  return { phasesP50Ms: Object.fromEntries([...pooled].map(([name, values]) => [name, median(values)])) };
}

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${hubUrl}${path}`, {
    method,
    headers: {
      cookie: researcherCookie,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** A session on the hub over its API: the password, then the TOTP code where the role needs one. */
async function signIn(account: DemoAccount): Promise<string> {
  const cookieOf = (response: Response) =>
    response.headers
      .getSetCookie()
      .map((cookie) => cookie.split(';')[0])
      .join('; ');
  const first = await fetch(`${hubUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: account.email, password: account.password }),
  });
  if (!first.ok) throw new Error(`Cannot sign in as ${account.email}: ${first.status} ${await first.text()}`);
  const cookie = cookieOf(first);
  if (account.totpSecret === undefined) return cookie;
  const second = await fetch(`${hubUrl}/api/session/totp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ code: totpCode(account.totpSecret, Date.now()) }),
  });
  if (!second.ok) throw new Error(`Cannot complete ${account.email}'s second factor: ${second.status}`);
  return cookieOf(second) || cookie;
}

/** Starts `polder …` and resolves when its output matches `ready`. */
async function startPolder(args: string[], ready: RegExp): Promise<void> {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...childEnv },
    stdio: 'pipe',
  });
  children.push(child);
  collectHops(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`polder ${args[0]} did not start:\n${output.slice(-2000)}`)),
      120_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`polder ${args[0]} exited (${code}):\n${output.slice(-2000)}`)),
    );
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}
