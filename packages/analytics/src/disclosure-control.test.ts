import fc from 'fast-check';
import { defaultDisclosurePolicy, resolveDisclosurePolicy } from '@polder/privacy';
import { describe, expect, it } from 'vitest';
import { controlOutput } from './disclosure-control.ts';
import { indexTuples } from './_protect-lines.ts';
import { releasedCounts } from './_test-station.ts';

const policy = defaultDisclosurePolicy;

describe('controlOutput()', () => {
  it('refuses a part of a kind the algorithm did not declare', () => {
    expect(() => controlOutput({ persons: { kind: 'count', value: 3 } }, ['table'], policy)).toThrow(
      /kind "count", which the algorithm does not declare/,
    );
  });

  it('refuses fields outside the kind and non-finite numbers, instead of passing them on', () => {
    expect(() =>
      controlOutput({ persons: { kind: 'count', value: 30, ids: [1, 2] } }, ['count'], policy),
    ).toThrow(/not a valid count output/);
    expect(() =>
      controlOutput(
        { s: { kind: 'summary', variable: 'x', n: 20, mean: Number.NaN, sd: 1, quantiles: [] } },
        ['summary'],
        policy,
      ),
    ).toThrow(/not a valid summary output/);
    expect(() => controlOutput([{ kind: 'count', value: 30 }], ['count'], policy)).toThrow(/named parts/);
  });

  it('suppresses, rounds and reports with JSON pointers', () => {
    const { output, actions } = controlOutput(
      {
        persons: {
          kind: 'table',
          dimensions: ['sex'],
          levels: [['female', 'male', 'other']],
          counts: [52, 46, 3],
        },
      },
      ['table'],
      policy,
    );
    // 'other' (3 records) is not named; 46 is withheld with it so that 3 cannot be recovered from a total.
    expect(output['persons']).toEqual({
      kind: 'table',
      dimensions: ['sex'],
      levels: [['female', 'male']],
      counts: [50, null],
      total: 50,
    });
    expect(actions).toContainEqual({
      path: '/persons/counts/1',
      action: 'suppressed',
      reason: expect.stringContaining('secondary'),
    });
    expect(actions).toContainEqual(
      expect.objectContaining({ path: '/persons/levels/0', action: 'withheld' }),
    );
  });

  it('applies a stricter station policy', () => {
    const strict = resolveDisclosurePolicy({ minCount: 11, roundTo: 10 });
    const { output } = controlOutput({ persons: { kind: 'count', value: 10 } }, ['count'], strict);
    expect(output['persons']).toEqual({ kind: 'count', value: null });
  });

  it('never releases a count of 1..7 from a three-way table, and every line hides 0 or ≥ 8', () => {
    const shape = fc.tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 2, max: 4 }),
    );
    fc.assert(
      fc.property(
        shape.chain((s) =>
          fc.tuple(
            fc.constant(s),
            fc.array(fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 60 })), {
              minLength: s[0] * s[1] * s[2],
              maxLength: s[0] * s[1] * s[2],
            }),
          ),
        ),
        ([s, counts]) => {
          const levels = s.map((n, d) => Array.from({ length: n }, (_, i) => `d${d}l${i}`));
          const { output } = controlOutput(
            { t: { kind: 'table', dimensions: ['a', 'b', 'c'], levels, counts } },
            ['table'],
            policy,
          );
          for (const { value } of releasedCounts(output)) expect(value >= 1 && value <= 7).toBe(false);
          const t = output['t'];
          if (t?.kind !== 'table') throw new Error('expected a table');
          // Map the released cells back onto the full table; cells of levels left out count as hidden.
          const kept = t.levels.map((ls) => ls.map((l) => Number(l.slice(l.indexOf('l') + 1))));
          const released = new Map<string, number | null>();
          indexTuples(kept.map((k) => k.length)).forEach((tuple, i) => {
            released.set(tuple.map((v, d) => kept[d]?.[v]).join(','), t.counts[i] ?? null);
          });
          const full = indexTuples(s);
          // Along every axis, a line whose hidden non-zero cells are not 0, or ≥ 2 holding ≥ 8, would let
          // someone who knows its true margin recover a small count — unless it releases no non-zero cell.
          for (let axis = 0; axis < 3; axis++) {
            const lines = new Map<string, { hidden: number[]; releasedNonZero: boolean }>();
            full.forEach((tuple, i) => {
              const key = tuple.map((v, d) => (d === axis ? '*' : v)).join(',');
              const line = lines.get(key) ?? { hidden: [], releasedNonZero: false };
              const value = released.get(tuple.join(','));
              const count = counts[i] ?? 0;
              if ((value === null || value === undefined) && count > 0) line.hidden.push(count);
              if (value !== null && value !== undefined && value > 0) line.releasedNonZero = true;
              lines.set(key, line);
            });
            for (const { hidden, releasedNonZero } of lines.values()) {
              const sum = hidden.reduce((a, b) => a + b, 0);
              const protectedLine =
                hidden.length === 0 || (hidden.length >= 2 && sum >= 8) || !releasedNonZero;
              expect(protectedLine).toBe(true);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('releases survival steps only while 8 are at risk, in blocks of 10 events', () => {
    const steps = Array.from({ length: 40 }, (_, i) => ({
      time: i + 1,
      events: i % 3 === 0 ? 2 : 1,
      censored: i % 5 === 0 ? 1 : 0,
    }));
    const persons = steps.reduce((s, x) => s + x.events + x.censored, 0) + 2;
    const { output } = controlOutput(
      { curve: { kind: 'survival-curve', variable: 'death', groups: [{ label: null, persons, steps }] } },
      ['survival-curve'],
      policy,
    );
    const curve = output['curve'];
    if (curve?.kind !== 'survival-curve') throw new Error('expected a curve');
    const group = curve.groups[0];
    expect(group?.persons).toBe(Math.floor((persons + 2.5) / 5) * 5);
    for (const step of group?.steps ?? []) {
      expect(step.events % 10).toBe(0);
      expect(step.censored % 10).toBe(0);
    }
    // True at-risk before the step at `releasedUntil` is ≥ 8, and below 8 at the next step.
    let atRisk = persons;
    for (const s of steps) {
      if (s.time === group?.releasedUntil) {
        expect(atRisk).toBeGreaterThanOrEqual(8);
        expect(atRisk - s.events - s.censored).toBeLessThan(8);
      }
      atRisk -= s.events + s.censored;
    }
  });
});
