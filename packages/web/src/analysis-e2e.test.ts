import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { extname, join, normalize, relative } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  computeDatasetStatistics,
  enrolStation,
  ingestIntoStation,
  openStationStore,
  publishDatasetDescription,
  recordPublishedDataset,
  startStationService,
  type StationService,
  type StationStore,
} from '@polder/station';
import { generateHospital, type HospitalId } from '@polder/synth';
import { chromiumPath, checkStep, collectPageErrors, desktop, haveChromium, phone } from './_e2e-browser.ts';

/*
 * Federated analysis end to end in Chromium: a real hub (in-memory PGlite) and three real stations (DuckDB,
 * each fed by a synthetic hospital in its own source format, enrolled at the hub and running the station
 * service in this process). A researcher signs in, creates a project under a permit, defines a cohort in the
 * builder, runs Kaplan–Meier across the three stations and sees the curve. axe-core checks every step.
 *
 * The app is built into a folder of this test's own and served by a small server in front of the hub (the
 * hub's API, and the page's Content-Security-Policy as the hub sends it): the other e2e test rebuilds
 * packages/web/dist, and two builds into one folder while a browser reads it would race.
 */

const repoRoot = new URL('../../../', import.meta.url).pathname;
const screenshots = join(repoRoot, '.tmp/screenshots/analysis/');
const patientsPerStation = 150;
const hospitals: readonly HospitalId[] = ['A', 'B', 'C'];

if (!haveChromium)
  console.warn(`analysis e2e: skipped, ${chromiumPath} is missing (apt-get install chromium)`);

let root: string;
let distDir: string;
let hub: Hub;
let hubUrl: string;
let front: Server;
let baseUrl: string;
let accounts: DemoAccount[];
let context: BrowserContext;
let permitId: string;
const stores: StationStore[] = [];
const services: StationService[] = [];
const pageErrors: string[] = [];

const contentTypes: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.html': 'text/html; charset=utf-8',
};

/**
 * Serves the build's files and its index.html for pages (with the hub's Content-Security-Policy), and passes
 * everything else — the API, its Server-Sent Events — to the hub as it is, streaming.
 */
async function startFront(csp: string): Promise<Server> {
  const server = createServer((incoming, outgoing) => {
    const path = decodeURIComponent((incoming.url ?? '/').split('?', 1)[0] ?? '/');
    const isApi = path === '/api' || path.startsWith('/api/');
    if (!isApi && incoming.method === 'GET') {
      void (async () => {
        const file = normalize(join(distDir, path));
        const inside = !relative(distDir, file).startsWith('..');
        const isFile = inside && (await stat(file).catch(() => undefined))?.isFile() === true;
        const target = isFile ? file : join(distDir, 'index.html');
        outgoing.writeHead(200, {
          'content-type': contentTypes[extname(target)] ?? 'application/octet-stream',
          'content-security-policy': csp,
        });
        outgoing.end(await readFile(target));
      })();
      return;
    }
    const forward = httpRequest(
      new URL(incoming.url ?? '/', hubUrl),
      { method: incoming.method, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

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

function account(role: DemoAccount['role']): DemoAccount {
  const found = accounts.find((a) => a.role === role);
  if (found === undefined) throw new Error(`no demo account for ${role}`);
  return found;
}

/** A synthetic hospital ingested into a new station, enrolled at the hub, its dataset published. */
async function setUpStation(hospital: HospitalId, adminCookie: string) {
  const exportDir = join(root, `export-${hospital}`);
  const summary = await generateHospital({
    hospital,
    patients: patientsPerStation,
    seed: 7,
    outDir: exportDir,
  });
  const store = await openStationStore(join(root, `station-${hospital}`), {
    name: `Station ${hospital}`,
    threads: 1,
  });
  stores.push(store);
  await ingestIntoStation(store, [summary.ingestPath], { memoryLimit: '200MB' });
  const created = await fetch(`${hubUrl}/api/stations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: adminCookie },
    body: JSON.stringify({ name: `Hospital ${hospital}` }),
  });
  expect(created.status).toBe(201);
  const { enrolmentToken } = (await created.json()) as { enrolmentToken: string };
  const enrolment = await enrolStation(store, { hubUrl, token: enrolmentToken });
  const receipt = await publishDatasetDescription(store, {
    statistics: await computeDatasetStatistics(store),
  });
  await recordPublishedDataset(store, receipt.datasetId);
  return { store, stationId: enrolment.stationId, datasetId: receipt.datasetId };
}

/**
 * A permit for the researcher over the three datasets, signed with the hub's key and stored as the access
 * procedure stores one (with its application), so that a project can work under it.
 */
async function insertPermit(
  researcherId: string,
  datasets: PermitDocument['datasets'],
  organisation: { id: string; name: string },
): Promise<string> {
  const keyRow = await hub.db.selectFrom('hub_signing_keys').select('private_key').executeTakeFirstOrThrow();
  const now = Date.now();
  const document: PermitDocument = {
    type: 'polder.permit.v1',
    permitId: randomUUID(),
    applicationId: randomUUID(),
    kind: 'permit',
    purpose: 'd',
    holder: { organisationId: organisation.id, organisationName: organisation.name },
    namedUsers: [researcherId],
    datasets,
    algorithms: ['count', 'summary', 'crosstab', 'glm', 'kaplan-meier'],
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
      title: 'Survival after admission (e2e)',
      applicant_id: researcherId,
      applicant_name: 'Researcher',
      organisation_id: organisation.id,
      organisation_name: organisation.name,
      state: 'approved',
      form: '{}',
      dataset_ids: datasets.map((d) => d.datasetId),
      public_summary: '',
      purpose_ground: 'd',
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
  root = await mkdtemp(join(tmpdir(), 'polder-analysis-e2e-'));
  distDir = join(root, 'dist');
  await build({
    configFile: new URL('../vite.config.ts', import.meta.url).pathname,
    logLevel: 'warn',
    // Only the hub's app (the station console, built from the same config, is not needed here).
    build: {
      outDir: distDir,
      emptyOutDir: true,
      rollupOptions: { input: new URL('../index.html', import.meta.url).pathname },
    },
  });
  hub = await createHub(readHubConfig({}, { port: 0, logLevel: 'warn' }), {
    passwordHashing: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
  });
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  hubUrl = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
  accounts = await seedDemoAccounts(hub);
  const csp = (await fetch(`${hubUrl}/`, { headers: { accept: 'text/html' } })).headers.get(
    'content-security-policy',
  );
  expect(csp).toContain("default-src 'self'");
  front = await startFront(csp ?? '');
  baseUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;

  const adminCookie = await signInOverApi(account('admin'));
  const stations = [];
  for (const hospital of hospitals) stations.push(await setUpStation(hospital, adminCookie));
  const researcherCookie = await signInOverApi(account('researcher'));
  const me = (await (await fetch(`${hubUrl}/api/me`, { headers: { cookie: researcherCookie } })).json()) as {
    id: string;
    organisation: { id: string; name: string };
  };
  permitId = await insertPermit(
    me.id,
    stations.map(({ stationId, datasetId }) => ({ stationId, datasetId })),
    me.organisation,
  );
  for (const { store } of stations) {
    services.push(await startStationService(store, { hubUrl, reconnect: { initialMs: 100, maxMs: 1000 } }));
  }
  const until = Date.now() + 20_000;
  while (!services.every((service) => service.connected)) {
    if (Date.now() > until) throw new Error('the stations did not connect to the hub');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

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
}, 240_000);

afterAll(async () => {
  await context?.close();
  for (const service of services) await service.stop();
  await hub?.close();
  for (const store of stores) store.close();
  await new Promise<void>((resolve) => (front === undefined ? resolve() : front.close(() => resolve())));
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

async function newPage(viewport = desktop): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  collectPageErrors(page, pageErrors);
  return page;
}

describe.skipIf(!haveChromium)('federated analysis in Chromium (a hub and three stations)', () => {
  it('a researcher defines a cohort, runs Kaplan–Meier across three stations and sees the curve', async () => {
    const page = await newPage();
    const researcher = account('researcher');
    await page.goto(`${baseUrl}/sign-in`);
    await page.getByLabel('Email address', { exact: true }).fill(researcher.email);
    await page.getByLabel('Password', { exact: true }).fill(researcher.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('banner').getByText(researcher.name).waitFor();

    // A project under the permit.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('heading', { level: 1, name: 'Projects' }).waitFor();
    await page.getByText('You have no projects yet.').waitFor();
    await checkStep(page, '01-projects', screenshots);
    await page.getByLabel(/^Title/).fill('Survival after a hospital visit');
    await page.getByLabel('Description').fill('Kaplan–Meier across the three hospitals.');
    await page.getByLabel('Permit to work under').selectOption('other');
    await page.getByLabel('Permit id').fill(permitId);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { level: 1, name: 'Survival after a hospital visit' }).waitFor();
    await page.getByRole('region', { name: 'Permit' }).getByText('active').waitFor();
    await checkStep(page, '02-project', screenshots);

    // A cohort in the builder: everyone's first visit, with a time to death censored at a year.
    await page.getByRole('link', { name: 'Define a cohort' }).click();
    await page.getByRole('heading', { level: 1, name: 'Define a cohort' }).waitFor();
    await page.getByLabel(/^Cohort name/).fill('First visit');
    await page.getByLabel('Entry event: which records').selectOption('any');
    await page.getByRole('button', { name: 'Add a variable' }).click();
    await page.getByLabel(/^Variable 3: name/).fill('survival');
    await page.getByLabel('Variable 3: domain').selectOption('death');
    await page.getByLabel('Variable 3: which records').selectOption('any');
    await page.getByLabel('Variable 3: value').selectOption('daysToEvent');
    await page.getByLabel('Variable 3: censor after (days)').fill('3650');
    await checkStep(page, '03-cohort-builder', screenshots);
    // The JSON view shows what the form built.
    await page.getByRole('button', { name: 'JSON' }).click();
    const json = JSON.parse(await page.getByLabel('Cohort definition (JSON)').inputValue()) as {
      entry: unknown;
      variables: Record<string, unknown>;
    };
    expect(json.entry).toEqual({ visit: {}, first: true });
    expect(json.variables['survival']).toEqual({ death: {}, value: 'daysToEvent', censorAtDays: 3650 });
    await checkStep(page, '04-cohort-json', screenshots);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').getByText('Saved as version 1.').waitFor();

    // Kaplan–Meier, its form generated from the algorithm's schema.
    await page.getByRole('link', { name: 'Back to the project' }).click();
    await page.getByRole('link', { name: 'New analysis' }).click();
    await page.getByRole('heading', { level: 1, name: 'New analysis' }).waitFor();
    await page.getByLabel(/^Algorithm/).selectOption('kaplan-meier@1.0.0');
    await page.getByLabel(/^Time/).selectOption('survival');
    await checkStep(page, '05-analysis-form', screenshots);
    await page.getByRole('button', { name: 'Start the run' }).click();

    // Live progress per station, then the curve.
    await page.getByRole('heading', { level: 1, name: 'Run of kaplan-meier@1.0.0' }).waitFor();
    const progress = page.getByRole('table', { name: 'Progress per station' });
    await expect
      .poll(async () => await progress.getByText('Done', { exact: true }).count(), { timeout: 30_000 })
      .toBe(3);
    await page.getByRole('status').getByText('Completed').waitFor();
    for (const hospital of hospitals) await progress.getByText(`Hospital ${hospital}`).waitFor();
    await page.locator('.km-chart svg').waitFor();
    await checkStep(page, '06-kaplan-meier', screenshots);
    // One step curve (Plot's line mark, step-after) with more than one step, inside its confidence band.
    const line = page.locator('.km-chart svg g[aria-label="line"] path');
    expect(await line.count()).toBe(1);
    const d = (await line.getAttribute('d')) ?? '';
    const heights = new Set([...d.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => m[1]));
    expect(heights.size, `the curve steps down: ${d}`).toBeGreaterThan(1);
    expect(await page.locator('.km-chart svg g[aria-label="area"] path').count()).toBe(1);
    await page.getByRole('table', { name: 'Curves' }).getByText('Everyone').waitFor();
    await page.getByRole('link', { name: 'Export CSV' }).waitFor();

    await page.setViewportSize(phone);
    await page.waitForTimeout(400);
    await checkStep(page, '07-kaplan-meier-phone', screenshots);
    await page.close();
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
