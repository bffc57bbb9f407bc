import { describe, expect, it } from 'vitest';
import {
  chiSquareSurvival,
  logGamma,
  normalQuantile,
  normalSurvival,
  tQuantile,
  tSurvival,
} from './_distributions.ts';

// Reference values are textbook table entries and closed forms, not outputs of this code.
describe('distribution functions', () => {
  it('logGamma() matches factorials and Γ(1/2) = √π', () => {
    expect(logGamma(10)).toBeCloseTo(Math.log(362_880), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });

  it('normalSurvival() gives the familiar tail areas', () => {
    expect(normalSurvival(1.959963984540054)).toBeCloseTo(0.025, 13);
    expect(normalSurvival(0)).toBeCloseTo(0.5, 14);
    expect(normalSurvival(-1)).toBeCloseTo(0.8413447460685429, 13);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 10);
  });

  it('tSurvival() agrees with closed forms for 1 and 2 degrees of freedom', () => {
    // df = 1 is Cauchy: P(T > t) = 1/2 − atan(t)/π; df = 2: P(T > t) = (1 − t/√(t²+2))/2.
    for (const t of [0.3, 1, 2.5, 10]) {
      expect(tSurvival(t, 1)).toBeCloseTo(0.5 - Math.atan(t) / Math.PI, 12);
      expect(tSurvival(t, 2)).toBeCloseTo((1 - t / Math.sqrt(t * t + 2)) / 2, 12);
    }
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.228138851986273, 9);
  });

  it('chiSquareSurvival() agrees with closed forms for 2 degrees of freedom and the 5% point of 1', () => {
    // df = 2 is exponential with mean 2: P(X > x) = exp(−x/2).
    for (const x of [0.1, 1, 5, 40]) expect(chiSquareSurvival(x, 2)).toBeCloseTo(Math.exp(-x / 2), 13);
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
  });
});
