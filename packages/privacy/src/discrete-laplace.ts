import {
  bernoulli,
  bernoulliExpMinus,
  toExactRational,
  toSafeNumber,
  uniformBelow,
  type Rational,
} from './_exact.ts';
import { cryptoRandomSource, type RandomSource } from './random-source.ts';

/**
 * Draws from the discrete Laplace distribution on the integers with the given scale t:
 * P[Y = y] ∝ exp(−|y| / t). Exact: integer and rational arithmetic only, no floating point, following
 * Canonne, Kamath & Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020), Algorithm 2.
 * Adding it to an integer query of sensitivity Δ with t = Δ/ε is ε-differentially private.
 *
 * @param scale t > 0, as a number (taken at its exact binary value) or a rational `{ numerator, denominator }`
 * @param rng randomness; @default cryptoRandomSource()
 * @example
 * sampleDiscreteLaplace({ numerator: 10, denominator: 1 }); // e.g. -3
 */
export function sampleDiscreteLaplace(
  scale: number | Rational,
  rng: RandomSource = cryptoRandomSource(),
): number {
  const { numerator: t, denominator: s } = toExactRational(scale, 'scale');
  return toSafeNumber(discreteLaplace(t, s, rng));
}

/** Discrete Laplace with scale t/s as a bigint (for the discrete Gaussian's proposals). */
export function discreteLaplace(t: bigint, s: bigint, rng: RandomSource): bigint {
  for (;;) {
    // A geometric variable with parameter exp(−1/t), built as U + t·V from its remainder and quotient by t.
    const u = uniformBelow(t, rng);
    if (!bernoulliExpMinus(u, t, rng)) continue;
    let v = 0n;
    while (bernoulliExpMinus(1n, 1n, rng)) v += 1n;
    // Dividing by s turns scale t into scale t/s.
    const y = (u + t * v) / s;
    const negative = bernoulli(1n, 2n, rng);
    // −0 and +0 would count zero twice.
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}
