import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlDistribution } from './control-distribution.ts';
import { resolveDisclosurePolicy } from './disclosure-policy.ts';

const policies = fc
  .record({ minCount: fc.integer({ min: 8, max: 20 }), roundTo: fc.constantFrom(5, 10, 25) })
  .map((options) => resolveDisclosurePolicy(options));

/** Small counts are the interesting ones: a third of cells fall in 1..7. */
const count = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 8, max: 500 }));
const distributions = fc
  .array(count, { minLength: 1, maxLength: 8 })
  .map((counts) => counts.map((c, i) => ({ key: `k${i}`, count: c })));

describe('controlDistribution()', () => {
  it('rounds each cell and recomputes the total from the rounded cells', () => {
    const result = controlDistribution({ female: 52, male: 46, other: 0 });
    expect(result.cells).toEqual([
      { key: 'female', value: 50, suppressed: false },
      { key: 'male', value: 45, suppressed: false },
      { key: 'other', value: 0, suppressed: false },
    ]);
    expect(result.total).toBe(95);
    expect(result.suppressed).toEqual([]);
  });

  it('withholds the next smallest cell with a small one (secondary suppression)', () => {
    const result = controlDistribution({ female: 52, male: 46, unknown: 3 });
    expect(result.cells).toEqual([
      { key: 'female', value: 50, suppressed: false },
      { key: 'male', value: null, suppressed: true, reason: 'secondary' },
      { key: 'unknown', value: null, suppressed: true, reason: 'small-count' },
    ]);
    expect(result.total).toBe(50);
    expect(result.suppressed).toEqual(['male', 'unknown']);
  });

  it('keeps two small cells that together reach the minimum without a third', () => {
    const result = controlDistribution([
      { key: 'a', count: 100 },
      { key: 'b', count: 4 },
      { key: 'c', count: 5 },
    ]);
    expect(result.suppressed).toEqual(['b', 'c']);
    expect(result.total).toBe(100);
  });

  it('gives no total when every non-zero cell is withheld', () => {
    expect(controlDistribution({ a: 3, b: 0 }).total).toBeNull();
    expect(controlDistribution({ a: 0, b: 0 }).total).toBe(0);
  });

  it('refuses a key given twice', () => {
    expect(() =>
      controlDistribution([
        { key: 'a', count: 1 },
        { key: 'a', count: 2 },
      ]),
    ).toThrow(/appears twice/);
  });

  it('releases no count in 1..minCount-1, only multiples of roundTo, and a total that is their sum (property)', () => {
    fc.assert(
      fc.property(distributions, policies, (cells, policy) => {
        const result = controlDistribution(cells, policy);
        const released = result.cells.filter((c) => !c.suppressed).map((c) => c.value ?? 0);
        for (const value of released) {
          if (value > 0 && value <= 7) return false;
          if (value % policy.roundTo !== 0) return false;
        }
        if (result.total !== null) {
          if (result.total !== released.reduce((s, v) => s + v, 0)) return false;
          if (result.total > 0 && result.total <= 7) return false;
        }
        return true;
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves a suppressed cell underivable even from the true total and exact released cells (property)', () => {
    fc.assert(
      fc.property(distributions, policies, (cells, policy) => {
        const result = controlDistribution(cells, policy);
        const trueOf = new Map(cells.map((c) => [c.key, c.count]));
        const suppressed = result.cells.filter((c) => c.suppressed);
        // An attacker with the true total (publishable when it reaches minCount) and every released cell's
        // true count learns exactly this sum.
        const trueTotal = cells.reduce((s, c) => s + c.count, 0);
        const hiddenSum = suppressed.reduce((s, c) => s + (trueOf.get(c.key) ?? 0), 0);
        if (trueTotal >= policy.minCount && hiddenSum !== 0 && hiddenSum < policy.minCount) return false;
        // A total that could not be published itself leaves nothing released.
        if (trueTotal > 0 && trueTotal < policy.minCount && result.total !== null) return false;
        // A suppressed small count never stands alone, unless the only other cells hold nothing.
        const small = suppressed.filter((c) => c.reason === 'small-count');
        const nonZeroOthers = cells.filter((c) => c.count > 0).length;
        if (small.length > 0 && suppressed.length < 2 && nonZeroOthers > 1) return false;
        return true;
      }),
      { numRuns: 1000 },
    );
  });
});
