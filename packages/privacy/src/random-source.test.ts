import { describe, expect, it } from 'vitest';
import { cryptoRandomSource, seededRandomSource } from './random-source.ts';

const draw = (rng: { nextUint32(): number }, n: number): number[] =>
  Array.from({ length: n }, () => rng.nextUint32());

describe('seededRandomSource()', () => {
  it('repeats the same stream for the same seed and differs across seeds', () => {
    expect(draw(seededRandomSource('a'), 2000)).toEqual(draw(seededRandomSource('a'), 2000));
    expect(draw(seededRandomSource('a'), 10)).not.toEqual(draw(seededRandomSource('b'), 10));
    expect(draw(seededRandomSource(1), 10)).not.toEqual(draw(seededRandomSource('1'), 10));
  });

  it('gives 32-bit unsigned integers with balanced bits', () => {
    const values = draw(seededRandomSource('bits'), 20_000);
    expect(values.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)).toBe(true);
    // Each bit is set with probability 1/2: 5 standard errors of a binomial(20000, 1/2) is ~354.
    for (let bit = 0; bit < 32; bit++) {
      const set = values.filter((v) => (v >>> bit) & 1).length;
      expect(Math.abs(set - 10_000)).toBeLessThan(354);
    }
  });
});

describe('cryptoRandomSource()', () => {
  it('gives 32-bit unsigned integers that do not repeat a stream', () => {
    const a = draw(cryptoRandomSource(), 2000);
    const b = draw(cryptoRandomSource(), 2000);
    expect(a).not.toEqual(b);
    expect(a.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)).toBe(true);
  });
});
