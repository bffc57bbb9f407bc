import { createCipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Where the noise mechanisms get their randomness: uniformly distributed 32-bit unsigned integers.
 * Injected so that tests can be reproducible while releases use the operating system's CSPRNG.
 */
export interface RandomSource {
  /** A uniformly random integer in [0, 2³²). */
  nextUint32(): number;
}

/** Bytes fetched from the CSPRNG at a time: one system call per 1,024 draws instead of one per draw. */
const bufferBytes = 4096;

/**
 * The default source for anything released: `crypto.randomBytes` (the operating system's CSPRNG),
 * buffered.
 */
export function cryptoRandomSource(): RandomSource {
  return bufferedSource(() => randomBytes(bufferBytes));
}

/**
 * A reproducible source for tests and simulations: the AES-256-CTR keystream under a key derived from
 * `seed` (SHA-256 with a domain-separation prefix). Never use it for a release: whoever knows the seed
 * can subtract the noise.
 *
 * @example
 * const rng = seededRandomSource('test-1');
 * rng.nextUint32(); // the same number on every run
 */
export function seededRandomSource(seed: string | number | Uint8Array): RandomSource {
  const key = createHash('sha256')
    .update('polder:seeded-random-source:v1\0')
    .update(typeof seed === 'number' ? `number:${seed}` : seed)
    .digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(bufferBytes);
  return bufferedSource(() => cipher.update(zeros));
}

function bufferedSource(refill: () => Buffer): RandomSource {
  let buffer = refill();
  let offset = 0;
  return {
    nextUint32(): number {
      if (offset + 4 > buffer.length) {
        buffer = refill();
        offset = 0;
      }
      const value = buffer.readUInt32LE(offset);
      offset += 4;
      return value;
    },
  };
}
