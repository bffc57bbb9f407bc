import { describe, expect, it } from 'vitest';
import { sampleMoments, symmetricMoments, tolerances } from './_test-statistics.ts';
import { sampleDiscreteGaussian } from './discrete-gaussian.ts';
import { seededRandomSource } from './random-source.ts';

const n = 20_000;

describe('sampleDiscreteGaussian()', () => {
  it.each([
    ['0.5', 0.5, 0.5],
    ['2', 2, 2],
    ['100/3', { numerator: 100, denominator: 3 }, 100 / 3],
    ['400', 400, 400],
  ] as const)('has mean 0 and the variance of its mass function at σ² = %s', (_, sigmaSquared, s2) => {
    const rng = seededRandomSource(`gaussian-${s2}`);
    const samples = Array.from({ length: n }, () => sampleDiscreteGaussian(sigmaSquared, rng));
    expect(samples.every((x) => Number.isInteger(x))).toBe(true);
    const expected = symmetricMoments((y) => Math.exp(-(y * y) / (2 * s2)), 2000);
    const observed = sampleMoments(samples);
    const allowed = tolerances(expected, n);
    expect(Math.abs(observed.mean)).toBeLessThan(allowed.mean);
    expect(Math.abs(observed.variance - expected.variance)).toBeLessThan(allowed.variance);
  });

  it('is symmetric and matches the mass function at 0 and ±1', () => {
    const s2 = 9;
    const rng = seededRandomSource('gaussian-symmetry');
    const samples = Array.from({ length: n }, () => sampleDiscreteGaussian(s2, rng));
    const positive = samples.filter((x) => x > 0).length;
    const negative = samples.filter((x) => x < 0).length;
    expect(Math.abs(positive - negative)).toBeLessThan(5 * Math.sqrt(positive + negative));
    let normaliser = 0;
    for (let y = -200; y <= 200; y++) normaliser += Math.exp(-(y * y) / (2 * s2));
    for (const y of [0, 1, -1]) {
      const p = Math.exp(-(y * y) / (2 * s2)) / normaliser;
      const observed = samples.filter((x) => x === y).length / n;
      expect(Math.abs(observed - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    }
  });

  it('refuses σ² that is not positive', () => {
    expect(() => sampleDiscreteGaussian(-1)).toThrow(/sigma² must be a positive finite number/);
  });
});
