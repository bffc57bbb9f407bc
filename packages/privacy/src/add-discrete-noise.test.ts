import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleMoments, symmetricMoments, tolerances } from './_test-statistics.ts';
import { addDiscreteNoise } from './add-discrete-noise.ts';
import { BudgetLedger } from './budget-ledger.ts';
import { seededRandomSource } from './random-source.ts';

const n = 10_000;

describe('addDiscreteNoise()', () => {
  it('adds discrete Laplace noise of scale Δ/ε around the count', () => {
    const rng = seededRandomSource('noise-laplace');
    const options = { mechanism: 'laplace', epsilon: 0.5, sensitivity: 2 } as const;
    const results = Array.from({ length: n }, () => addDiscreteNoise(120, options, rng));
    expect(results[0]).toMatchObject({ mechanism: 'laplace', scale: 4, cost: { epsilon: 0.5, delta: 0 } });
    const noise = results.map((r) => r.value - 120);
    expect(noise.every((x) => Number.isInteger(x))).toBe(true);
    const expected = symmetricMoments((y) => Math.exp(-y / 4), 5000);
    const observed = sampleMoments(noise);
    const allowed = tolerances(expected, n);
    expect(Math.abs(observed.mean)).toBeLessThan(allowed.mean);
    expect(Math.abs(observed.variance - expected.variance)).toBeLessThan(allowed.variance);
  });

  it('adds discrete Gaussian noise whose variance matches the calibrated σ²', () => {
    const rng = seededRandomSource('noise-gaussian');
    const options = { mechanism: 'gaussian', epsilon: 1, delta: 1e-5 } as const;
    const results = Array.from({ length: n }, () => addDiscreteNoise(40n, options, rng));
    const first = results[0];
    if (first?.mechanism !== 'gaussian') throw new Error('expected a Gaussian result');
    // ρ = (√(1 + ln 1e5) − √ln 1e5)² ≈ 0.02082, σ² = 1/(2ρ) ≈ 24.02
    expect(first.sigmaSquared).toBeCloseTo(24.02, 1);
    expect(first.cost).toEqual({ epsilon: 1, delta: 1e-5 });
    const s2 = first.sigmaSquared;
    const expected = symmetricMoments((y) => Math.exp(-(y * y) / (2 * s2)), 1000);
    const observed = sampleMoments(results.map((r) => r.value - 40));
    const allowed = tolerances(expected, n);
    expect(Math.abs(observed.mean)).toBeLessThan(allowed.mean);
    expect(Math.abs(observed.variance - expected.variance)).toBeLessThan(allowed.variance);
  });

  it('calibrates σ² so that its zCDP converts to at most the asked (ε, δ), with almost no slack (property)', () => {
    const rng = seededRandomSource('noise-calibration');
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.double({ min: 1e-12, max: 0.1, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        (epsilon, delta, sensitivity) => {
          const result = addDiscreteNoise(0, { mechanism: 'gaussian', epsilon, delta, sensitivity }, rng);
          if (result.mechanism !== 'gaussian') return false;
          const rho = (sensitivity * sensitivity) / (2 * result.sigmaSquared);
          const implied = rho + 2 * Math.sqrt(rho * Math.log(1 / delta));
          expect(implied).toBeLessThanOrEqual(epsilon);
          expect(implied).toBeGreaterThan(epsilon * (1 - 1e-4));
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });

  it('returns a cost that a budget ledger charges', () => {
    const ledger = BudgetLedger.create({ epsilon: 1 });
    const rng = seededRandomSource('noise-ledger');
    const first = addDiscreteNoise(10, { mechanism: 'laplace', epsilon: 0.6 }, rng);
    expect(ledger.tryCharge(first.cost).ok).toBe(true);
    expect(ledger.tryCharge(first.cost)).toMatchObject({ ok: false, code: 'over-epsilon' });
  });

  it('refuses missing or out-of-range parameters', () => {
    const rng = seededRandomSource('noise-refusals');
    expect(() => addDiscreteNoise(5, { mechanism: 'gaussian', epsilon: 1 }, rng)).toThrow(
      /needs a delta in \(0, 1\)/,
    );
    expect(() => addDiscreteNoise(5, { mechanism: 'gaussian', epsilon: 1, delta: 1 }, rng)).toThrow(/delta/);
    expect(() => addDiscreteNoise(5, { mechanism: 'laplace', epsilon: 1, delta: 1e-5 }, rng)).toThrow(
      /takes no delta/,
    );
    expect(() => addDiscreteNoise(5, { mechanism: 'laplace', epsilon: 0 }, rng)).toThrow(/greater than 0/);
    expect(() => addDiscreteNoise(5, { mechanism: 'laplace', epsilon: -1 }, rng)).toThrow(/epsilon/);
    expect(() => addDiscreteNoise(5, { mechanism: 'laplace', epsilon: 1, sensitivity: 0.5 }, rng)).toThrow(
      /sensitivity must be a positive integer/,
    );
    expect(() => addDiscreteNoise(-5, { mechanism: 'laplace', epsilon: 1 }, rng)).toThrow(/non-negative/);
  });
});
