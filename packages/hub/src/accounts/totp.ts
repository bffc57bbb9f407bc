import { createHmac, randomBytes } from 'node:crypto';

/** TOTP parameters (RFC 6238 defaults, as authenticator apps expect): HMAC-SHA1, 30-second steps, 6 digits. */
const stepSeconds = 30;
const digits = 6;
const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A new random TOTP secret: 20 bytes (160 bits, as RFC 4226 recommends), base32 without padding. */
export function newTotpSecret(): string {
  return encodeBase32(randomBytes(20));
}

/** The 30-second step `time` falls in. */
export function totpStep(time: Date | number): number {
  const ms = typeof time === 'number' ? time : time.getTime();
  return Math.floor(ms / 1000 / stepSeconds);
}

/**
 * The 6-digit TOTP code for a base32 `secret` at `time` (RFC 6238). For demo users:
 * `polder totp SECRET` prints the current code.
 *
 * @example
 * totpCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', new Date(59_000)); // '287082'
 */
export function totpCode(secret: string, time: Date | number = Date.now()): string {
  return codeForStep(decodeBase32(secret), totpStep(time));
}

/**
 * Checks `code` against `secret` at `time`, allowing one step of clock drift either way. Returns the step
 * that matched (store it: a code must not be accepted twice, so pass it as `notAfterStep` next time), or
 * null when the code is wrong or already used.
 */
export function verifyTotp(
  secret: string,
  code: string,
  time: Date | number,
  options: { readonly lastUsedStep?: number | null } = {},
): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const key = decodeBase32(secret);
  const now = totpStep(time);
  for (const step of [now - 1, now, now + 1]) {
    if (options.lastUsedStep !== undefined && options.lastUsedStep !== null && step <= options.lastUsedStep)
      continue;
    if (constantTimeEqual(codeForStep(key, step), code)) return step;
  }
  return null;
}

/** The `otpauth://` URI an authenticator app reads from a QR code. */
export function totpUri(secret: string, account: string, issuer = 'Polder'): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${digits}&period=${stepSeconds}`;
}

function codeForStep(key: Buffer, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  // Dynamic truncation (RFC 4226 §5.3): the low nibble of the last byte picks four bytes.
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i += 1) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** Base32 (RFC 4648) without padding. */
export function encodeBase32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += base32Alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes base32, ignoring case, spaces and padding; throws on other characters. */
export function decodeBase32(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=]/g, '');
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = base32Alphabet.indexOf(char);
    if (index < 0) throw new Error(`Cannot read TOTP secret: '${char}' is not a base32 character`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}
