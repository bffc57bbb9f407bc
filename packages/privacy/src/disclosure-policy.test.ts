import { describe, expect, it } from 'vitest';
import { defaultDisclosurePolicy, resolveDisclosurePolicy } from './disclosure-policy.ts';

describe('resolveDisclosurePolicy()', () => {
  it('returns the platform defaults when given nothing', () => {
    expect(resolveDisclosurePolicy()).toEqual({
      minCount: 8,
      roundTo: 5,
      minSummaryRecords: 10,
      glmParameterRatio: 0.33,
      kmMinAtRisk: 8,
    });
    expect(Object.isFrozen(resolveDisclosurePolicy())).toBe(true);
    expect(Object.isFrozen(defaultDisclosurePolicy)).toBe(true);
  });

  it('accepts stricter thresholds', () => {
    expect(
      resolveDisclosurePolicy({
        minCount: 11,
        roundTo: 10,
        minSummaryRecords: 20,
        glmParameterRatio: 0.2,
        kmMinAtRisk: 12,
      }),
    ).toEqual({ minCount: 11, roundTo: 10, minSummaryRecords: 20, glmParameterRatio: 0.2, kmMinAtRisk: 12 });
  });

  it('refuses to loosen any threshold below its floor', () => {
    expect(() => resolveDisclosurePolicy({ minCount: 5 })).toThrow(
      /minCount 5 is below the platform floor of 8/,
    );
    expect(() => resolveDisclosurePolicy({ roundTo: 1 })).toThrow(/roundTo 1 is below/);
    expect(() => resolveDisclosurePolicy({ minSummaryRecords: 3 })).toThrow(/minSummaryRecords/);
    expect(() => resolveDisclosurePolicy({ kmMinAtRisk: 7 })).toThrow(
      /kmMinAtRisk 7 is below the platform floor of 8/,
    );
  });

  it('refuses a GLM parameter ratio above 0.33 or not positive', () => {
    expect(() => resolveDisclosurePolicy({ glmParameterRatio: 0.34 })).toThrow(
      /glmParameterRatio 0.34 is above the platform ceiling of 0.33.*never loosen/,
    );
    expect(() => resolveDisclosurePolicy({ glmParameterRatio: 0 })).toThrow(/must be a positive number/);
    expect(() => resolveDisclosurePolicy({ glmParameterRatio: Number.NaN })).toThrow(/positive number/);
  });

  it('refuses rounding bases that are not multiples of 5 and non-integers', () => {
    expect(() => resolveDisclosurePolicy({ roundTo: 7 })).toThrow(/not a multiple of 5/);
    expect(() => resolveDisclosurePolicy({ minCount: 8.5 })).toThrow(/must be an integer/);
    expect(() => resolveDisclosurePolicy({ minCount: Number.NaN })).toThrow(/must be an integer/);
    expect(() => resolveDisclosurePolicy({ kmMinAtRisk: 9.5 })).toThrow(/must be an integer/);
  });
});
