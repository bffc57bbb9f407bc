import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHub, openDatabase, readHubConfig, seedDemoAccounts, type Hub } from '@polder/hub';
import type { PermitDocument } from '@polder/protocol';
import {
  enrolStation,
  listStationAudit,
  listTaskLog,
  openStationStore,
  startStationService,
  writeStationPolicy,
  type StationService,
  type StationStore,
} from '@polder/station';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAsAdmin } from './demo-federation.ts';
import { hubSigningKeyOf, insertPermit, userIdOf } from './_federation-fixtures.ts';
import { runPolder } from './_run-polder.ts';

/**
 * The station service in this process against a real hub (PGlite, real HTTP and WebSocket), and the
 * steward's commands (`polder station policy`, `polder station approvals`) as child processes beside it.
 */

let hub: Hub;
let hubUrl: string;
let dir: string;
let store: StationStore;
let service: StationService;
let researcherCookie: string;
let projectId: string;
let permit: PermitDocument;
const logLines: string[] = [];

beforeAll(async () => {
  hub = await createHub(readHubConfig({}, { logLevel: 'silent', port: 0 }), {
    db: openDatabase({}),
    passwordHashing: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
  });
  hubUrl = await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const accounts = await seedDemoAccounts(hub);
  const admin = accounts.find((account) => account.role === 'admin');
  const researcher = accounts.find((account) => account.role === 'researcher');
  if (admin === undefined || researcher === undefined) throw new Error('no demo admin or researcher');
  const created = await fetch(new URL('/api/stations', hubUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: await signInAsAdmin(hubUrl, admin) },
    body: JSON.stringify({ name: 'Service test station' }),
  });
  const { enrolmentToken } = (await created.json()) as { enrolmentToken: string };
  dir = await mkdtemp(join(tmpdir(), 'polder-station-service-'));
  store = await openStationStore(dir, { threads: 1 });
  const enrolment = await enrolStation(store, { hubUrl, token: enrolmentToken });
  await writeStationPolicy(store, {
    allowedAlgorithms: ['count'],
    manualApproval: ['count'],
    disclosure: {},
  });
  permit = await insertPermit(hub.db, {
    key: await hubSigningKeyOf(hub.db),
    applicantId: await userIdOf(hub.db, researcher.email),
    datasets: [{ datasetId: crypto.randomUUID(), stationId: enrolment.stationId }],
  });
  researcherCookie = await signInAsAdmin(hubUrl, researcher);
  projectId = (
    (await api('/api/projects', { title: 'Service test', permitId: permit.permitId })) as { id: string }
  ).id;
  const line = (level: string) => (message: string, fields?: Readonly<Record<string, unknown>>) =>
    logLines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  service = await startStationService(store, {
    log: { info: line('info'), warn: line('warn'), error: line('error') },
    decisionPollMs: 100,
  });
  await waitFor(() => service.connected, 'the station to connect');
}, 120_000);

afterAll(async () => {
  await service.stop();
  store.close();
  await hub.close();
  await rm(dir, { recursive: true, force: true });
});

async function api(path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(new URL(path, hubUrl), {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      cookie: researcherCookie,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until)
      throw new Error(`Timed out waiting for ${what}:\n${logLines.slice(-20).join('\n')}`);
    await sleep(50);
  }
}

interface RunView {
  status: string;
  result: unknown;
  error: { step: string; code: string; message: string } | null;
  stations: { status: string }[];
}

async function startCount(): Promise<string> {
  const run = (await api(`/api/projects/${projectId}/runs`, {
    algorithm: { name: 'count', version: '1.0.0' },
    parameters: {},
    cohort: { definition: { name: 'Everyone with a visit', entry: { visit: {} } } },
  })) as { id: string };
  return run.id;
}

const runView = async (runId: string) => (await api(`/api/projects/${projectId}/runs/${runId}`)) as RunView;

describe('polder station service with a steward', () => {
  it('policy set refuses thresholds looser than the platform, and show prints what set wrote', async () => {
    const other = await mkdtemp(join(tmpdir(), 'polder-policy-cli-'));
    try {
      await expect(
        runPolder('station', 'policy', 'set', '--station', other, '--min-count', '5'),
      ).rejects.toMatchObject({
        stderr: expect.stringMatching(/minCount 5 is below the platform floor of 8/),
      });
      await runPolder(
        'station',
        'policy',
        'set',
        '--station',
        other,
        '--allow',
        'count,glm',
        '--approval',
        'glm',
        '--min-count',
        '10',
      );
      const shown = await runPolder('station', 'policy', 'show', '--station', other);
      expect(JSON.parse(shown.stdout)).toEqual({
        allowedAlgorithms: ['count', 'glm'],
        manualApproval: ['glm'],
        disclosure: { minCount: 10 },
      });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  }, 60_000);

  it('a task waits for the steward; approved with `polder station approvals` while the service runs, it completes', async () => {
    const runId = await startCount();
    await waitFor(
      async () => (await runView(runId)).stations[0]?.status === 'pending-approval',
      'pending-approval',
    );
    const listed = await runPolder('station', 'approvals', 'list', '--station', dir);
    const pending = JSON.parse(listed.stdout) as { taskId: string; algorithm: string }[];
    expect(pending).toHaveLength(1);
    expect(pending[0]?.algorithm).toBe('count@1.0.0');
    const taskId = pending[0]?.taskId ?? '';
    const approved = await runPolder(
      'station',
      'approvals',
      'approve',
      taskId,
      '--station',
      dir,
      '--steward',
      'Sam',
    );
    expect(approved.stdout).toMatch(/handed to the running station service/);
    await waitFor(async () => (await runView(runId)).status !== 'running', 'the run to finish');
    expect(await runView(runId)).toMatchObject({ status: 'completed', result: { stations: 1 } });
    const entry = (await listTaskLog(store.connection)).find((e) => e.taskId === taskId);
    expect(entry).toMatchObject({ status: 'done', resultStatus: 'completed', decidedBy: 'Sam' });
    const audit = await listStationAudit(store, { limit: 100, event: 'task' });
    expect(audit.filter((row) => row.objectId === taskId).map((row) => row.event)).toEqual([
      'task.result',
      'task.approve',
      'task.pending-approval',
    ]);
  }, 60_000);

  it('a declined task is refused at the approval step, with the steward’s reason', async () => {
    const runId = await startCount();
    await waitFor(
      async () => (await runView(runId)).stations[0]?.status === 'pending-approval',
      'pending-approval',
    );
    const taskId = (await listTaskLog(store.connection, { statuses: ['pending-approval'] }))[0]?.taskId ?? '';
    await runPolder(
      'station',
      'approvals',
      'decline',
      taskId,
      '--station',
      dir,
      '--reason',
      'not in our remit',
    );
    await waitFor(async () => (await runView(runId)).status !== 'running', 'the run to finish');
    const view = await runView(runId);
    expect(view.status).toBe('failed');
    expect(view.error).toMatchObject({ step: 'approval', code: 'declined' });
    expect(view.error?.message).toContain('not in our remit');
  }, 60_000);

  it('a permit revoked at the hub reaches the connected station at once, and its next task is refused', async () => {
    const runId = await startCount();
    await waitFor(
      async () => (await runView(runId)).stations[0]?.status === 'pending-approval',
      'pending-approval',
    );
    const revokedAt = new Date();
    await hub.db
      .updateTable('permits')
      .set({ status: 'revoked', revoked_at: revokedAt })
      .where('id', '=', permit.permitId)
      .execute();
    hub.context.events.emit('permit-revoked', { permitId: permit.permitId, revokedAt });
    await waitFor(
      () => logLines.some((line) => /revocation list applied .*"revoked":1/.test(line)),
      'the push',
    );
    // The steward approves a task whose permit was revoked meanwhile: the station refuses it itself.
    const taskId = (await listTaskLog(store.connection, { statuses: ['pending-approval'] }))[0]?.taskId ?? '';
    await runPolder('station', 'approvals', 'approve', taskId, '--station', dir);
    await waitFor(
      async () => (await listTaskLog(store.connection)).find((e) => e.taskId === taskId)?.status === 'done',
      'the task to be done',
    );
    const entry = (await listTaskLog(store.connection)).find((e) => e.taskId === taskId);
    expect(entry?.signedResult?.payload.problem).toMatchObject({ step: 'permit', code: 'revoked' });
    expect(logLines.join('\n')).not.toMatch(/[A-Za-z0-9_-]{43}/); // no session token in the log
  }, 60_000);
});
