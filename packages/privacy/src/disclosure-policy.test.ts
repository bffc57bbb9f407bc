import { describe, expect, it } from 'vitest';
import { defaultDisclosurePolicy, resolveDisclosurePolicy } from './disclosure-policy.ts';

describe('resolveDisclosurePolicy()', () => {
  it('returns the platform defaults when given nothing', () => {
    expect(resolveDisclosurePolicy()).toEqual({ minCount: 8, roundTo: 5, minSummaryRecords: 10 });
    expect(Object.isFrozen(resolveDisclosurePolicy())).toBe(true);
    expect(Object.isFrozen(defaultDisclosurePolicy)).toBe(true);
  });

  it('accepts stricter thresholds', () => {
    expect(resolveDisclosurePolicy({ minCount: 11, roundTo: 10, minSummaryRecords: 20 })).toEqual({
      minCount: 11,
      roundTo: 10,
      minSummaryRecords: 20,
    });
  });

  it('refuses to loosen any threshold below its floor', () => {
    expect(() => resolveDisclosurePolicy({ minCount: 5 })).toThrow(
      /minCount 5 is below the platform floor of 8/,
    );
    expect(() => resolveDisclosurePolicy({ roundTo: 1 })).toThrow(/roundTo 1 is below/);
    expect(() => resolveDisclosurePolicy({ minSummaryRecords: 3 })).toThrow(/minSummaryRecords/);
  });

  it('refuses rounding bases that are not multiples of 5 and non-integers', () => {
    expect(() => resolveDisclosurePolicy({ roundTo: 7 })).toThrow(/not a multiple of 5/);
    expect(() => resolveDisclosurePolicy({ minCount: 8.5 })).toThrow(/must be an integer/);
    expect(() => resolveDisclosurePolicy({ minCount: Number.NaN })).toThrow(/must be an integer/);
  });
});
