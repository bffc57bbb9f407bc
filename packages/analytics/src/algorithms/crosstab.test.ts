import { describe, expect, it } from 'vitest';
import { openTestStation, runFederated, type TestRow } from '../_test-station.ts';
import type { CrosstabResult } from './crosstab.ts';

const ref = { name: 'crosstab', version: '1.0.0' };

/** Upper tail of the standard normal by Simpson's rule on its density: independent of the library's erfc. */
function normalTailBySimpson(x: number): number {
  const steps = 20_000;
  const h = x / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const weight = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2;
    sum += weight * Math.exp(-((i * h) ** 2) / 2);
  }
  return 0.5 - (sum * h) / 3 / Math.sqrt(2 * Math.PI);
}

function rowsOf(cells: readonly (readonly [string, string, number])[]): TestRow[] {
  return cells.flatMap(([smoker, outcome, n]) => Array.from({ length: n }, () => ({ smoker, outcome })));
}

describe('crosstab@1.0.0', () => {
  it('pools the stations and tests independence as a hand calculation does', async () => {
    // Pooled table [[20, 30], [40, 10]], counts that disclosure control leaves as they are (multiples of 5, ≥ 10).
    const stations = await Promise.all(
      [
        rowsOf([
          ['no', 'alive', 10],
          ['no', 'dead', 15],
          ['yes', 'alive', 20],
          ['yes', 'dead', 0],
        ]),
        rowsOf([
          ['no', 'alive', 10],
          ['no', 'dead', 15],
          ['yes', 'alive', 20],
          ['yes', 'dead', 10],
        ]),
      ].map((rows) => openTestStation({ smoker: 'VARCHAR', outcome: 'VARCHAR' }, rows)),
    );
    try {
      const { result } = await runFederated(stations, ref, {
        rows: { variable: 'smoker' },
        columns: { variable: 'outcome' },
      });
      const table = result as CrosstabResult;
      expect(table.counts).toEqual([
        [20, 30],
        [40, 10],
      ]);
      // By hand: N = 100, expected 30, 20, 30, 20; χ² = 100/30 + 100/20 + 100/30 + 100/20 = 50/3.
      expect(table.chiSquare?.statistic).toBeCloseTo(50 / 3, 12);
      expect(table.chiSquare?.df).toBe(1);
      expect(table.chiSquare?.minExpected).toBe(20);
      // With 1 df, P(χ² > x) = 2·P(Z > √x).
      expect(table.chiSquare?.pValue).toBeCloseTo(2 * normalTailBySimpson(Math.sqrt(50 / 3)), 10);
    } finally {
      await Promise.all(stations.map((s) => s.close()));
    }
  });

  it('suppresses a small cell with a complement and marks where', async () => {
    const station = await openTestStation(
      { smoker: 'VARCHAR', outcome: 'VARCHAR' },
      rowsOf([
        ['no', 'alive', 50],
        ['no', 'dead', 3],
        ['yes', 'alive', 40],
        ['yes', 'dead', 30],
      ]),
    );
    try {
      const { result } = await runFederated([station], ref, {
        rows: { variable: 'smoker' },
        columns: { variable: 'outcome' },
      });
      const table = result as CrosstabResult;
      const hidden = table.suppressedAt.flat().filter((n) => n > 0).length;
      expect(table.suppressedAt[0]?.[1]).toBe(1);
      expect(hidden).toBeGreaterThanOrEqual(2);
      for (const n of table.counts.flat()) expect(n === 0 || n >= 8).toBe(true);
    } finally {
      await station.close();
    }
  });
});
