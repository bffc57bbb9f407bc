import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineRound } from '../combine-round.ts';
import { runStationHalf } from '../run-station-half.ts';
import {
  openTestStation,
  releasedCounts,
  runFederated,
  seededRandom,
  type TestRow,
} from '../_test-station.ts';
import { kaplanMeierAlgorithm, type KaplanMeierResult } from './kaplan-meier.ts';

const ref = { name: 'kaplan-meier', version: '1.0.0' };
const columns = { survival: 'DOUBLE', survival_event: 'INTEGER', arm: 'VARCHAR' } as const;

async function combinedWithoutControl(datasets: readonly (readonly TestRow[])[], parameters: unknown) {
  const partials = [];
  for (const [i, rows] of datasets.entries()) {
    const station = await openTestStation(columns, rows);
    try {
      partials.push({
        stationId: `s${i}`,
        output: await kaplanMeierAlgorithm.local(station.ctx, parameters, 0, null),
      });
    } finally {
      await station.close();
    }
  }
  const outcome = combineRound({ algorithm: ref, parameters, round: 0, state: null, partials });
  if (outcome.status !== 'done') throw new Error('kaplan-meier is single-round');
  return outcome.result as KaplanMeierResult;
}

// Freireich et al. (1963) remission times in weeks, 6-MP against placebo ('+' = censored): the textbook
// example (Kleinbaum & Klein, "Survival Analysis"; R's survival::gehan).
const sixMp = '6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+';
const placebo = '1 1 2 2 3 4 4 5 5 8 8 8 8 11 11 12 12 15 17 22 23';
const leukaemia: TestRow[] = [
  ...sixMp
    .split(' ')
    .map((s) => ({ survival: Number.parseFloat(s), survival_event: s.endsWith('+') ? 0 : 1, arm: '6-MP' })),
  ...placebo.split(' ').map((s) => ({ survival: Number(s), survival_event: 1, arm: 'placebo' })),
];

describe('kaplan-meier@1.0.0', () => {
  it('reproduces the textbook product-limit estimates and Greenwood errors of the 6-MP arm', async () => {
    // Split over two stations; before disclosure control the pooled curve is exact.
    const result = await combinedWithoutControl(
      [leukaemia.filter((_, i) => i % 2 === 0), leukaemia.filter((_, i) => i % 2 === 1)],
      { time: 'survival', group: { variable: 'arm' } },
    );
    const curve = result.curves.find((c) => c.label === '6-MP');
    const events = curve?.steps.filter((s) => s.events > 0).map((s) => [s.time, s.atRisk, s.events]);
    expect(events).toEqual([
      [6, 21, 3],
      [7, 17, 1],
      [10, 15, 1],
      [13, 12, 1],
      [16, 11, 1],
      [22, 7, 1],
      [23, 6, 1],
    ]);
    const expected = [0.857, 0.807, 0.753, 0.69, 0.627, 0.538, 0.448];
    const errors = [0.0764, 0.0869, 0.0963, 0.1068, 0.1141, 0.1282, 0.1346];
    curve?.steps
      .filter((s) => s.events > 0)
      .forEach((s, i) => {
        expect(s.survival).toBeCloseTo(expected[i] ?? NaN, 3);
        expect(s.standardError).toBeCloseTo(errors[i] ?? NaN, 4);
      });
    expect(curve?.median).toBe(23);
    expect(result.curves.find((c) => c.label === 'placebo')?.median).toBe(8);
  });

  it('gives the log-rank test by hand: 6-MP against placebo', async () => {
    const result = await combinedWithoutControl([leukaemia], {
      time: 'survival',
      group: { variable: 'arm' },
    });
    // Independent two-group computation straight from the records: Σ(O₁−E₁)² / ΣV₁.
    const times = [
      ...new Set(leukaemia.filter((r) => r['survival_event'] === 1).map((r) => Number(r['survival']))),
    ];
    let o = 0;
    let e = 0;
    let v = 0;
    for (const t of times) {
      const atRisk = leukaemia.filter((r) => Number(r['survival']) >= t);
      const dying = atRisk.filter((r) => Number(r['survival']) === t && r['survival_event'] === 1);
      const n = atRisk.length;
      const n1 = atRisk.filter((r) => r['arm'] === '6-MP').length;
      const d = dying.length;
      o += dying.filter((r) => r['arm'] === '6-MP').length;
      e += (d * n1) / n;
      v += (d * (n1 / n) * (1 - n1 / n) * (n - d)) / (n - 1);
    }
    expect(result.logRank?.statistic).toBeCloseTo((o - e) ** 2 / v, 10);
    // R: survdiff(Surv(time, cens) ~ treat, gehan) prints Chisq = 16.8 on 1 df, observed 9 and 21.
    expect(result.logRank?.statistic).toBeCloseTo(16.79, 1);
    expect(result.logRank?.observed).toEqual([9, 21]);
    expect(result.logRank?.df).toBe(1);
    expect(result.logRank?.pValue).toBeLessThan(1e-4);
  });

  const record = fc.record({
    survival: fc.integer({ min: 0, max: 30 }),
    survival_event: fc.integer({ min: 0, max: 1 }),
    arm: fc.constantFrom('a', 'b'),
  });
  const datasets = fc.array(fc.array(record, { minLength: 1, maxLength: 40 }), {
    minLength: 1,
    maxLength: 3,
  });

  it('federated curves equal the pooled curves before disclosure control', async () => {
    await fc.assert(
      fc.asyncProperty(datasets, fc.boolean(), async (parts, grouped) => {
        const parameters = grouped ? { time: 'survival', group: { variable: 'arm' } } : { time: 'survival' };
        const federated = await combinedWithoutControl(parts, parameters);
        const pooled = await combinedWithoutControl([parts.flat()], parameters);
        expect(federated.curves).toEqual(pooled.curves.map((c) => ({ ...c, suppressedAt: 0 })));
        if (pooled.logRank === null) expect(federated.logRank).toBeNull();
        else expect(federated.logRank?.statistic).toBeCloseTo(pooled.logRank.statistic, 9);
      }),
      { numRuns: 25 },
    );
  });

  it('releases no count between 1 and 7 and no step with fewer than 8 at risk', async () => {
    const big = fc.array(
      fc.record({
        survival: fc.integer({ min: 0, max: 400 }),
        survival_event: fc.integer({ min: 0, max: 1 }),
        arm: fc.constantFrom('a', 'b', 'c'),
      }),
      { maxLength: 150 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(big, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        async (parts, grouped) => {
          const parameters = grouped
            ? { time: 'survival', group: { variable: 'arm' } }
            : { time: 'survival' };
          const stations = await Promise.all(parts.map((rows) => openTestStation(columns, rows)));
          try {
            const partials = [];
            for (const [i, station] of stations.entries()) {
              const { output } = await runStationHalf(station.ctx, {
                algorithm: ref,
                parameters,
                round: 0,
                state: null,
              });
              partials.push({ stationId: `s${i}`, output });
            }
            const combined = combineRound({ algorithm: ref, parameters, round: 0, state: null, partials });
            for (const { path, value } of releasedCounts({ partials, combined })) {
              expect({ path, small: value >= 1 && value <= 7 }).toEqual({ path, small: false });
            }
            const result = (combined as { result: KaplanMeierResult }).result;
            for (const curve of result.curves)
              for (const step of curve.steps) expect(step.atRisk).toBeGreaterThanOrEqual(8);
          } finally {
            await Promise.all(stations.map((s) => s.close()));
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('approximates the exact curve after disclosure control on a larger cohort', async () => {
    const random = seededRandom(11);
    const rows = Array.from({ length: 3000 }, () => {
      const t = Math.floor(-Math.log(1 - random()) * 300);
      const censor = Math.floor(random() * 600);
      return {
        survival: Math.min(t, censor),
        survival_event: t <= censor ? 1 : 0,
        arm: random() < 0.5 ? 'a' : 'b',
      };
    });
    const parts = [rows.slice(0, 1000), rows.slice(1000, 2000), rows.slice(2000)];
    const stations = await Promise.all(parts.map((p) => openTestStation(columns, p)));
    try {
      const controlled = (await runFederated(stations, ref, { time: 'survival' }))
        .result as KaplanMeierResult;
      const exact = await combinedWithoutControl([rows], { time: 'survival' });
      const at = (r: KaplanMeierResult, t: number) =>
        [...(r.curves[0]?.steps ?? [])].reverse().find((s) => s.time <= t)?.survival ?? 1;
      for (const t of [50, 150, 300]) expect(Math.abs(at(controlled, t) - at(exact, t))).toBeLessThan(0.02);
    } finally {
      await Promise.all(stations.map((s) => s.close()));
    }
  });
});
