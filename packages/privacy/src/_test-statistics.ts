/**
 * Helpers for the samplers' tests: moments of a distribution computed from its probability mass function
 * (independently of the sampler), and sample moments. Test-only; not exported from the package.
 */
export interface Moments {
  readonly mean: number;
  readonly variance: number;
  /** E[(Y − mean)⁴], for the standard error of the sample variance. */
  readonly fourth: number;
}

/** Moments of a symmetric distribution on the integers given its unnormalised weights w(|y|). */
export function symmetricMoments(weight: (magnitude: number) => number, limit: number): Moments {
  let total = weight(0);
  let second = 0;
  let fourth = 0;
  for (let y = 1; y <= limit; y++) {
    const w = 2 * weight(y);
    total += w;
    second += w * y * y;
    fourth += w * y ** 4;
  }
  return { mean: 0, variance: second / total, fourth: fourth / total };
}

/** Sample mean and variance (n − 1 denominator). */
export function sampleMoments(samples: readonly number[]): { mean: number; variance: number } {
  const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
  const variance = samples.reduce((s, x) => s + (x - mean) ** 2, 0) / (samples.length - 1);
  return { mean, variance };
}

/**
 * Allowed deviations at `z` standard errors: of the sample mean, √(σ²/n); of the sample variance,
 * √((μ₄ − σ⁴)/n). At z = 5 a correct sampler fails with probability below 10⁻⁶ per check.
 */
export function tolerances(moments: Moments, n: number, z = 5): { mean: number; variance: number } {
  return {
    mean: z * Math.sqrt(moments.variance / n),
    variance: z * Math.sqrt((moments.fourth - moments.variance ** 2) / n),
  };
}
