import { describe, expect, it } from 'vitest';
import { sampleMoments, symmetricMoments, tolerances } from './_test-statistics.ts';
import { sampleDiscreteLaplace } from './discrete-laplace.ts';
import { seededRandomSource } from './random-source.ts';

const n = 20_000;

describe('sampleDiscreteLaplace()', () => {
  it.each([
    ['3', 3, 3],
    ['5/2', { numerator: 5, denominator: 2 }, 2.5],
    ['0.5', 0.5, 0.5],
    ['20', { numerator: 20n, denominator: 1n }, 20],
  ] as const)('has mean 0 and the variance of its mass function at scale %s', (_, scale, t) => {
    const rng = seededRandomSource(`laplace-${t}`);
    const samples = Array.from({ length: n }, () => sampleDiscreteLaplace(scale, rng));
    expect(samples.every((x) => Number.isInteger(x))).toBe(true);
    const expected = symmetricMoments((y) => Math.exp(-y / t), 5000);
    // Closed form: 2e^(−1/t) / (1 − e^(−1/t))²
    const q = Math.exp(-1 / t);
    expect(expected.variance).toBeCloseTo((2 * q) / (1 - q) ** 2, 6);
    const observed = sampleMoments(samples);
    const allowed = tolerances(expected, n);
    expect(Math.abs(observed.mean)).toBeLessThan(allowed.mean);
    expect(Math.abs(observed.variance - expected.variance)).toBeLessThan(allowed.variance);
  });

  it('is symmetric and puts the right mass on 0', () => {
    const t = 4;
    const rng = seededRandomSource('laplace-symmetry');
    const samples = Array.from({ length: n }, () => sampleDiscreteLaplace(t, rng));
    const positive = samples.filter((x) => x > 0).length;
    const negative = samples.filter((x) => x < 0).length;
    // Among non-zero draws, the sign is a fair coin: 5 standard errors.
    expect(Math.abs(positive - negative)).toBeLessThan(5 * Math.sqrt(positive + negative));
    const q = Math.exp(-1 / t);
    const p0 = (1 - q) / (1 + q);
    const zeros = n - positive - negative;
    expect(Math.abs(zeros / n - p0)).toBeLessThan(5 * Math.sqrt((p0 * (1 - p0)) / n));
  });

  it('repeats its draws for the same seed', () => {
    const draws = (seed: string) => {
      const rng = seededRandomSource(seed);
      return Array.from({ length: 50 }, () => sampleDiscreteLaplace(2, rng));
    };
    expect(draws('x')).toEqual(draws('x'));
    expect(draws('x')).not.toEqual(draws('y'));
  });

  it('refuses a scale that is not positive', () => {
    expect(() => sampleDiscreteLaplace(0)).toThrow(/scale must be a positive finite number/);
    expect(() => sampleDiscreteLaplace({ numerator: -1, denominator: 2 })).toThrow(/positive integer/);
  });
});
