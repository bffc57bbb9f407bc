import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generatePseudonymKey, keyedPseudonym } from './keyed-pseudonym.ts';

describe('keyedPseudonym()', () => {
  // Fixed keys keep the tests deterministic (a random key could, once in ~10⁶ runs, spell '0042').
  const key = Buffer.alloc(32, 7).toString('base64url');
  const otherKey = Buffer.alloc(32, 8).toString('base64url');

  it('is deterministic per key and differs across keys and identifiers', () => {
    expect(keyedPseudonym(key, '999999990')).toBe(keyedPseudonym(key, '999999990'));
    expect(keyedPseudonym(key, '999999990')).not.toBe(keyedPseudonym(otherKey, '999999990'));
    expect(keyedPseudonym(key, '999999990')).not.toBe(keyedPseudonym(key, '999999991'));
    // The same key as bytes or as base64url gives the same pseudonym.
    expect(keyedPseudonym(Buffer.from(key, 'base64url'), 'MRN-1')).toBe(keyedPseudonym(key, 'MRN-1'));
  });

  it('writes 43 base64url characters that do not contain the identifier', () => {
    const pseudonym = keyedPseudonym(key, 'MRN-0042');
    expect(pseudonym).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pseudonym).not.toContain('MRN-0042');
    expect(pseudonym).not.toContain('0042');
  });

  it('separates its domain: it is not the plain HMAC of the identifier', () => {
    const bytes = Buffer.from(key, 'base64url');
    const plain = createHmac('sha256', bytes).update('999999990').digest('base64url');
    expect(keyedPseudonym(key, '999999990')).not.toBe(plain);
    const prefixed = createHmac('sha256', bytes)
      .update('polder:opt-out-pseudonym:v1\x00999999990')
      .digest('base64url');
    expect(keyedPseudonym(key, '999999990')).toBe(prefixed);
  });

  it('gives distinct identifiers distinct pseudonyms, none containing the identifier (property)', () => {
    const identifiers = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{7,20}$/);
    fc.assert(
      fc.property(identifiers, identifiers, (a, b) => {
        const pa = keyedPseudonym(key, a);
        expect(pa.includes(a)).toBe(false);
        expect(pa === keyedPseudonym(key, b)).toBe(a === b);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses short or malformed keys and empty or padded identifiers', () => {
    expect(() => keyedPseudonym(new Uint8Array(16), 'x')).toThrow(/16 bytes, at least 32/);
    expect(() => keyedPseudonym('c2hvcnQ', 'x')).toThrow(/5 bytes, at least 32/);
    expect(() => keyedPseudonym('not base64url!', 'x')).toThrow(/not base64url/);
    expect(() => keyedPseudonym(key, '')).toThrow(/empty/);
    expect(() => keyedPseudonym(key, ' 999999990')).toThrow(/whitespace/);
  });
});

describe('generatePseudonymKey()', () => {
  it('gives 32 random bytes as base64url, different every time', () => {
    const keys = new Set(Array.from({ length: 100 }, () => generatePseudonymKey()));
    expect(keys.size).toBe(100);
    for (const k of keys) expect(Buffer.from(k, 'base64url')).toHaveLength(32);
  });
});
