import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
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
 * The access procedure end to end in Chromium, set up as e2e.test.ts is (a real hub on in-memory PGlite,
 * the demo accounts, three published datasets, playwright-core driving /usr/bin/chromium, axe-core on
 * every new page, screenshots to .tmp/screenshots/): a researcher applies from the basket, the handler
 * returns the application for changes, the researcher resubmits, the handler marks it complete and
 * invites a reviewer, the reviewer gives an opinion, the decider approves — and the permit is in the
 * public register, opened without signing in.
 *
 * One difference: this file builds the app into its own folder and serves those files to the browser
 * (with the hub's own response headers, so the pages run under the hub's real Content-Security-Policy),
 * because e2e.test.ts runs at the same time in another worker and empties packages/web/dist while it builds.
 */

const screenshots = new URL('../../../.tmp/screenshots/', import.meta.url).pathname;
const buildDir = new URL('../../../.tmp/access-e2e-dist/', import.meta.url).pathname;
const mediaTypes: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

let hub: Hub;
let baseUrl: string;
let accounts: DemoAccount[];
let datasets: Awaited<ReturnType<typeof publishTestCatalogue>>;
let browser: Browser;
let indexHtml: string;
const pageErrors: string[] = [];

/** CI installs Chromium (.ci/run); a developer without it is told so and the suite is skipped. */
if (!haveChromium) console.warn(`access e2e: skipped, ${chromiumPath} is missing (apt-get install chromium)`);

beforeAll(async () => {
  if (!haveChromium) return;
  await build({
    configFile: new URL('../vite.config.ts', import.meta.url).pathname,
    logLevel: 'warn',
    // The hub's app only (index.html): the station console, built from the same config, is not the hub's.
    build: {
      outDir: buildDir,
      emptyOutDir: true,
      rollupOptions: { input: new URL('../index.html', import.meta.url).pathname },
    },
  });
  indexHtml = await readFile(join(buildDir, 'index.html'), 'utf8');
  hub = await createHub(readHubConfig({}, { port: 0, logLevel: 'warn' }), {
    passwordHashing: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
  });
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
  accounts = await seedDemoAccounts(hub);
  datasets = await publishTestCatalogue(hub);
  await mkdir(screenshots, { recursive: true });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
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
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await hub?.close();
  await rm(buildDir, { recursive: true, force: true });
});

function account(role: DemoAccount['role']): DemoAccount {
  const found = accounts.find((a) => a.role === role);
  if (found === undefined) throw new Error(`no demo account for ${role}`);
  return found;
}

/**
 * Serves this file's build: the app's files from the build folder, and for a page the build's index.html
 * under the headers the hub answered for it. The API goes to the hub untouched.
 */
async function serveBuild(route: Route): Promise<void> {
  const request = route.request();
  const url = new URL(request.url());
  if (url.origin !== baseUrl || url.pathname.startsWith('/api/') || request.method() !== 'GET') {
    return route.continue();
  }
  const file = normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, '');
  const type = mediaTypes[extname(file)];
  if (type !== undefined && !file.startsWith('..') && existsSync(join(buildDir, file))) {
    return route.fulfill({ status: 200, contentType: type, body: await readFile(join(buildDir, file)) });
  }
  if (request.resourceType() !== 'document') return route.continue();
  const answer = await route.fetch();
  const headers: Record<string, string> = { ...answer.headers(), 'content-type': 'text/html; charset=utf-8' };
  delete headers['content-length'];
  expect(headers['content-security-policy'], 'the hub sets its policy on pages').toContain(
    "default-src 'self'",
  );
  return route.fulfill({ status: 200, headers, body: indexHtml });
}

/** A browser session of its own (cookies apart), for one person. */
async function newSession(viewport = desktop): Promise<Page> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(10_000);
  await context.route('**/*', serveBuild);
  const page = await context.newPage();
  collectPageErrors(page, pageErrors);
  return page;
}

/** Signs in through the sign-in page, with the authenticator code when the account has one. */
async function signIn(page: Page, who: DemoAccount): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Email address', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (who.totpSecret !== undefined) {
    await page.getByLabel('Authenticator code').fill(totpCode(who.totpSecret, new Date()));
    await page.getByRole('button', { name: 'Verify' }).click();
  }
  await page.getByRole('banner').getByText(who.name).waitFor();
}

/** Opens an application from the access body's queue. */
async function openFromQueue(page: Page, title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review queue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Review queue' }).waitFor();
  await page.getByRole('link', { name: title }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
}

/** The application's state as its badge shows it. */
const stateOf = (page: Page) => page.locator('.application-state .state-badge').textContent();

describe.skipIf(!haveChromium)('the access procedure in Chromium', () => {
  it('takes an application from the basket through return, review and approval into the public register', async () => {
    const title = 'Sepsis survival after ICU discharge';
    const zuidas = datasets.find((d) => d.publisher === 'Zuidas Medical Centre');
    if (zuidas === undefined) throw new Error('the test catalogue has no Zuidas dataset');

    // The researcher finds a dataset, puts it in the basket and applies from there.
    const researcher = await newSession();
    await signIn(researcher, account('researcher'));
    await researcher.getByRole('searchbox', { name: 'Search datasets' }).fill('intensive care');
    await researcher.getByRole('button', { name: 'Search', exact: true }).click();
    await researcher.getByRole('link', { name: zuidas.title }).click();
    await researcher.getByRole('button', { name: 'Add to basket' }).click();
    await researcher.getByRole('status').getByText('Added to your basket.').waitFor();
    await researcher
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: /Basket/ })
      .click();
    await researcher.getByLabel('Project title').fill(title);
    await checkStep(researcher, 'a01-basket-apply', screenshots);
    await researcher.getByRole('button', { name: 'Apply for access' }).click();
    await researcher.getByRole('heading', { level: 1, name: title }).waitFor();
    expect(await stateOf(researcher)).toBe('Draft');

    // Submitting too early lists what is missing, section by section.
    await researcher.getByRole('button', { name: 'Submit', exact: true }).click();
    const problems = researcher.getByRole('alert').filter({ hasText: 'cannot be submitted yet' });
    await problems.getByRole('link', { name: /Write a public summary/ }).waitFor();
    await problems.getByRole('link', { name: /Choose the Art. 53\(1\) ground/ }).waitFor();
    await problems.getByRole('link', { name: `Accept the terms of ${zuidas.title}` }).waitFor();
    await checkStep(researcher, 'a02-application-incomplete', screenshots);
    // The problems get the focus, and each leads to its section by keyboard.
    expect(await researcher.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('alert');
    await problems.getByRole('link', { name: /Write a public summary/ }).press('Enter');
    await expect.poll(() => researcher.evaluate(() => window.location.hash)).toBe('#section-summary');

    // Leaving a section after a change saves the draft.
    await researcher
      .getByRole('textbox', { name: 'Public summary' })
      .fill('We study how many patients survive the year after leaving intensive care with sepsis.');
    await researcher.getByRole('textbox', { name: 'Your role in the project' }).focus();
    await researcher
      .getByRole('status')
      .getByText(/Draft saved automatically/)
      .waitFor();

    await researcher
      .getByRole('textbox', { name: 'Your role in the project' })
      .fill('Principal investigator');
    await researcher.getByLabel('Kind of organisation').selectOption('academic');
    await researcher.getByLabel('(e) Scientific research').check();
    await researcher
      .getByRole('textbox', { name: 'Explanation of the purpose' })
      .fill('Estimate one-year survival after ICU discharge in sepsis patients, to improve follow-up care.');
    const dataset = researcher.locator('.application-dataset').filter({ hasText: zuidas.title });
    // The dataset's conditions, checked against the purpose: ethics approval (IRB) is one of them.
    await dataset.getByText('Ethics approval required (IRB)').waitFor();
    await dataset.getByRole('checkbox', { name: `I accept the terms of ${zuidas.title}` }).check();
    await researcher
      .getByRole('textbox', { name: 'Processing environment' })
      .fill('Federated analysis through Polder; only aggregates leave the hospital.');
    await researcher
      .getByRole('textbox', { name: 'Safeguards' })
      .fill('Disclosure control at each station; named users only.');
    await researcher
      .getByRole('textbox', { name: 'Requested analyses' })
      .fill('Kaplan–Meier survival by age group, log-rank test.');
    await researcher.getByRole('spinbutton', { name: 'Duration of the permit in months' }).fill('24');
    await researcher.getByLabel('Add attachments').setInputFiles({
      name: 'protocol.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Study protocol, version 1.\n'),
    });
    await researcher.getByRole('link', { name: 'protocol.txt' }).waitFor();
    await researcher.getByRole('button', { name: 'Save draft' }).click();
    await researcher
      .getByRole('status')
      .getByText(/^Draft saved at/)
      .waitFor();
    // The DUO checks are shown once the purpose is saved.
    await dataset.locator('.duo-outcome').first().waitFor();
    await checkStep(researcher, 'a03-application-filled', screenshots);
    await researcher.getByRole('button', { name: 'Submit', exact: true }).click();
    await researcher.getByRole('status').getByText('Application submitted.', { exact: false }).waitFor();
    expect(await stateOf(researcher)).toBe('Submitted');
    await checkStep(researcher, 'a04-application-submitted', screenshots);

    // The researcher's list of applications shows it with its state.
    await researcher
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'My applications' })
      .click();
    const mine = researcher.locator('.application-card').filter({ hasText: title });
    await mine.getByText('Submitted', { exact: true }).waitFor();
    await checkStep(researcher, 'a05-my-applications', screenshots);

    // The handler (with an authenticator code) finds it in the queue and returns it for changes.
    const handler = await newSession();
    await signIn(handler, account('access_body_handler'));
    await handler
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Review queue' })
      .click();
    const row = handler.getByRole('row').filter({ hasText: title });
    await row.getByText('Completeness check:').waitFor();
    await checkStep(handler, 'a06-queue', screenshots);
    await handler.setViewportSize(phone);
    await checkStep(handler, 'a06-phone-queue', screenshots);
    await handler.setViewportSize(desktop);
    await row.getByRole('link', { name: title }).click();
    await handler.getByRole('heading', { level: 1, name: title }).waitFor();
    await handler.getByText('Kaplan–Meier survival by age group, log-rank test.').waitFor();
    await checkStep(handler, 'a07-handler-view', screenshots);
    await handler.setViewportSize(phone);
    await checkStep(handler, 'a07-phone-handler-view', screenshots);
    await handler.setViewportSize(desktop);
    const returnForm = handler.getByRole('form', { name: 'Return for changes' });
    await returnForm
      .getByRole('textbox', { name: 'What must change' })
      .fill('Please attach the ethics committee approval.');
    await returnForm.getByRole('button', { name: 'Return for changes' }).click();
    await handler.getByRole('status').getByText('Returned to the applicant for changes.').waitFor();
    expect(await stateOf(handler)).toBe('Returned for changes');

    // The researcher sees the comment, changes the application and resubmits.
    await researcher.goto(`${baseUrl}/applications`);
    await researcher.locator('.application-card').filter({ hasText: title }).getByRole('link').click();
    await researcher.getByText('Please attach the ethics committee approval.').first().waitFor();
    await researcher.getByLabel('Add attachments').setInputFiles({
      name: 'ethics-approval.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Approved by the medical ethics committee.\n'),
    });
    await researcher.getByRole('link', { name: 'ethics-approval.txt' }).waitFor();
    await checkStep(researcher, 'a08-application-returned', screenshots);
    await researcher.getByRole('button', { name: 'Resubmit' }).click();
    await researcher.getByRole('status').getByText('Application submitted.', { exact: false }).waitFor();

    // The handler marks it complete (the decision clock starts) and invites the reviewer.
    await handler.reload();
    await handler.getByRole('heading', { level: 1, name: title }).waitFor();
    await handler.getByRole('button', { name: 'Mark complete' }).click();
    await handler.getByRole('status').getByText('Marked complete', { exact: false }).waitFor();
    await handler.locator('.application-state').getByText('Decision:').waitFor();
    await handler.getByLabel("Reviewer's user id").fill(account('access_body_reviewer').userId);
    await handler.getByRole('button', { name: 'Invite reviewer' }).click();
    await handler.getByRole('status').getByText('Reviewer invited.').waitFor();
    await handler
      .getByRole('complementary')
      .getByText(account('access_body_reviewer').name)
      .first()
      .waitFor();

    // The reviewer gives an opinion.
    const reviewer = await newSession();
    await signIn(reviewer, account('access_body_reviewer'));
    await openFromQueue(reviewer, title);
    const opinion = reviewer.getByRole('form', { name: 'Your opinion' });
    await opinion.getByLabel('Approve').check();
    await opinion
      .getByRole('textbox', { name: 'Comment' })
      .fill('Sound protocol; the ethics approval is attached.');
    await checkStep(reviewer, 'a09-reviewer', screenshots);
    await opinion.getByRole('button', { name: 'Give opinion' }).click();
    await reviewer.getByRole('status').getByText('Your opinion was recorded.').waitFor();

    // The decider approves with the permit's settings.
    const decider = await newSession();
    await signIn(decider, account('access_body_decider'));
    await openFromQueue(decider, title);
    await decider.getByText('Sound protocol; the ethics approval is attached.').first().waitFor();
    const approve = decider.getByRole('form', { name: 'Approve and issue the permit' });
    await approve.getByRole('spinbutton', { name: 'Duration in months' }).fill('24');
    await approve.getByLabel('Kaplan–Meier survival').check();
    await approve.getByRole('spinbutton', { name: 'Smallest count shown' }).fill('10');
    await approve
      .getByRole('textbox', { name: 'Reasons for the decision' })
      .fill('Complete, proportionate and in the public interest.');
    await checkStep(decider, 'a10-decider', screenshots);
    await approve.getByRole('button', { name: 'Approve' }).click();
    await decider.getByRole('status').getByText('Approved', { exact: false }).waitFor();
    expect(await stateOf(decider)).toBe('Approved');
    const permit = decider.getByRole('complementary').locator('section').filter({ hasText: 'Permit' });
    await permit.getByText('Active').waitFor();
    // The signed permit: the JWS the stations verify.
    const permitHref = await permit.getByRole('link', { name: 'Signed permit (JSON)' }).getAttribute('href');
    const signed = (await (await decider.request.get(`${baseUrl}${permitHref}`)).json()) as {
      status: string;
      token: string;
    };
    expect(signed.status).toBe('active');
    expect(signed.token.split('.')).toHaveLength(3);
    await decider.getByRole('heading', { name: 'History' }).waitFor();
    for (const step of [
      'Submitted',
      'Returned for changes',
      'Marked complete',
      'Reviewer invited',
      'Opinion given',
      'Approved',
    ]) {
      await decider.locator('.timeline').getByText(step, { exact: true }).first().waitFor();
    }
    await checkStep(decider, 'a11-approved', screenshots);

    // The permit is in the public register, for anyone.
    const visitor = await newSession();
    await visitor.goto(`${baseUrl}/register`);
    await visitor.getByRole('heading', { level: 1, name: 'Public register' }).waitFor();
    const entry = visitor.locator('.register-entry').filter({ hasText: title });
    await entry.getByText('We study how many patients survive', { exact: false }).waitFor();
    await entry.getByText('Complete, proportionate and in the public interest.', { exact: false }).waitFor();
    await entry.getByText(/^Active, /).waitFor();
    await checkStep(visitor, 'a12-register', screenshots);
    await visitor.setViewportSize(phone);
    await checkStep(visitor, 'a13-phone-register', screenshots);
    const csv = await visitor.getByRole('link', { name: 'CSV' }).getAttribute('href');
    const csvAnswer = await fetch(`${baseUrl}${csv}`);
    expect(csvAnswer.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(await csvAnswer.text()).toContain(title);

    // The applicant has been told of the decision.
    await researcher.goto(`${baseUrl}/notifications`);
    await researcher.getByRole('heading', { level: 1, name: 'Reminders' }).waitFor();
    await researcher.locator('.notification').first().waitFor();
    await checkStep(researcher, 'a14-notifications', screenshots);

    for (const page of [researcher, handler, reviewer, decider, visitor]) await page.context().close();
    expect(pageErrors).toEqual([]);
    // About 45 s alone; twice that while e2e.test.ts runs beside it on two cores.
  }, 180_000);
});
