import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bernoulliExpMinus, integerSqrt, toExactRational, uniformBelow } from './_exact.ts';
import { seededRandomSource } from './random-source.ts';

describe('bernoulliExpMinus()', () => {
  it.each([
    [0n, 1n],
    [1n, 2n],
    [1n, 1n],
    [3n, 2n],
    [7n, 3n],
  ])('succeeds with probability exp(−%i/%i)', (numerator, denominator) => {
    const rng = seededRandomSource(`bexp-${numerator}/${denominator}`);
    const n = 20_000;
    let successes = 0;
    for (let i = 0; i < n; i++) if (bernoulliExpMinus(numerator, denominator, rng)) successes++;
    const p = Math.exp(-Number(numerator) / Number(denominator));
    // 5 binomial standard errors (0 when p = 1: every draw must succeed).
    expect(Math.abs(successes / n - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / n));
  });
});

describe('uniformBelow()', () => {
  it('stays in range for small and multi-word bounds (property)', () => {
    const rng = seededRandomSource('uniform');
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 100n }), (n) => {
        const x = uniformBelow(n, rng);
        return x >= 0n && x < n;
      }),
    );
  });

  it('hits every value of a small range about equally often', () => {
    const rng = seededRandomSource('uniform-3');
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[Number(uniformBelow(3n, rng))]! += 1;
    // binomial(30000, 1/3): 5 standard errors ≈ 408
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(408);
  });
});

describe('integerSqrt()', () => {
  it('is the floor of the square root (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 200n }), (n) => {
        const r = integerSqrt(n);
        return r * r <= n && (r + 1n) * (r + 1n) > n;
      }),
    );
  });
});

describe('toExactRational()', () => {
  it('takes a number at its exact binary value', () => {
    expect(toExactRational(2.5, 'x')).toEqual({ numerator: 5n, denominator: 2n });
    expect(toExactRational(3, 'x')).toEqual({ numerator: 3n, denominator: 1n });
    const tenth = toExactRational(0.1, 'x');
    expect(Number(tenth.numerator) / Number(tenth.denominator)).toBe(0.1);
  });

  it('refuses zero, negative, non-finite and non-integer parts', () => {
    expect(() => toExactRational(0, 'scale')).toThrow(/scale must be a positive finite number/);
    expect(() => toExactRational(Number.POSITIVE_INFINITY, 'scale')).toThrow(/positive finite/);
    expect(() => toExactRational({ numerator: 1, denominator: 0 }, 'scale')).toThrow(/denominator/);
    expect(() => toExactRational({ numerator: 1.5, denominator: 2 }, 'scale')).toThrow(/numerator/);
  });
});
