import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** ../shared/data beside the repository: real data that tests read and never copy. */
export const sharedDataDir = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

/** The path of a shared data folder; throws a clear error when it is absent, so that tests fail, not skip. */
export function sharedData(folder: string): string {
  const path = join(sharedDataDir, folder);
  if (!existsSync(path)) {
    throw new Error(`Shared test data missing at ${path}: ../shared/data must sit beside the repository`);
  }
  return path;
}

/** Data rows of a CSV file with a header, counted as line breaks (no OMOP test file has one inside a value). */
export function countDataLines(path: string): number {
  const text = readFileSync(path, 'utf8');
  if (text.length === 0) return 0;
  let lines = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
  if (!text.endsWith('\n')) lines++;
  return lines - 1;
}
