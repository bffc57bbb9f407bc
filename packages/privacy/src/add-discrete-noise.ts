import { toCount } from './control-count.ts';
import { decimalFromNumber } from './_decimal.ts';
import { sampleDiscreteGaussian } from './discrete-gaussian.ts';
import { sampleDiscreteLaplace } from './discrete-laplace.ts';
import { cryptoRandomSource, type RandomSource } from './random-source.ts';

/** How to add noise to a count; see {@linkcode addDiscreteNoise} for the calibration. */
export interface DiscreteNoiseOptions {
  readonly mechanism: 'laplace' | 'gaussian';
  /** ε > 0. */
  readonly epsilon: number;
  /** δ in (0, 1); required for the Gaussian mechanism, not allowed for Laplace (pure ε-DP). */
  readonly delta?: number;
  /** How much one person can change the count, a positive integer. @default 1 */
  readonly sensitivity?: number;
}

/** A noisy count with the noise's parameters and the privacy it cost. */
export type NoisyCount =
  | {
      /** count + noise; may be negative or not a multiple of anything — post-processing is free. */
      readonly value: number;
      readonly mechanism: 'laplace';
      /** The discrete Laplace scale t = Δ/ε (noise variance 2e^(−1/t)/(1 − e^(−1/t))²). */
      readonly scale: number;
      readonly cost: { readonly epsilon: number; readonly delta: 0 };
    }
  | {
      readonly value: number;
      readonly mechanism: 'gaussian';
      /** The discrete Gaussian's σ² (its variance is at most σ²). */
      readonly sigmaSquared: number;
      /** The zero-concentrated DP the noise gives: ρ = Δ²/(2σ²). */
      readonly rho: number;
      readonly cost: { readonly epsilon: number; readonly delta: number };
    };

/** Grid that σ² is rounded up to, so that its rational stays small while never adding less noise. */
const sigmaGrid = 2 ** 20;
/** Headroom against the floating-point error of the calibration's logarithm and square roots. */
const sigmaHeadroom = 1 + 1e-9;

/**
 * Adds discrete noise to a count for differential privacy. Calibration:
 *
 * - **Laplace** (ε-DP): discrete Laplace with scale t = Δ/ε, computed exactly from the decimal ε
 *   (Canonne, Kamath & Steinke 2020, section 1; the geometric mechanism of Ghosh, Roughgarden &
 *   Sundararajan 2009).
 * - **Gaussian** ((ε, δ)-DP): discrete Gaussian with σ² = Δ²/(2ρ), which is ρ-zCDP (Canonne, Kamath &
 *   Steinke 2020, Theorem 14), where ρ = (√(ε + ln(1/δ)) − √ln(1/δ))² is the largest ρ for which ρ-zCDP
 *   implies (ρ + 2√(ρ·ln(1/δ)), δ)-DP = (ε, δ)-DP (Bun & Steinke 2016, Proposition 1.3). This conversion is
 *   conservative (CKS20's exact bound, Theorem 7, would allow a little less noise). σ² is rounded up.
 *
 * The returned `cost` is what to charge to the permit's {@linkcode BudgetLedger} — before releasing.
 *
 * @param rng randomness; @default cryptoRandomSource() — a seeded source makes the noise known to whoever
 *   knows the seed
 * @example
 * const noisy = addDiscreteNoise(120, { mechanism: 'laplace', epsilon: 0.5 });
 * // { value: 118, mechanism: 'laplace', scale: 2, cost: { epsilon: 0.5, delta: 0 } }
 */
export function addDiscreteNoise(
  count: number | bigint,
  options: DiscreteNoiseOptions,
  rng: RandomSource = cryptoRandomSource(),
): NoisyCount {
  const n = toCount(count);
  const sensitivity = options.sensitivity ?? 1;
  if (!Number.isSafeInteger(sensitivity) || sensitivity < 1) {
    throw new RangeError(`Cannot add noise: sensitivity must be a positive integer, got ${sensitivity}`);
  }
  const epsilon = decimalFromNumber(options.epsilon, 'epsilon');
  if (epsilon.units === 0n) throw new RangeError('Cannot add noise: epsilon must be greater than 0');

  if (options.mechanism === 'laplace') {
    if (options.delta !== undefined && options.delta !== 0) {
      throw new RangeError('Cannot add noise: the Laplace mechanism is pure ε-DP and takes no delta');
    }
    // t = Δ / (units / 10^scale), exactly.
    const numerator = BigInt(sensitivity) * 10n ** BigInt(epsilon.scale);
    const noise = sampleDiscreteLaplace({ numerator, denominator: epsilon.units }, rng);
    return {
      value: n + noise,
      mechanism: 'laplace',
      scale: sensitivity / options.epsilon,
      cost: { epsilon: options.epsilon, delta: 0 },
    };
  }
  if (options.mechanism !== 'gaussian') {
    throw new RangeError(`Cannot add noise: unknown mechanism '${String(options.mechanism)}'`);
  }
  const delta = options.delta;
  if (delta === undefined || !Number.isFinite(delta) || delta <= 0 || delta >= 1) {
    throw new RangeError(
      `Cannot add noise: the Gaussian mechanism needs a delta in (0, 1), got ${String(delta)}`,
    );
  }
  const log = Math.log(1 / delta);
  const rho = (Math.sqrt(options.epsilon + log) - Math.sqrt(log)) ** 2;
  const gridUnits = Math.ceil(((sensitivity * sensitivity) / (2 * rho)) * sigmaHeadroom * sigmaGrid);
  const noise = sampleDiscreteGaussian({ numerator: BigInt(gridUnits), denominator: BigInt(sigmaGrid) }, rng);
  const sigmaSquared = gridUnits / sigmaGrid;
  return {
    value: n + noise,
    mechanism: 'gaussian',
    sigmaSquared,
    rho: (sensitivity * sensitivity) / (2 * sigmaSquared),
    cost: { epsilon: options.epsilon, delta },
  };
}
