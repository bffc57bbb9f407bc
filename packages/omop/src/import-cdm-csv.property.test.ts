import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importCdmCsv } from './index.ts';

describe('importCdmCsv() dates and ids', () => {
  it('reads yyyy-mm-dd, yyyymmdd and timestamps as the same date, and any 64-bit id exactly', async () => {
    const samples = fc.sample(
      fc.record({
        id: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        date: fc.date({
          min: new Date('1800-01-01T00:00:00Z'),
          max: new Date('2199-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        style: fc.constantFrom('iso', 'compact', 'timestamp'),
      }),
      { numRuns: 300, seed: 20261123 },
    );
    const unique = [...new Map(samples.map((sample) => [sample.id, sample])).values()];
    const dir = await mkdtemp(join(tmpdir(), 'polder-prop-'));
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const lines = unique.map(({ id, date, style }) => {
        const iso = date.toISOString().slice(0, 10);
        const written =
          style === 'iso'
            ? iso
            : style === 'compact'
              ? iso.replaceAll('-', '')
              : `${iso} ${date.toISOString().slice(11, 19)}`;
        return `${id},1,${written},${written},32817`;
      });
      await writeFile(
        join(dir, 'observation_period.csv'),
        `observation_period_id,person_id,observation_period_start_date,observation_period_end_date,period_type_concept_id\n${lines.join('\n')}\n`,
      );
      const report = await importCdmCsv(connection, dir);
      expect(report.ok).toBe(true);
      const loaded = await connection.runAndReadAll(
        'SELECT observation_period_id, CAST(observation_period_start_date AS VARCHAR) FROM cdm.observation_period',
      );
      const byId = new Map(loaded.getRowsJS().map(([id, date]) => [id, date]));
      for (const { id, date } of unique) expect(byId.get(id)).toBe(date.toISOString().slice(0, 10));
      expect(byId.size).toBe(unique.length);
    } finally {
      connection.closeSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
