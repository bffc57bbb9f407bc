import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
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
import { publishTestCatalogue } from './_demo-catalogue.ts';
import { chromiumPath, checkStep, collectPageErrors, desktop, haveChromium, phone } from './_e2e-browser.ts';

/*
 * The hub's web app end to end in Chromium (Debian's /usr/bin/chromium, driven by playwright-core): a real
 * hub on in-memory PGlite serving the built app, demo accounts and three published datasets. Screenshots
 * of every step go to .tmp/screenshots/; axe-core checks every page, at desktop and phone width.
 */

const screenshots = new URL('../../../.tmp/screenshots/', import.meta.url).pathname;

let hub: Hub;
let baseUrl: string;
let accounts: DemoAccount[];
let datasets: Awaited<ReturnType<typeof publishTestCatalogue>>;
let context: BrowserContext;
let userDataDir: string;
const pageErrors: string[] = [];

/** CI installs Chromium (.ci/run); a developer without it is told so and the suite is skipped. */
if (!haveChromium) console.warn(`e2e: skipped, ${chromiumPath} is missing (apt-get install chromium)`);

beforeAll(async () => {
  if (!haveChromium) return;
  // Test the app as it is now, not the build that the last `npm install` left.
  await build({
    configFile: new URL('../vite.config.ts', import.meta.url).pathname,
    logLevel: 'warn',
  });
  hub = await createHub(readHubConfig({}, { port: 0, logLevel: 'warn' }), {
    passwordHashing: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
  });
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
  accounts = await seedDemoAccounts(hub);
  datasets = await publishTestCatalogue(hub);
  await mkdir(screenshots, { recursive: true });
  userDataDir = await mkdtemp(join(tmpdir(), 'polder-e2e-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
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
  // Fail a step in seconds rather than at the test's timeout.
  context.setDefaultTimeout(10_000);
}, 60_000);

afterAll(async () => {
  await context?.close();
  await hub?.close();
  if (userDataDir !== undefined) await rm(userDataDir, { recursive: true, force: true });
});

function account(role: DemoAccount['role']): DemoAccount {
  const found = accounts.find((a) => a.role === role);
  if (found === undefined) throw new Error(`no demo account for ${role}`);
  return found;
}

async function newPage(viewport = desktop): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  collectPageErrors(page, pageErrors);
  return page;
}

/** Signs in over the API (password, then TOTP) and answers the session cookie. */
async function signInOverApi(who: DemoAccount): Promise<string> {
  const post = (path: string, body: unknown, cookie?: string) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) },
      body: JSON.stringify(body),
    });
  const cookieOf = (response: Response) => response.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  const first = await post('/api/session', { email: who.email, password: who.password });
  const second = await post(
    '/api/session/totp',
    { code: totpCode(who.totpSecret ?? '', new Date()) },
    cookieOf(first),
  );
  expect(second.status).toBe(200);
  return cookieOf(second);
}

async function signIn(page: Page, who: Pick<DemoAccount, 'email' | 'password'>): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Email address', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe.skipIf(!haveChromium)('the hub web app in Chromium', () => {
  it('walks a researcher from sign-in through search and filter to a dataset and the basket', async () => {
    const page = await newPage();
    const researcher = account('researcher');

    await page.goto(`${baseUrl}/sign-in`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await checkStep(page, '01-sign-in', screenshots);
    await signIn(page, researcher);
    await page.getByRole('banner').getByText(researcher.name).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');

    await page.getByRole('searchbox', { name: 'Search datasets' }).fill('diabetes');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('heading', { name: '3 datasets for “diabetes”' }).waitFor();
    await page.getByText('96.4%').waitFor();
    await checkStep(page, '02-search', screenshots);
    await page.getByLabel('Sort by').selectOption('population');
    await page.waitForURL(/sort=population/);
    await expect
      .poll(() => page.locator('.result-card h3').allTextContents())
      .toEqual([
        'Amstel Hospital — electronic health records',
        expect.stringContaining('Zuidas'),
        expect.stringContaining('Children'),
      ]);

    await page
      .getByRole('group', { name: 'Hospital' })
      .getByLabel(/Zuidas Medical Centre/)
      .check();
    await page.getByRole('heading', { name: '1 dataset for “diabetes”' }).waitFor();
    expect(new URL(page.url()).searchParams.getAll('publisher')).toEqual(['Zuidas Medical Centre']);
    // The other hospitals stay listed, to widen the search with.
    await page
      .getByRole('group', { name: 'Hospital' })
      .getByLabel(/Amstel Hospital/)
      .waitFor();
    await checkStep(page, '03-filtered', screenshots);

    const zuidas = datasets.find((d) => d.publisher === 'Zuidas Medical Centre');
    await page.getByRole('link', { name: zuidas?.title ?? '' }).click();
    await page.getByRole('heading', { level: 1, name: zuidas?.title ?? '' }).waitFor();
    await page.locator('.chart-canvas svg').nth(3).waitFor();
    await page.getByText('Ethics approval required (IRB)').waitFor();
    await page.getByRole('table', { name: 'Conditions' }).getByText('Type 2 diabetes mellitus').waitFor();
    await checkStep(page, '04-dataset', screenshots);

    await page.getByRole('button', { name: 'Add to basket' }).click();
    await page.getByRole('status').getByText('Added to your basket.').waitFor();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /Basket/ })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Your basket' }).waitFor();
    await page.getByRole('link', { name: zuidas?.title ?? '' }).waitFor();
    await checkStep(page, '05-basket', screenshots);

    await page.getByRole('button', { name: `Remove ${zuidas?.title} from the basket` }).click();
    await page.getByText('Your basket is empty.').waitFor();
    await checkStep(page, '06-basket-empty', screenshots);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).waitFor();
    await page.close();
  });

  it('works at phone width, and a dataset IRI opened in the browser shows the dataset page', async () => {
    const page = await newPage(phone);
    const amstel = datasets.find((d) => d.publisher === 'Amstel Hospital');
    await page.goto(`${baseUrl}/`);
    await page.getByRole('heading', { name: '3 datasets' }).waitFor();
    await checkStep(page, '07-phone-search', screenshots);
    await page.goto(`${baseUrl}/datasets/${amstel?.id}`);
    await page.getByRole('heading', { level: 1, name: amstel?.title ?? '' }).waitFor();
    await page.locator('.chart-canvas svg').nth(3).waitFor();
    await checkStep(page, '08-phone-dataset', screenshots);
    await page.close();

    const turtle = await fetch(`${baseUrl}/datasets/${amstel?.id}`, { headers: { accept: 'text/turtle' } });
    expect(turtle.headers.get('content-type')).toMatch(/^text\/turtle/);
  });

  it('can be used with the keyboard alone, with a visible focus', async () => {
    const page = await newPage();
    await page.goto(`${baseUrl}/`);
    await page.getByRole('heading', { name: '3 datasets' }).waitFor();
    const focused = () =>
      page.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        const style = element === null ? null : getComputedStyle(element);
        return {
          text: element?.textContent?.trim() ?? '',
          id: element?.id ?? '',
          outline: style === null ? 'none' : `${style.outlineStyle} ${style.outlineWidth}`,
        };
      });
    await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ text: 'Skip to content' });
    expect((await focused()).outline).not.toMatch(/^none/);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect((await focused()).id).toBe('search-text');
    await page.keyboard.type('asthma');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '1 dataset for “asthma”' }).waitFor();
    // Search button, the Filters summary, then the first facet value.
    for (let i = 0; i < 3; i += 1) await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await page.waitForURL(/healthCategory=EHRS/);
    await page.close();
  });

  it("serves the app for pages without shadowing the API or the catalogue's RDF", async () => {
    const id = datasets[0]?.id ?? '';
    const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    const page = await fetch(`${baseUrl}/datasets/${id}`, { headers: { accept: browserAccept } });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<div id="root">');
    const jsonLd = await fetch(`${baseUrl}/datasets/${id}`, { headers: { accept: 'application/ld+json' } });
    expect(jsonLd.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    const json = await fetch(`${baseUrl}/catalogue`);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const missingRoute = await fetch(`${baseUrl}/api/no-such-route`, { headers: { accept: browserAccept } });
    expect(missingRoute.status).toBe(404);
    expect(missingRoute.headers.get('content-type')).toMatch(/^application\/json/);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await (await fetch(`${baseUrl}/`)).text())?.[1];
    const asset = await fetch(`${baseUrl}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const outside = await fetch(`${baseUrl}/assets/%2e%2e/%2e%2e/package.json`);
    expect(outside.status).toBe(404);
  });

  it('signs in an access-body handler with the authenticator code', async () => {
    const page = await newPage();
    const handler = account('access_body_handler');
    await signIn(page, handler);
    await page.getByLabel('Authenticator code').waitFor();
    await checkStep(page, '09-totp', screenshots);
    await page.getByLabel('Authenticator code').fill(totpCode(handler.totpSecret ?? '', new Date()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('banner').getByText(handler.name).waitFor();
    await page.setViewportSize(phone);
    await checkStep(page, '10-phone-signed-in', screenshots);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).waitFor();
    await page.close();
  });

  it('lets an access-body reviewer without an authenticator enrol one while signing in', async () => {
    const admin = account('admin');
    const adminCookie = await signInOverApi(admin);
    const me = (await (await fetch(`${baseUrl}/api/me`, { headers: { cookie: adminCookie } })).json()) as {
      organisation: { id: string };
    };
    const reviewer = {
      email: 'nora.new@demo.polder.test',
      name: 'Nora Newcomer',
      password: 'a-long-demo-password',
    };
    const created = await fetch(`${baseUrl}/api/users`, {
      method: 'POST',
      headers: { cookie: adminCookie, 'content-type': 'application/json' },
      body: JSON.stringify({
        ...reviewer,
        organisationId: me.organisation.id,
        roles: ['access_body_reviewer'],
      }),
    });
    expect(created.status).toBe(201);

    const page = await newPage();
    await signIn(page, { ...admin, ...reviewer });
    const key = page.locator('.key');
    await key.waitFor();
    await checkStep(page, '11-totp-enrolment', screenshots);
    const secret = ((await key.textContent()) ?? '').replace(/\s/g, '');
    await page.getByLabel('Authenticator code').fill(totpCode(secret, new Date()));
    await page.getByRole('button', { name: 'Confirm and sign in' }).click();
    await page.getByRole('banner').getByText(reviewer.name).waitFor();
    await page.close();
    expect(pageErrors).toEqual([]);
  });
});
