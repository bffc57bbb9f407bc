import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDataQuality, writeDataQualityReport } from '@polder/etl';
import {
  createHub,
  readHubConfig,
  seedDemoAccounts,
  totpCode,
  type DemoAccount,
  type Hub,
} from '@polder/hub';
import { importPrivateKey, signPermit, type PermitDocument } from '@polder/protocol';
import {
  enrolStation,
  ingestIntoStation,
  listPendingApprovals,
  listStationAudit,
  openStationStore,
  readStationPolicy,
  startStationLocalApi,
  startStationService,
  writeStationPolicy,
  type StationLocalApi,
  type StationService,
  type StationStore,
} from '@polder/station';
import { generateHospital } from '@polder/synth';
import { chromiumPath, checkStep, collectPageErrors, desktop, haveChromium, phone } from './_e2e-browser.ts';

/*
 * The station console end to end in Chromium: a real hub (in-memory PGlite) and a real station (DuckDB, fed
 * by a small synthetic hospital, enrolled at the hub, running the station service in this process under a
 * policy that holds count tasks for the steward). A researcher's run reaches the station and waits; the
 * steward signs in to the console the station serves, approves the task, sees it leave the queue and the
 * decision in the audit log, tightens the policy and verifies the audit chain. axe-core checks every view.
 *
 * The console is built into a folder of this test's own: the other e2e tests rebuild packages/web/dist, and
 * two builds into one folder while a browser reads it would race.
 */

const repoRoot = new URL('../../../', import.meta.url).pathname;
const screenshots = join(repoRoot, '.tmp/screenshots/station-console/');
const stewardToken = randomUUID() + randomUUID();

if (!haveChromium) console.warn(`station console e2e: skipped, ${chromiumPath} is missing`);

let root: string;
let hub: Hub;
let hubUrl: string;
let store: StationStore;
let service: StationService;
let local: StationLocalApi;
let context: BrowserContext;
let researcherCookie: string;
let projectId: string;
let runId: string;
const pageErrors: string[] = [];

async function signInOverApi(who: DemoAccount): Promise<string> {
  const post = (path: string, body: unknown, cookie?: string) =>
    fetch(`${hubUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) },
      body: JSON.stringify(body),
    });
  const cookieOf = (response: Response) => response.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  const first = await post('/api/session', { email: who.email, password: who.password });
  if (who.totpSecret === undefined || who.totpSecret === null) return cookieOf(first);
  const second = await post(
    '/api/session/totp',
    { code: totpCode(who.totpSecret, new Date()) },
    cookieOf(first),
  );
  expect(second.status).toBe(200);
  return cookieOf(second);
}

async function hubApi(path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${hubUrl}${path}`, {
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
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A permit for the researcher over the station, signed with the hub's key and stored as the access procedure does. */
async function insertPermit(
  researcherId: string,
  stationId: string,
  organisation: { id: string; name: string },
): Promise<string> {
  const keyRow = await hub.db.selectFrom('hub_signing_keys').select('private_key').executeTakeFirstOrThrow();
  const now = Date.now();
  const document: PermitDocument = {
    type: 'polder.permit.v1',
    permitId: randomUUID(),
    applicationId: randomUUID(),
    kind: 'permit',
    purpose: 'e',
    holder: { organisationId: organisation.id, organisationName: organisation.name },
    namedUsers: [researcherId],
    datasets: [{ datasetId: randomUUID(), stationId }],
    algorithms: ['count'],
    disclosure: {},
    issuedAt: new Date(now - 60_000).toISOString(),
    validFrom: new Date(now - 60_000).toISOString(),
    validUntil: new Date(now + 24 * 3_600_000).toISOString(),
  };
  const token = await signPermit(document, importPrivateKey(keyRow.private_key));
  const at = new Date();
  await hub.db
    .insertInto('applications')
    .values({
      id: document.applicationId,
      kind: 'permit',
      title: 'Station console (e2e)',
      applicant_id: researcherId,
      applicant_name: 'Researcher',
      organisation_id: organisation.id,
      organisation_name: organisation.name,
      state: 'approved',
      form: '{}',
      dataset_ids: document.datasets.map((d) => d.datasetId),
      public_summary: '',
      purpose_ground: 'e',
      version: 1,
      created_at: at,
      updated_at: at,
      received_at: at,
      submitted_at: at,
      completed_at: at,
      completeness_due: null,
      decision_due: null,
      completion_due: null,
      extended: false,
      due_at: null,
      due_kind: null,
      overdue: false,
      decision: null,
      decided_at: at,
      permit_id: document.permitId,
      results: '[]',
    })
    .execute();
  await hub.db
    .insertInto('permits')
    .values({
      id: document.permitId,
      application_id: document.applicationId,
      kind: 'permit',
      token,
      document: JSON.stringify(document),
      status: 'active',
      valid_from: new Date(document.validFrom),
      valid_until: new Date(document.validUntil),
      revoked_at: null,
      created_at: at,
    })
    .execute();
  return document.permitId;
}

beforeAll(async () => {
  if (!haveChromium) return;
  const began = Date.now();
  const lap = (what: string) => console.log(`station console e2e: ${what} at ${Date.now() - began} ms`);
  root = await mkdtemp(join(tmpdir(), 'polder-station-console-e2e-'));
  const consoleDir = join(root, 'dist');
  await build({
    configFile: new URL('../vite.config.ts', import.meta.url).pathname,
    logLevel: 'warn',
    build: {
      outDir: consoleDir,
      emptyOutDir: true,
      rollupOptions: { input: new URL('../station.html', import.meta.url).pathname },
    },
  });
  lap('console built');
  hub = await createHub(readHubConfig({}, { port: 0, logLevel: 'warn' }), {
    passwordHashing: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
  });
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  hubUrl = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
  const accounts = await seedDemoAccounts(hub);
  const account = (role: DemoAccount['role']) => {
    const found = accounts.find((a) => a.role === role);
    if (found === undefined) throw new Error(`no demo account for ${role}`);
    return found;
  };

  lap('hub ready');
  const summary = await generateHospital({
    hospital: 'B',
    patients: 60,
    seed: 11,
    outDir: join(root, 'export'),
  });
  store = await openStationStore(join(root, 'station'), { name: 'Amstel Hospital (test)', threads: 1 });
  await ingestIntoStation(store, [summary.ingestPath], { memoryLimit: '200MB' });
  lap('station ingested');
  await writeDataQualityReport(
    await runDataQuality(store.connection, { instance: store.instance }),
    join(store.dir, 'dq'),
  );
  lap('data quality checked');
  const created = await fetch(`${hubUrl}/api/stations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: await signInOverApi(account('admin')) },
    body: JSON.stringify({ name: 'Amstel Hospital' }),
  });
  expect(created.status).toBe(201);
  const { enrolmentToken } = (await created.json()) as { enrolmentToken: string };
  const enrolment = await enrolStation(store, { hubUrl, token: enrolmentToken });
  await writeStationPolicy(store, {
    allowedAlgorithms: ['count'],
    manualApproval: ['count'],
    disclosure: {},
  });

  researcherCookie = await signInOverApi(account('researcher'));
  const me = (await hubApi('/api/me')) as { id: string; organisation: { id: string; name: string } };
  const permitId = await insertPermit(me.id, enrolment.stationId, me.organisation);
  projectId = ((await hubApi('/api/projects', { title: 'Readmissions', permitId })) as { id: string }).id;
  service = await startStationService(store, {
    decisionPollMs: 200,
    reconnect: { initialMs: 100, maxMs: 1000 },
  });
  await waitFor(() => service.connected, 'the station to connect');
  runId = (
    (await hubApi(`/api/projects/${projectId}/runs`, {
      algorithm: { name: 'count', version: '1.0.0' },
      parameters: {},
      cohort: { definition: { name: 'Everyone with a visit', entry: { visit: {} } } },
    })) as { id: string }
  ).id;
  await waitFor(
    async () => (await listPendingApprovals(store)).length === 1,
    'the task to wait for the steward',
  );

  lap('task waits for the steward');
  local = await startStationLocalApi(store, { port: 0, stewardToken, consoleDir });
  await mkdir(screenshots, { recursive: true });
  context = await chromium.launchPersistentContext(join(root, 'chromium'), {
    executablePath: chromiumPath,
    headless: true,
    viewport: desktop,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(15_000);
}, 180_000);

afterAll(async () => {
  await context?.close();
  await local?.close();
  await service?.stop();
  await hub?.close();
  store?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

async function newPage(viewport = desktop): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  collectPageErrors(page, pageErrors);
  return page;
}

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();

describe.skipIf(!haveChromium)('the station console in Chromium', () => {
  it('signs in, approves the waiting task, tightens the policy and verifies the audit chain', async () => {
    const page = await newPage();
    await page.goto(local.consoleUrl);
    await page.getByRole('heading', { name: 'Sign in to the station console' }).waitFor();
    await checkStep(page, '01-sign-in', screenshots);
    await page.getByLabel('Your name').fill('Sanne de Vries');
    await page.getByLabel('Steward token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .getByText(/not the steward token/)
      .waitFor();
    await page.getByLabel('Steward token').fill(stewardToken);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { level: 1, name: 'Station overview' }).waitFor();
    await page.getByRole('heading', { name: 'Amstel Hospital (test)' }).waitFor();
    await expect.poll(() => page.locator('#waiting-heading + .big-number').textContent()).toBe('1');
    expect(await page.evaluate(() => sessionStorage.getItem('polder.station.token'))).toBe(stewardToken);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await checkStep(page, '02-overview', screenshots);

    await nav(page, 'Data quality');
    await page.getByRole('heading', { level: 1, name: 'Data quality' }).waitFor();
    await page.getByRole('table', { name: /Checks by Kahn category/ }).waitFor();
    await checkStep(page, '03-data-quality', screenshots);

    await nav(page, 'Approvals');
    const card = page.getByRole('article', { name: 'count@1.0.0 for Everyone with a visit' });
    await card.waitFor();
    await card
      .getByText(/^Researcher|\(/)
      .first()
      .waitFor();
    await card.getByText('Cohort definition').click();
    await card.getByText('"visit": {}').waitFor();
    await checkStep(page, '04-approvals', screenshots);
    await card.getByLabel('Reason').fill('Within the permit; small count only.');
    await card.getByRole('button', { name: /^Approve/ }).click();
    await page
      .getByRole('status')
      .getByText(/approved: the station runs it now/)
      .waitFor();
    await page.getByText('No task waits for your approval.').waitFor();
    await checkStep(page, '05-approved', screenshots);
    // The station service ran the approved task and the hub has its result.
    await waitFor(
      async () =>
        ((await hubApi(`/api/projects/${projectId}/runs/${runId}`)) as { status: string }).status ===
        'completed',
      'the run to complete at the hub',
    );

    await nav(page, 'Audit log');
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    const audit = page.getByRole('table', { name: /newest first/ });
    await audit.getByRole('rowheader', { name: 'task.approve' }).waitFor();
    await expect
      .poll(() => audit.getByRole('row').filter({ hasText: 'task.approve' }).textContent())
      .toContain('Sanne de Vries');
    await page.getByText(/Intact: all \d+ entries verified/).waitFor();
    await checkStep(page, '06-audit', screenshots);

    await nav(page, 'Policy');
    await page.getByRole('heading', { level: 1, name: 'Policy' }).waitFor();
    await page.getByLabel('Smallest count released').fill('5');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page
      .getByRole('alert')
      .getByText(/below the platform floor of 8/)
      .waitFor();
    await page.getByLabel('Smallest count released').fill('11');
    await page.getByLabel('Summary statistics (summary)').check();
    await page.getByLabel('All tasks').check();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('status').getByText('Policy saved. It applies to the next task.').waitFor();
    await checkStep(page, '07-policy', screenshots);
    expect(await readStationPolicy(store)).toEqual({
      allowedAlgorithms: ['count', 'summary'],
      manualApproval: 'all',
      disclosure: { minCount: 11 },
    });

    await nav(page, 'Audit log');
    await page.getByText(/Intact: all \d+ entries verified/).waitFor();
    await page.getByLabel('Event').fill('policy');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    const policyRows = page.getByRole('table', { name: /Events “policy”/ }).getByRole('row');
    await expect.poll(() => policyRows.filter({ hasText: 'policy.update' }).count()).toBe(2);
    await page.getByRole('button', { name: 'Verify the audit log' }).click();
    await page.getByText(/Intact: all \d+ entries verified/).waitFor();
    await checkStep(page, '08-audit-verified', screenshots);

    await nav(page, 'Opt-outs');
    await page.getByLabel('Patient number').fill('B-000001');
    await page.getByLabel('(e) scientific research').check();
    await page.getByRole('button', { name: 'Record opt-out' }).click();
    await page
      .getByRole('status')
      .getByText(/Recorded opt-out .*: changed e\./)
      .waitFor();
    await page
      .getByRole('table', { name: /The register/ })
      .getByRole('cell', { name: 'e', exact: true })
      .waitFor();
    await checkStep(page, '09-opt-outs', screenshots);
    expect(await page.content()).not.toContain('B-000001');

    const events = (await listStationAudit(store, { limit: 500 })).map((row) => row.event);
    expect(events).toEqual(
      expect.arrayContaining(['task.approve', 'task.result', 'policy.update', 'audit.verify']),
    );
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 120_000);

  it('fits a phone: overview and approvals at 375 px, without serious accessibility violations', async () => {
    const page = await newPage(phone);
    await page.goto(`${local.consoleUrl}/approvals`);
    await page.getByLabel('Your name').fill('Sanne de Vries');
    await page.getByLabel('Steward token').fill(stewardToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor();
    await checkStep(page, '10-phone-approvals', screenshots);
    await nav(page, 'Overview');
    await page.getByRole('heading', { level: 1, name: 'Station overview' }).waitFor();
    await checkStep(page, '11-phone-overview', screenshots);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the station console' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 60_000);
});
