import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlCount, controlledValue } from './control-count.ts';
import { resolveDisclosurePolicy } from './disclosure-policy.ts';

const policies = fc
  .record({
    minCount: fc.integer({ min: 8, max: 30 }),
    roundTo: fc.integer({ min: 1, max: 6 }).map((k) => k * 5),
    minSummaryRecords: fc.integer({ min: 10, max: 50 }),
  })
  .map((options) => resolveDisclosurePolicy(options));

describe('controlCount()', () => {
  it('suppresses 1..7, releases 0, rounds the rest to the nearest 5', () => {
    expect(controlCount(0)).toEqual({ value: 0, suppressed: false });
    for (let n = 1; n <= 7; n++)
      expect(controlCount(n)).toEqual({ value: null, suppressed: true, reason: 'small-count' });
    expect(controlCount(8).value).toBe(10);
    expect(controlCount(12).value).toBe(10);
    expect(controlCount(13).value).toBe(15);
    expect(controlCount(1234n).value).toBe(1235);
  });

  it('withholds a count that a coarse rounding base would publish as 0', () => {
    expect(controlCount(8, resolveDisclosurePolicy({ roundTo: 20 }))).toEqual({
      value: null,
      suppressed: true,
      reason: 'rounds-to-zero',
    });
  });

  it('refuses negative, fractional and unsafe counts', () => {
    expect(() => controlCount(-1)).toThrow(/not a non-negative integer/);
    expect(() => controlCount(2.5)).toThrow(/not a non-negative integer/);
    expect(() => controlCount(2n ** 60n)).toThrow(/not a non-negative integer/);
  });

  it('releases no count in 1..7, nothing for a true count below minCount, and multiples of roundTo (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), policies, (n, policy) => {
        const value = controlledValue(n, policy);
        if (value === null) return n > 0;
        if (value === 0) return n === 0;
        return value > 7 && n >= policy.minCount && value % policy.roundTo === 0 && value % 5 === 0;
      }),
      { numRuns: 1000 },
    );
  });

  it('moves a count by at most half the rounding base (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 1_000_000 }), (n) => {
        const value = controlledValue(n);
        return value !== null && Math.abs(value - n) <= 2.5;
      }),
      { numRuns: 1000 },
    );
  });
});
