import type { RandomSource } from './random-source.ts';

/** A positive rational number `numerator / denominator` with positive integer parts. */
export interface Rational {
  readonly numerator: bigint | number;
  readonly denominator: bigint | number;
}

/** A rational with bigint parts, both > 0 (or numerator 0 where allowed). */
export interface ExactRational {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/**
 * Converts a number or a rational to an exact bigint rational. A number is taken at its exact binary
 * value (every double is a dyadic rational), so nothing is rounded.
 */
export function toExactRational(value: number | Rational, what: string): ExactRational {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`Cannot sample: ${what} must be a positive finite number, got ${value}`);
    }
    let scaled = value;
    let denominator = 1n;
    // Doubling a double is exact; at most 1074 steps reach an integer.
    while (!Number.isInteger(scaled)) {
      scaled *= 2;
      denominator *= 2n;
    }
    return { numerator: BigInt(scaled), denominator };
  }
  const numerator = toPositiveBigInt(value.numerator, `${what}'s numerator`);
  const denominator = toPositiveBigInt(value.denominator, `${what}'s denominator`);
  return { numerator, denominator };
}

function toPositiveBigInt(value: bigint | number, what: string): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`Cannot sample: ${what} must be a positive integer, got ${value}`);
  }
  const big = BigInt(value);
  if (big <= 0n) throw new RangeError(`Cannot sample: ${what} must be a positive integer, got ${value}`);
  return big;
}

const two32 = 2n ** 32n;

/** A uniformly random integer in [0, n), by rejection sampling (no modulo bias). `n` ≥ 1. */
export function uniformBelow(n: bigint, rng: RandomSource): bigint {
  if (n <= two32) {
    const bound = Number(n);
    // The largest multiple of n that fits in 32 bits: draws at or above it are rejected.
    const limit = Math.floor(2 ** 32 / bound) * bound;
    for (;;) {
      const draw = rng.nextUint32();
      if (draw < limit) return BigInt(draw % bound);
    }
  }
  const bits = (n - 1n).toString(2).length;
  const words = Math.ceil(bits / 32);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    let draw = 0n;
    for (let i = 0; i < words; i++) draw = (draw << 32n) | BigInt(rng.nextUint32());
    draw &= mask;
    if (draw < n) return draw;
  }
}

/** Bernoulli(numerator / denominator), for 0 ≤ numerator ≤ denominator. */
export function bernoulli(numerator: bigint, denominator: bigint, rng: RandomSource): boolean {
  return uniformBelow(denominator, rng) < numerator;
}

/**
 * Bernoulli(exp(−γ)) for a rational γ = numerator / denominator ≥ 0, exactly, with no floating point
 * (Canonne, Kamath & Steinke 2020, Algorithm 1). For γ ≤ 1 it draws Bernoulli(γ/k) for k = 1, 2, … until
 * one fails and answers whether that k is odd; for γ > 1 it needs ⌊γ⌋ successes of Bernoulli(exp(−1))
 * and one of Bernoulli(exp(−(γ − ⌊γ⌋))).
 */
export function bernoulliExpMinus(numerator: bigint, denominator: bigint, rng: RandomSource): boolean {
  if (numerator <= denominator) {
    let k = 1n;
    while (bernoulli(numerator, denominator * k, rng)) k += 1n;
    return k % 2n === 1n;
  }
  const whole = numerator / denominator;
  for (let i = 0n; i < whole; i++) {
    if (!bernoulliExpMinus(1n, 1n, rng)) return false;
  }
  return bernoulliExpMinus(numerator % denominator, denominator, rng);
}

/** ⌊√n⌋ for a bigint n ≥ 0 (Newton's method). */
export function integerSqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // The float estimate can be off for large n; Newton steps converge from above.
  if (x * x > n || (x + 1n) * (x + 1n) <= n) {
    x = n;
    let y = (x + 1n) / 2n;
    while (y < x) {
      x = y;
      y = (x + n / x) / 2n;
    }
  }
  return x;
}

/** Converts a bigint sample to a number, refusing values outside the safe range. */
export function toSafeNumber(value: bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`Cannot sample: ${value} is outside the safe range`);
  return n;
}
