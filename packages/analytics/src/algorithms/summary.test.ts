import { describe, expect, it } from 'vitest';
import { runStationHalf } from '../run-station-half.ts';
import { normalDraw, openTestStation, runFederated, seededRandom } from '../_test-station.ts';
import type { SummaryResult } from './summary.ts';

const ref = { name: 'summary', version: '1.0.0' };
const columns = { bmi: 'DOUBLE', age: 'INTEGER' } as const;

describe('summary@1.0.0', () => {
  it('pools n, mean and sd exactly over stations', async () => {
    const random = seededRandom(5);
    const parts = [120, 45, 300].map((n, s) =>
      Array.from({ length: n }, () => ({
        bmi: random() < 0.1 ? null : 25 + 3 * s + 4 * normalDraw(random),
        age: Math.floor(20 + 60 * random()),
      })),
    );
    const stations = await Promise.all(parts.map((rows) => openTestStation(columns, rows)));
    try {
      const { result } = await runFederated(stations, ref, { variables: ['bmi', 'age'], quantiles: [0.5] });
      const [bmi] = (result as SummaryResult).summaries;
      const values = parts.flat().flatMap((r) => (r.bmi === null ? [] : [r.bmi]));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
      expect(bmi?.n).toBe(values.length);
      expect(bmi?.mean).toBeCloseTo(mean, 10);
      expect(bmi?.sd).toBeCloseTo(sd, 10);
      expect(bmi?.quantiles[0]?.approximate).toBe(true);
      expect(bmi?.quantiles[0]?.value).toBeGreaterThan(20);
    } finally {
      await Promise.all(stations.map((s) => s.close()));
    }
  });

  it('withholds a summary of fewer than 10 records and quantiles near the extremes', async () => {
    const station = await openTestStation(
      columns,
      Array.from({ length: 30 }, (_, i) => ({ bmi: i < 9 ? i : null, age: i })),
    );
    try {
      const { output, disclosure } = await runStationHalf(station.ctx, {
        algorithm: ref,
        parameters: { variables: ['bmi', 'age'], quantiles: [0.1, 0.5] },
        round: 0,
        state: null,
      });
      expect(output['bmi']).toEqual({
        kind: 'summary',
        variable: 'bmi',
        n: null,
        mean: null,
        sd: null,
        quantiles: [],
      });
      // 30 records: the 10% quantile has only 3 below it, the median 15 on each side.
      expect(output['age']).toMatchObject({
        n: 30,
        quantiles: [
          { p: 0.1, value: null },
          { p: 0.5, value: 14.5 },
        ],
      });
      expect(disclosure.actions.map((a) => [a.path, a.action])).toEqual([
        ['/bmi', 'withheld'],
        ['/age/quantiles/0/value', 'withheld'],
      ]);
    } finally {
      await station.close();
    }
  });
});
