import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NdjsonSeries } from './_ndjson-series.ts';
import { TempDirs } from './_test-helpers.ts';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

describe('NdjsonSeries', () => {
  it('starts a new numbered file every linesPerFile lines and keeps every line', async () => {
    const out = await dirs.make();
    const series = new NdjsonSeries(out, 'Observation', 3);
    for (let i = 0; i < 7; i++) await series.write(`{"n":${i}}\n`);
    await series.close();
    expect((await readdir(out)).sort()).toEqual([
      'Observation.000.ndjson',
      'Observation.001.ndjson',
      'Observation.002.ndjson',
    ]);
    expect(series.files).toEqual([
      { path: 'Observation.000.ndjson', records: 3 },
      { path: 'Observation.001.ndjson', records: 3 },
      { path: 'Observation.002.ndjson', records: 1 },
    ]);
    const lines = (await Promise.all(series.files.map((f) => readFile(join(out, f.path), 'utf8')))).join('');
    expect(lines).toBe(Array.from({ length: 7 }, (_, i) => `{"n":${i}}\n`).join(''));
  });

  it('writes no file for a type without resources', async () => {
    const out = await dirs.make();
    const series = new NdjsonSeries(out, 'Procedure', 10);
    await series.close();
    expect(await readdir(out)).toEqual([]);
    expect(series.files).toEqual([]);
  });
});
