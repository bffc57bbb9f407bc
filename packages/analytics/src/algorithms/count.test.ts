import fc from 'fast-check';
import { BudgetLedger, seededRandomSource } from '@polder/privacy';
import { describe, expect, it } from 'vitest';
import { combineRound } from '../combine-round.ts';
import { runStationHalf } from '../run-station-half.ts';
import { openTestStation, releasedCounts, type TestRow } from '../_test-station.ts';
import { countAlgorithm } from './count.ts';

const columns = { age: 'DOUBLE', sex: 'VARCHAR', smoker: 'INTEGER' } as const;
const ref = { name: 'count', version: '1.0.0' };
const sexes = ['female', 'male', 'other', 'unknown'];

const row = fc.record({
  age: fc.option(fc.integer({ min: 0, max: 99 }), { freq: 10 }),
  sex: fc.constantFrom(...sexes),
  smoker: fc.integer({ min: 0, max: 1 }),
});
const stations = fc.array(fc.array(row, { maxLength: 60 }), { minLength: 1, maxLength: 3 });
const strata = [{ variable: 'sex' }, { variable: 'age', breaks: [18, 65] }, { variable: 'smoker' }];

async function rawOutputs(datasets: readonly (readonly TestRow[])[], parameters: unknown) {
  const outputs = [];
  for (const rows of datasets) {
    const station = await openTestStation(columns, rows);
    try {
      outputs.push(await countAlgorithm.local(station.ctx, parameters, 0, null));
    } finally {
      await station.close();
    }
  }
  return outputs;
}

describe('count@1.0.0', () => {
  it('counts persons, rounded to 5 after disclosure control', async () => {
    const rows = Array.from({ length: 23 }, (_, i) => ({ age: i, sex: 'female', smoker: 0 }));
    const station = await openTestStation(columns, rows);
    try {
      const { output, disclosure } = await runStationHalf(station.ctx, {
        algorithm: ref,
        parameters: {},
        round: 0,
        state: null,
      });
      expect(output).toEqual({ persons: { kind: 'count', value: 25 } });
      expect(disclosure.actions).toEqual([
        { path: '/persons/value', action: 'rounded', reason: 'rounded to the nearest 5' },
      ]);
    } finally {
      await station.close();
    }
  });

  it('federated stratified counts equal the pooled counts before disclosure control', async () => {
    await fc.assert(
      fc.asyncProperty(stations, fc.subarray(strata, { minLength: 1 }), async (datasets, chosen) => {
        const parameters = { strata: chosen };
        const partials = (await rawOutputs(datasets, parameters)).map((output, i) => ({
          stationId: `s${i}`,
          output,
        }));
        const federated = combineRound({ algorithm: ref, parameters, round: 0, state: null, partials });
        const [pooledOutput] = await rawOutputs([datasets.flat()], parameters);
        const pooled = combineRound({
          algorithm: ref,
          parameters,
          round: 0,
          state: null,
          partials: [{ stationId: 'pooled', output: pooledOutput }],
        });
        expect(federated.status).toBe('done');
        const f = (federated as { result: { cells: { key: string[]; count: number }[] } }).result.cells;
        const p = (pooled as { result: { cells: { key: string[]; count: number }[] } }).result.cells;
        // Levels seen at no station are absent from both; compare the non-zero cells by key.
        const nonZero = (cells: typeof f) =>
          cells.filter((c) => c.count > 0).map((c) => [c.key.join('|'), c.count]);
        expect(nonZero(f)).toEqual(nonZero(p));
        expect(f.reduce((s, c) => s + c.count, 0)).toBe(datasets.flat().length);
      }),
      { numRuns: 25 },
    );
  });

  it('releases no count between 1 and 7 anywhere, at a station or pooled', async () => {
    await fc.assert(
      fc.asyncProperty(stations, fc.subarray(strata, { minLength: 0 }), async (datasets, chosen) => {
        const parameters = chosen.length === 0 ? {} : { strata: chosen };
        const partials = [];
        for (const [i, rows] of datasets.entries()) {
          const station = await openTestStation(columns, rows);
          try {
            const { output } = await runStationHalf(station.ctx, {
              algorithm: ref,
              parameters,
              round: 0,
              state: null,
            });
            partials.push({ stationId: `s${i}`, output });
          } finally {
            await station.close();
          }
        }
        const combined = combineRound({ algorithm: ref, parameters, round: 0, state: null, partials });
        for (const { path, value } of releasedCounts({ partials, combined })) {
          expect({ path, small: value >= 1 && value <= 7 }).toEqual({ path, small: false });
          expect(value % 5).toBe(0);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('names a variable the cohort does not have', async () => {
    const station = await openTestStation(columns, [{ age: 1, sex: 'male', smoker: 0 }]);
    try {
      await expect(
        runStationHalf(station.ctx, {
          algorithm: ref,
          parameters: { strata: [{ variable: 'bmi' }] },
          round: 0,
          state: null,
        }),
      ).rejects.toMatchObject({ code: 'invalid-parameters', message: expect.stringContaining('"bmi"') });
      await expect(
        runStationHalf(station.ctx, {
          algorithm: ref,
          parameters: { strata: [{ variable: 'age"; DROP TABLE cohort; --' }] },
          round: 0,
          state: null,
        }),
      ).rejects.toMatchObject({ code: 'invalid-parameters' });
      await expect(
        runStationHalf(station.ctx, {
          algorithm: { name: 'count', version: '9.0.0' },
          parameters: {},
          round: 0,
          state: null,
        }),
      ).rejects.toMatchObject({ code: 'unknown-algorithm' });
    } finally {
      await station.close();
    }
  });
});

describe('count@1.0.0 with differential privacy', () => {
  const rows = Array.from({ length: 200 }, (_, i) => ({
    age: i % 90,
    sex: sexes[i % 2] ?? 'female',
    smoker: i % 3 === 0 ? 1 : 0,
  }));

  it('adds noise, charges the ledger and reports the spend', async () => {
    const station = await openTestStation(columns, rows);
    try {
      const ledger = BudgetLedger.create({ epsilon: 1.5 });
      const ctx = { ...station.ctx, privacy: { ledger, random: seededRandomSource('count-dp') } };
      const parameters = { strata: [{ variable: 'sex' }], privacy: { epsilon: 1 } };
      const { output, disclosure } = await runStationHalf(ctx, {
        algorithm: ref,
        parameters,
        round: 0,
        state: null,
      });
      expect(disclosure.privacySpent).toEqual({ epsilon: 1 });
      expect(disclosure.actions).toContainEqual(
        expect.objectContaining({ path: '/persons', action: 'noised' }),
      );
      expect(ledger.spent.epsilon).toBe(1);
      for (const { value } of releasedCounts(output)) expect(value % 5).toBe(0);
    } finally {
      await station.close();
    }
  });

  it('refuses an over-budget request without spending, and a request without a budget', async () => {
    const station = await openTestStation(columns, rows);
    try {
      const ledger = BudgetLedger.create({ epsilon: 1 });
      expect(ledger.tryCharge({ epsilon: 0.6 }).ok).toBe(true);
      const ctx = { ...station.ctx, privacy: { ledger, random: seededRandomSource('count-dp') } };
      const task = { algorithm: ref, parameters: { privacy: { epsilon: 0.5 } }, round: 0, state: null };
      await expect(runStationHalf(ctx, task)).rejects.toMatchObject({ code: 'over-budget' });
      expect(ledger.spent.epsilon).toBe(0.6);
      expect(ledger.charges).toBe(1);
      await expect(runStationHalf(station.ctx, task)).rejects.toMatchObject({
        code: 'over-budget',
        message: expect.stringContaining('no privacy budget'),
      });
    } finally {
      await station.close();
    }
  });
});
