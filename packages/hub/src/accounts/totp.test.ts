import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeBase32, encodeBase32, totpCode, verifyTotp } from './totp.ts';

// RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890"; its 8-digit codes end in these 6 digits.
const rfcSecret = encodeBase32(Buffer.from('12345678901234567890', 'ascii'));
const rfcVectors: ReadonlyArray<readonly [number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('totpCode()', () => {
  it('matches the RFC 6238 test vectors (last 6 digits)', () => {
    expect(rfcSecret).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    for (const [seconds, code] of rfcVectors) expect(totpCode(rfcSecret, seconds * 1000)).toBe(code.slice(2));
  });
});

describe('verifyTotp()', () => {
  const secret = rfcSecret;
  const t = 1_700_000_000_000;

  it('accepts the current code and one step either side, not two', () => {
    expect(verifyTotp(secret, totpCode(secret, t), t)).not.toBeNull();
    expect(verifyTotp(secret, totpCode(secret, t - 30_000), t)).not.toBeNull();
    expect(verifyTotp(secret, totpCode(secret, t + 30_000), t)).not.toBeNull();
    expect(verifyTotp(secret, totpCode(secret, t - 90_000), t)).toBeNull();
  });

  it('refuses a code for a step already used', () => {
    const step = verifyTotp(secret, totpCode(secret, t), t);
    expect(step).not.toBeNull();
    expect(verifyTotp(secret, totpCode(secret, t), t, { lastUsedStep: step })).toBeNull();
  });

  it('refuses codes that are not six digits', () => {
    expect(verifyTotp(secret, '12345', t)).toBeNull();
    expect(verifyTotp(secret, 'abcdef', t)).toBeNull();
  });
});

describe('base32', () => {
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect([...decodeBase32(encodeBase32(bytes))]).toEqual([...bytes]);
      }),
    );
  });
});
