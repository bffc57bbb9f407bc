import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createHub,
  openDatabase,
  readHubConfig,
  seedDemoAccounts,
  type DemoAccount,
  type Hub,
} from '@polder/hub';
import { generateSigningKeyPair, type PermitDocument, type SigningKeyPair } from '@polder/protocol';
import {
  computeDatasetStatistics,
  enrolStation,
  listStationAudit,
  listTaskLog,
  openStationStore,
  publishDatasetDescription,
  recordPublishedDataset,
  verifyStationAuditLog,
  writeStationPolicy,
  type TaskLogEntry,
} from '@polder/station';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoStewardDescription, signInAsAdmin } from './demo-federation.ts';
import { hubSigningKeyOf, insertPermit, insertVisitingPersons, userIdOf } from './_federation-fixtures.ts';

/**
 * Fault tests with real processes: `polder hub` on PGlite and three `polder station run` children, each a
 * separate OS process with its own DuckDB file. Station A pauses 2.5 s in every computation
 * (POLDER_STATION_TASK_DELAY_MS), so that it can be killed in the middle of a task. Fixtures the hub's API
 * has no route for (permits, which the access procedure issues; a revocation) are written into the hub's
 * database while the hub process is stopped, as the access procedure would write them.
 */

const bin = new URL('../bin/polder.js', import.meta.url).pathname;
const taskDelayMs = 2500;
const cohort = { name: 'Everyone with a visit', entry: { visit: {}, first: true } };

interface Polder {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
  /** Resolves when the output (from `from` on) matches, with the match. */
  waitFor(pattern: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<RegExpExecArray>;
}

function startPolder(args: readonly string[], env: Readonly<Record<string, string>> = {}): Polder {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, POLDER_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => text,
    waitFor(pattern, options = {}) {
      const from = options.from ?? 0;
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text.slice(from));
          if (match === null) return;
          done();
          resolve(match);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`Timed out waiting for ${String(pattern)} in:\n${text.slice(-3000)}`));
        }, options.timeoutMs ?? 90_000);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

async function stopPolder(process: Polder | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (process === undefined || process.child.exitCode !== null || process.child.signalCode !== null) return;
  process.child.kill(signal);
  await process.exited;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

const started = Date.now();
function progress(what: string): void {
  if (process.env['POLDER_TEST_PROGRESS'] === '1')
    process.stderr.write(`${Date.now() - started} ms: ${what}\n`);
}

const stationNames = ['A', 'B', 'C'] as const;
type StationName = (typeof stationNames)[number];

let root: string;
let hubDir: string;
let hubUrl: string;
let port: number;
let hub: Polder | undefined;
const stations = new Map<StationName, Polder>();
const stationDirs = new Map<StationName, string>();
const stationIds = new Map<StationName, string>();
const datasetIds = new Map<StationName, string>();
let researcher: DemoAccount;
let researcherCookie: string;
const permits = new Map<string, PermitDocument>();
const projects = new Map<string, string>();
const runs = new Map<string, string>();

function hubEnv(): Record<string, string> {
  return { POLDER_HUB_DATA_DIR: hubDir };
}

async function startHub(): Promise<void> {
  hub = startPolder(['hub', '--port', String(port), '--data-dir', hubDir], hubEnv());
  await hub.waitFor(/hub listening/, { timeoutMs: 90_000 });
}

function startStation(name: StationName): Polder {
  const env: Record<string, string> =
    name === 'A' ? { POLDER_STATION_TASK_DELAY_MS: String(taskDelayMs) } : {};
  const station = startPolder(
    [
      'station',
      'run',
      '--station',
      stationDirs.get(name) ?? '',
      '--threads',
      '1',
      '--reconnect-max-ms',
      '2000',
    ],
    env,
  );
  stations.set(name, station);
  return station;
}

async function api(path: string, init: { method?: string; body?: unknown } = {}): Promise<unknown> {
  const response = await fetch(new URL(path, hubUrl), {
    method: init.method ?? 'GET',
    headers: {
      cookie: researcherCookie,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

async function startRun(permit: string, algorithm = 'count', parameters: unknown = {}): Promise<string> {
  const run = (await api(`/api/projects/${projects.get(permit)}/runs`, {
    method: 'POST',
    body: { algorithm: { name: algorithm, version: '1.0.0' }, parameters, cohort: { definition: cohort } },
  })) as { id: string };
  return run.id;
}

interface RunView {
  status: 'running' | 'completed' | 'failed';
  result: unknown;
  error: { stationId: string | null; step: string; code: string; message: string } | null;
  stations: { stationId: string; status: string; problem: { step: string; code: string } | null }[];
}

async function runView(permit: string, runId: string): Promise<RunView> {
  return (await api(`/api/projects/${projects.get(permit)}/runs/${runId}`)) as RunView;
}

async function waitForRun(permit: string, runId: string, timeoutMs = 90_000): Promise<RunView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const view = await runView(permit, runId).catch(() => undefined);
    if (view !== undefined && view.status !== 'running') return view;
    if (Date.now() > until) throw new Error(`run ${runId} still running: ${JSON.stringify(view)}`);
    await sleep(200);
  }
}

async function addPermit(
  db: Hub['db'],
  key: SigningKeyPair,
  name: string,
  datasets: PermitDocument['datasets'],
  changes: Partial<PermitDocument> = {},
): Promise<void> {
  const applicantId = await userIdOf(db, researcher.email);
  permits.set(name, await insertPermit(db, { key, applicantId, datasets, changes }));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'polder-faults-'));
  hubDir = join(root, 'hub');
  port = await freePort();
  hubUrl = `http://127.0.0.1:${port}`;
  for (const name of stationNames) {
    stationDirs.set(name, join(root, `station-${name}`));
    const store = await openStationStore(stationDirs.get(name) ?? '', {
      name: `Fault station ${name}`,
      threads: 1,
    });
    try {
      await insertVisitingPersons(store, 40);
    } finally {
      store.close();
    }
  }
  progress('stations filled');

  // Set-up, in this process on the hub's database: accounts, stations enrolled and published, permits, projects.
  await mkdir(hubDir, { recursive: true });
  const setup: Hub = await createHub(
    readHubConfig({ POLDER_LOG_LEVEL: 'silent', ...hubEnv() }, { port, host: '127.0.0.1' }),
    { passwordHashing: { memoryCost: 1024, timeCost: 1, parallelism: 1 } },
  );
  try {
    await setup.app.listen({ port, host: '127.0.0.1' });
    progress('set-up hub listening');
    const accounts = await seedDemoAccounts(setup);
    const admin = accounts.find((account) => account.role === 'admin');
    const found = accounts.find((account) => account.role === 'researcher');
    if (admin === undefined || found === undefined) throw new Error('no demo admin or researcher');
    researcher = found;
    const adminCookie = await signInAsAdmin(hubUrl, admin);
    for (const name of stationNames) {
      const created = await fetch(new URL('/api/stations', hubUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: adminCookie },
        body: JSON.stringify({ name: `Fault station ${name}` }),
      });
      const { enrolmentToken } = (await created.json()) as { enrolmentToken: string };
      const store = await openStationStore(stationDirs.get(name) ?? '', { threads: 1 });
      try {
        const enrolment = await enrolStation(store, { hubUrl, token: enrolmentToken });
        stationIds.set(name, enrolment.stationId);
        const statistics = await computeDatasetStatistics(store);
        const receipt = await publishDatasetDescription(store, {
          statistics,
          steward: demoStewardDescription('B'),
        });
        await recordPublishedDataset(store, receipt.datasetId);
        datasetIds.set(name, receipt.datasetId);
        if (name === 'C') {
          await writeStationPolicy(store, {
            allowedAlgorithms: ['count', 'kaplan-meier'],
            manualApproval: 'none',
            disclosure: {},
          });
        }
      } finally {
        store.close();
      }
    }
    progress('stations enrolled and published');
    const hubKey = await hubSigningKeyOf(setup.db);
    const dataset = (name: StationName) => ({
      datasetId: datasetIds.get(name) ?? '',
      stationId: stationIds.get(name) ?? '',
    });
    await addPermit(setup.db, hubKey, 'all', stationNames.map(dataset));
    await addPermit(setup.db, hubKey, 'other-dataset', [{ ...dataset('A'), datasetId: randomUUID() }]);
    await addPermit(setup.db, generateSigningKeyPair(), 'forged', [dataset('B')]);
    await addPermit(setup.db, hubKey, 'expiring', [dataset('C')], {
      validUntil: new Date(Date.now() + 6_000).toISOString(),
    });
    await addPermit(setup.db, hubKey, 'c-only', [dataset('C')]);
    await addPermit(setup.db, hubKey, 'to-revoke', [dataset('B')]);
    researcherCookie = await signInAsAdmin(hubUrl, researcher);
    for (const name of permits.keys()) {
      const project = (await api('/api/projects', {
        method: 'POST',
        body: { title: `Fault test: ${name}`, permitId: permits.get(name)?.permitId },
      })) as { id: string };
      projects.set(name, project.id);
    }
    // Offered while no station is connected; by the time the stations connect, the permit has expired.
    runs.set('expiring', await startRun('expiring'));
  } finally {
    await setup.close();
  }
  const expiresAt = Date.parse(permits.get('expiring')?.validUntil ?? '');
  await sleep(Math.max(0, expiresAt - Date.now() + 200));
  progress('set-up done');
  await startHub();
  progress('hub process listening');
  for (const name of stationNames) startStation(name);
  await Promise.all(
    stationNames.map((name) => stations.get(name)?.waitFor(/connected to the hub/, { timeoutMs: 90_000 })),
  );
  progress('stations connected');
}, 240_000);

afterAll(async () => {
  await Promise.all([...stations.values()].map((station) => stopPolder(station)));
  await stopPolder(hub);
  await rm(root, { recursive: true, force: true });
});

describe('federation faults (real hub and station processes)', () => {
  it('refuses a task under an expired permit, a forged permit, a permit for another dataset, and an algorithm the station does not allow', async () => {
    runs.set('other-dataset', await startRun('other-dataset'));
    runs.set('forged', await startRun('forged'));
    runs.set('glm', await startRun('c-only', 'glm', { family: 'gaussian', outcome: 'age', covariates: [] }));
    const expectations: [string, string, StationName, string, string][] = [
      ['expiring', 'expiring', 'C', 'permit', 'expired'],
      ['other-dataset', 'other-dataset', 'A', 'permit', 'dataset-not-covered'],
      ['forged', 'forged', 'B', 'permit', 'wrong-key'],
      ['c-only', 'glm', 'C', 'policy', 'algorithm-not-allowed'],
    ];
    for (const [permit, run, station, step, code] of expectations) {
      const view = await waitForRun(permit, runs.get(run) ?? '');
      expect(view.status, run).toBe('failed');
      expect(view.error, run).toMatchObject({ stationId: stationIds.get(station), step, code });
      expect(view.stations.find((s) => s.stationId === stationIds.get(station))).toMatchObject({
        status: 'refused',
        problem: { step, code },
      });
    }
  }, 120_000);

  it('kill -9 of a station in the middle of a task: restarted, it completes the task exactly once', async () => {
    const a = stations.get('A');
    if (a === undefined) throw new Error('no station A');
    const from = a.output().length;
    const runId = await startRun('all');
    runs.set('killed', runId);
    await a.waitFor(/task received/, { from });
    await sleep(taskDelayMs / 2); // inside the computation's pause: the task log says 'running'
    await stopPolder(a, 'SIGKILL');
    expect((await runView('all', runId)).status).toBe('running');
    const restarted = startStation('A');
    await restarted.waitFor(/task interrupted before, running it again/, { timeoutMs: 90_000 });
    const view = await waitForRun('all', runId);
    expect(view.status).toBe('completed');
    expect(view.result).toMatchObject({ stations: 3 });
  }, 120_000);

  it('a hub restart in the middle of a run, and a station that was away: the run completes, a permit revoked meanwhile is refused', async () => {
    await stopPolder(stations.get('B'));
    const a = stations.get('A');
    const from = a?.output().length ?? 0;
    const runId = await startRun('all');
    runs.set('hub-restart', runId);
    runs.set('to-revoke', await startRun('to-revoke'));
    await a?.waitFor(/task received/, { from });
    await stopPolder(hub);
    // B comes back while the hub is down: it keeps trying (backoff) and connects once the hub is back.
    startStation('B');
    // While the hub is down, the access procedure revokes a permit (as its revoke command writes it).
    const db = openDatabase({ pgliteDataDir: hubDir });
    try {
      await db
        .updateTable('permits')
        .set({ status: 'revoked', revoked_at: new Date() })
        .where('id', '=', permits.get('to-revoke')?.permitId ?? '')
        .execute();
    } finally {
      await db.destroy();
    }
    await startHub();
    const view = await waitForRun('all', runId);
    expect(view.status).toBe('completed');
    expect(view.result).toMatchObject({ stations: 3 });
    // A and C lost their link with the hub and make it again. Their results go over REST, which retries on
    // its own, so the run may complete before a station's backoff lets its socket reconnect: wait for it.
    for (const name of ['A', 'C'] as const) {
      const station = stations.get(name);
      const closed = station?.output().search(/the station link closed; reconnecting/) ?? -1;
      expect(closed).toBeGreaterThanOrEqual(0);
      await station?.waitFor(/connected to the hub/, { from: closed, timeoutMs: 60_000 });
    }
    const revoked = await waitForRun('to-revoke', runs.get('to-revoke') ?? '');
    expect(revoked.error).toMatchObject({ stationId: stationIds.get('B'), step: 'permit', code: 'revoked' });
  }, 120_000);

  it('every task has exactly one result at the hub and one entry in its station task log; both audit logs hold the refusals', async () => {
    await Promise.all([...stations.values()].map((station) => stopPolder(station)));
    await stopPolder(hub);
    const db = openDatabase({ pgliteDataDir: hubDir });
    let hubTasks: { id: string; station_id: string; status: string; run_id: string }[];
    let audited: { object_id: string | null; event: string }[];
    try {
      hubTasks = await db.selectFrom('tasks').select(['id', 'station_id', 'status', 'run_id']).execute();
      audited = await db
        .selectFrom('audit_log')
        .select(['object_id', 'event'])
        .where('event', 'like', 'federation.task_%')
        .execute();
    } finally {
      await db.destroy();
    }
    expect(hubTasks.every((task) => task.status !== 'pending')).toBe(true);
    for (const task of hubTasks) {
      expect(
        audited.filter((row) => row.object_id === task.id),
        task.id,
      ).toHaveLength(1);
    }
    expect(audited.filter((row) => row.event === 'federation.task_refused')).toHaveLength(5);

    const logs = new Map<StationName, TaskLogEntry[]>();
    for (const name of stationNames) {
      const store = await openStationStore(stationDirs.get(name) ?? '', { threads: 1 });
      try {
        const log = await listTaskLog(store.connection);
        logs.set(name, log);
        const mine = hubTasks.filter((task) => task.station_id === stationIds.get(name));
        expect(log.map((entry) => entry.taskId).sort()).toEqual(mine.map((task) => task.id).sort());
        for (const entry of log) {
          expect(entry).toMatchObject({ status: 'done' });
          expect(entry.postedAt, entry.taskId).not.toBeNull();
          expect(mine.find((task) => task.id === entry.taskId)?.status).toBe(entry.resultStatus);
        }
        expect(await verifyStationAuditLog(store)).toMatchObject({ ok: true });
        const results = await listStationAudit(store, { limit: 1000, event: 'task.result' });
        const refusedHere = log.filter((entry) => entry.resultStatus === 'refused').map((e) => e.taskId);
        expect(
          results
            .filter((row) => row.outcome === 'refused')
            .map((row) => row.objectId)
            .sort(),
        ).toEqual(refusedHere.sort());
      } finally {
        store.close();
      }
    }
    const killed = hubTasks.find(
      (task) => task.run_id === runs.get('killed') && task.station_id === stationIds.get('A'),
    );
    expect(logs.get('A')?.find((entry) => entry.taskId === killed?.id)?.attempts).toBe(2);
    await writeFile(join(root, 'done'), '');
  }, 120_000);
});
