import { bernoulliExpMinus, integerSqrt, toExactRational, toSafeNumber, type Rational } from './_exact.ts';
import { discreteLaplace } from './discrete-laplace.ts';
import { cryptoRandomSource, type RandomSource } from './random-source.ts';

/**
 * Draws from the discrete Gaussian on the integers with parameter σ²:
 * P[Y = y] ∝ exp(−y² / (2σ²)). Exact: integer and rational arithmetic only, following Canonne, Kamath &
 * Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020), Algorithm 3 — discrete
 * Laplace proposals with scale t = ⌊σ⌋ + 1, accepted with probability exp(−(|y| − σ²/t)² / (2σ²)).
 * Its variance is at most σ², and indistinguishable from σ² for σ ≥ 1 (op. cit., section 2).
 *
 * @param sigmaSquared σ² > 0, as a number (taken at its exact binary value) or a rational
 * @param rng randomness; @default cryptoRandomSource()
 * @example
 * sampleDiscreteGaussian(25); // e.g. 4
 */
export function sampleDiscreteGaussian(
  sigmaSquared: number | Rational,
  rng: RandomSource = cryptoRandomSource(),
): number {
  const { numerator: p, denominator: q } = toExactRational(sigmaSquared, 'sigma²');
  // σ² = p/q, so ⌊σ⌋ = ⌊√⌊p/q⌋⌋.
  const t = integerSqrt(p / q) + 1n;
  for (;;) {
    const y = discreteLaplace(t, 1n, rng);
    const magnitude = y < 0n ? -y : y;
    // (|y| − σ²/t)² / (2σ²) = (|y|·q·t − p)² / (2·p·q·t²)
    const gap = magnitude * q * t - p;
    if (bernoulliExpMinus(gap * gap, 2n * p * q * t * t, rng)) return toSafeNumber(y);
  }
}
