import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * What the Chromium end-to-end tests share: where the browser is, the window sizes they check, a page's
 * errors collected, and the step check (screenshot, axe-core, no sideways scrolling).
 */
export const chromiumPath = '/usr/bin/chromium';
/** On CI a missing browser is a failure, not a skip (`.ci/run` installs it). */
export const haveChromium = existsSync(chromiumPath) || process.env['CI'] === 'true';
export const desktop = { width: 1280, height: 900 };
export const phone = { width: 375, height: 812 };

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Collects the page's script errors and console errors into `errors`. The browser logs refused requests
 * itself (a 401 from /api/me before sign-in, a 400 the page shows): those are not faults.
 */
export function collectPageErrors(page: Page, errors: string[]): void {
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(`${page.url()}: ${message.text()}`);
    }
  });
}

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly unknown[] }[];
}

/** Runs axe-core on the page and answers its serious and critical violations, one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol, which the pages' Content-Security-Policy does not govern (an
  // injected <script> would be refused), so the pages run under their real policy.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Saves a screenshot of the step into `screenshots` and fails on serious or critical accessibility
 * violations and on a page wider than the window.
 */
export async function checkStep(page: Page, name: string, screenshots: string): Promise<void> {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, `${name} fits the window without scrolling sideways`).toBeLessThanOrEqual(
    page.viewportSize()?.width ?? 0,
  );
}
