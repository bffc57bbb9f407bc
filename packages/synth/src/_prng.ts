/**
 * A small seeded pseudo-random generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit
 * state) seeded through splitmix32. Everything in this package draws from it so that the same seed gives the
 * same bytes on every machine; `Math.random` is never used.
 */

/** One step of splitmix32: a good 32-bit mixer, used to expand seeds. */
export function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Mixes several integers into one 32-bit seed (order matters). */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x2545f491;
  for (const part of parts) {
    h = splitmix32(h ^ (part >>> 0));
    h = splitmix32(h ^ Math.floor(part / 0x100000000));
  }
  return h;
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A seeded random stream. Not cryptographic. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spareNormal: number | undefined;

  constructor(seed: number) {
    let s = seed >>> 0;
    s = splitmix32(s);
    this.#a = s;
    s = splitmix32(s);
    this.#b = s;
    s = splitmix32(s);
    this.#c = s;
    s = splitmix32(s);
    this.#d = s;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.#c = (r + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform float in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** A uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A standard normal draw (Marsaglia's polar method), scaled to mean `mean` and standard deviation `sd`. */
  normal(mean = 0, sd = 1): number {
    if (this.#spareNormal !== undefined) {
      const z = this.#spareNormal;
      this.#spareNormal = undefined;
      return mean + sd * z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = this.float() * 2 - 1;
      v = this.float() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spareNormal = v * m;
    return mean + sd * u * m;
  }

  /** A log-normal draw whose median is `median` and whose log has standard deviation `sigma`. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(this.normal(0, sigma));
  }

  /** A Poisson draw (Knuth's method; fine for the small means used here). */
  poisson(mean: number): number {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.float();
    while (p > limit) {
      k++;
      p *= this.float();
    }
    return k;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.float() * items.length)];
    if (item === undefined) throw new RangeError('Cannot pick from an empty list');
    return item;
  }

  /** One element chosen with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let x = this.float() * total;
    for (const [item, w] of items) {
      x -= w;
      if (x < 0) return item;
    }
    const last = items[items.length - 1];
    if (last === undefined) throw new RangeError('Cannot pick from an empty list');
    return last[0];
  }

  /** A random (version 4 layout) UUID drawn from this stream. */
  uuid(): string {
    const w0 = this.nextUint32();
    const w1 = this.nextUint32();
    const w2 = this.nextUint32();
    const w3 = this.nextUint32();
    const b = (w: number, shift: number): string => HEX[(w >>> shift) & 0xff] ?? '00';
    const w1v = (w1 & 0xffff0fff) | 0x00004000;
    const w2v = (w2 & 0x3fffffff) | 0x80000000;
    return (
      b(w0, 24) +
      b(w0, 16) +
      b(w0, 8) +
      b(w0, 0) +
      '-' +
      b(w1v, 24) +
      b(w1v, 16) +
      '-' +
      b(w1v, 8) +
      b(w1v, 0) +
      '-' +
      b(w2v, 24) +
      b(w2v, 16) +
      '-' +
      b(w2v, 8) +
      b(w2v, 0) +
      b(w3, 24) +
      b(w3, 16) +
      b(w3, 8) +
      b(w3, 0)
    );
  }
}
