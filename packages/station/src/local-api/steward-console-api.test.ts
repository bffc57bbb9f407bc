import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDataQuality, writeDataQualityReport } from '@polder/etl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listStationAudit,
  openStationStore,
  readStationPolicy,
  startStationLocalApi,
  type StationLocalApi,
  type StationStore,
} from '../index.ts';
import { createTaskLogTable, recordReceivedTask, setTaskStatus } from '../service/task-log.ts';
import { insertTestPersons, testFederation, testOffer, testPermit } from '../service/_test-federation.ts';

/*
 * The steward's console API on a real DuckDB station: overview, data quality, the approval queue (tasks
 * put there as the station service does: received, then pending-approval), the policy, the audit log's
 * pages and verification, and the console's files.
 */

let root: string;
let store: StationStore;
let api: StationLocalApi;
let consoleDir: string;
const token = 'steward-token-for-the-console-api-tests-0123456789';
const { hubKey, identity, datasetId } = testFederation();
const taskIds: string[] = [];

async function queueTask(): Promise<string> {
  const offer = await testOffer(hubKey, identity.stationId, testPermit(identity.stationId, datasetId), {
    parameters: { strata: ['sex'] },
  });
  await recordReceivedTask(store.connection, offer, new Date().toISOString());
  await setTaskStatus(store.connection, offer.payload.taskId, 'pending-approval');
  return offer.payload.taskId;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'polder-steward-api-'));
  store = await openStationStore(join(root, 'station'), { threads: 1, name: 'Console Test Hospital' });
  await insertTestPersons(store, 40);
  await createTaskLogTable(store.connection);
  taskIds.push(await queueTask(), await queueTask());
  consoleDir = join(root, 'dist');
  await mkdir(join(consoleDir, 'assets'), { recursive: true });
  await writeFile(join(consoleDir, 'station.html'), '<!doctype html><title>console</title>');
  await writeFile(join(consoleDir, 'assets', 'station-abc.js'), 'console.log(1)');
  await writeFile(join(root, 'secret.js'), 'secret');
  api = await startStationLocalApi(store, { port: 0, stewardToken: token, consoleDir });
}, 60_000);
afterAll(async () => {
  await api?.close();
  store?.close();
  await rm(root, { recursive: true, force: true });
});

function call(path: string, init: { method?: string; body?: unknown; steward?: string } = {}) {
  return fetch(`${api.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.steward === undefined ? {} : { 'x-polder-steward': encodeURIComponent(init.steward) }),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

async function json<T>(response: Response | Promise<Response>, status = 200): Promise<T> {
  const answered = await response;
  const body = (await answered.json()) as T;
  expect(answered.status, JSON.stringify(body)).toBe(status);
  return body;
}

describe("the steward's console API", () => {
  it('gives an overview of the station and audits the read under the steward the console names', async () => {
    const overview = await json<{
      name: string;
      rows: Record<string, number>;
      pendingApprovals: number;
      enrolment: unknown;
      dataQualityScore: unknown;
    }>(call('/api/overview', { steward: 'Sanne de Vries' }));
    expect(overview).toMatchObject({
      name: 'Console Test Hospital',
      rows: { person: 40, condition_occurrence: 40 },
      pendingApprovals: 2,
      enrolment: null,
      dataQualityScore: null,
    });
    const [latest] = await listStationAudit(store, { limit: 1 });
    expect(latest).toMatchObject({ event: 'station.overview.read', actorName: 'Sanne de Vries' });
    expect((await fetch(`${api.url}/api/overview`)).status).toBe(401);
  });

  it('shows each waiting task with its project, requester, algorithm, parameters, cohort and permit', async () => {
    const { approvals } = await json<{ approvals: Record<string, unknown>[] }>(call('/api/approvals'));
    expect(approvals.map((a) => a['taskId'])).toEqual(taskIds);
    expect(approvals[0]).toMatchObject({
      algorithm: 'count@1.0.0',
      requestedBy: expect.stringMatching(/^Dr\. Test \(/),
      cohortName: 'Persons with type 2 diabetes',
      cohort: { entry: { condition: { concept: 201826 } } },
      parameters: { strata: ['sex'] },
      permit: { purpose: 'c', holder: 'University of Testing' },
    });
  });

  it('approves a task once, refuses a second decision, an unknown task and a decline without reason', async () => {
    const [first = '', second = ''] = taskIds;
    expect(await json(call(`/api/approvals/${first}/approve`, { body: {}, steward: 'Sam' }))).toEqual({
      taskId: first,
      decision: 'approved',
    });
    const again = await json<{ error: { message: string } }>(
      call(`/api/approvals/${first}/decline`, { body: { reason: 'no' } }),
      409,
    );
    expect(again.error.message).toMatch(/not waiting for approval \(it is approved\)/);
    await json(call(`/api/approvals/${crypto.randomUUID()}/approve`, { body: {} }), 404);
    await json(call('/api/approvals/not-a-task/approve', { body: {} }), 400);
    const unexplained = await json<{ error: { message: string } }>(
      call(`/api/approvals/${second}/decline`, { body: { reason: '  ' } }),
      400,
    );
    expect(unexplained.error.message).toMatch(/give a reason/);
    await json(call(`/api/approvals/${second}/decline`, { body: { reason: 'outside our remit' } }));
    const { approvals } = await json<{ approvals: unknown[] }>(call('/api/approvals'));
    expect(approvals).toEqual([]);
    const audit = await listStationAudit(store, { limit: 50, event: 'task' });
    expect(audit.find((row) => row.event === 'task.approve' && row.objectId === first)).toMatchObject({
      outcome: 'success',
      actorName: 'Sam',
    });
    expect(audit.find((row) => row.event === 'task.decline' && row.objectId === second)?.details).toContain(
      'outside our remit',
    );
  });

  it('shows the policy with the platform floors, refuses a looser one and writes a stricter one', async () => {
    const shown = await json<{ source: string; effective: { minCount: number }; algorithms: unknown[] }>(
      call('/api/policy'),
    );
    expect(shown).toMatchObject({ source: 'default', effective: { minCount: 8 } });
    expect(shown.algorithms).toContainEqual(expect.objectContaining({ name: 'kaplan-meier' }));
    const policy = { allowedAlgorithms: ['count'], manualApproval: 'all', disclosure: { minCount: 11 } };
    const looser = await json<{ error: { message: string } }>(
      call('/api/policy', { method: 'PUT', body: { policy: { ...policy, disclosure: { minCount: 5 } } } }),
      400,
    );
    expect(looser.error.message).toMatch(/minCount 5 is below the platform floor of 8/);
    await json(
      call('/api/policy', { method: 'PUT', body: { policy: { ...policy, manualApproval: 'x' } } }),
      400,
    );
    expect(await readStationPolicy(store)).toMatchObject({ manualApproval: 'none' });
    const written = await json<{ source: string; policy: unknown; effective: { minCount: number } }>(
      call('/api/policy', { method: 'PUT', body: { policy }, steward: 'Sam' }),
    );
    expect(written).toMatchObject({ source: 'file', policy, effective: { minCount: 11 } });
    expect(await readStationPolicy(store)).toEqual(policy);
    const updates = await listStationAudit(store, { limit: 5, event: 'policy.update' });
    expect(updates.map((row) => row.outcome)).toEqual(['success', 'refused']);
    expect(updates[0]?.actorName).toBe('Sam');
  });

  it('reports data quality once polder dq has written its report', async () => {
    const before = await json<{ report: unknown; hint: string }>(call('/api/data-quality'));
    expect(before.report).toBeNull();
    expect(before.hint).toMatch(/polder dq/);
    const report = await runDataQuality(store.connection, { instance: store.instance, persist: false });
    await writeDataQualityReport(report, join(store.dir, 'dq'));
    const after = await json<{
      report: { score: number | null; overview: { failed: number }; failedChecks: { severity: string }[] };
    }>(call('/api/data-quality'));
    expect(after.report.score).toBe(report.score);
    expect(after.report.failedChecks).toHaveLength(report.overview.failed);
    const ranks = after.report.failedChecks.map((c) =>
      ['fatal', 'convention', 'characterization'].indexOf(c.severity),
    );
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  }, 60_000);

  it('pages through the audit log and verifies it, logging the verification', async () => {
    const first = await json<{ entries: { seq: number }[]; nextBefore: number | null }>(
      call('/api/audit?limit=3'),
    );
    expect(first.entries).toHaveLength(3);
    expect(first.nextBefore).toBe(first.entries[2]?.seq);
    const next = await json<{ entries: { seq: number }[] }>(
      call(`/api/audit?limit=3&before=${first.nextBefore}`),
    );
    expect(next.entries[0]?.seq).toBe((first.nextBefore ?? 0) - 1);
    const verified = await json<{ ok: boolean; entries: number; problems: unknown[] }>(
      call('/api/audit/verify'),
    );
    expect(verified).toMatchObject({ ok: true, problems: [] });
    const [latest] = await listStationAudit(store, { limit: 1 });
    expect(latest).toMatchObject({ event: 'audit.verify', outcome: 'success' });
  });

  it('describes every steward route in its OpenAPI document', async () => {
    const document = await json<{ paths: Record<string, unknown> }>(fetch(`${api.url}/api/openapi.json`));
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/overview',
        '/api/data-quality',
        '/api/approvals',
        '/api/approvals/{taskId}/approve',
        '/api/approvals/{taskId}/decline',
        '/api/policy',
        '/api/audit',
        '/api/audit/verify',
        '/api/opt-outs',
      ]),
    );
  });

  it('serves the built console under /steward with its own policy, and no file outside its assets', async () => {
    expect(api.consoleUrl).toBe(`${api.url}/steward`);
    for (const path of ['/steward', '/steward/approvals']) {
      const page = await fetch(`${api.url}${path}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>console</title>');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
    const asset = await fetch(`${api.url}/assets/station-abc.js`);
    expect(asset.headers.get('content-type')).toMatch(/text\/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect((await fetch(`${api.url}/assets/..%2f..%2fsecret.js`)).status).toBe(404);
    expect((await fetch(`${api.url}/assets/missing.js`)).status).toBe(404);
    await rm(join(consoleDir, 'station.html'));
    const unbuilt = await fetch(`${api.url}/steward`);
    expect(unbuilt.status).toBe(503);
    expect(await unbuilt.text()).toContain('npm run build --workspace @polder/web');
    expect(await readFile(join(root, 'secret.js'), 'utf8')).toBe('secret');
  });
});
