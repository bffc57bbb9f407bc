import { createHash, randomBytes } from 'node:crypto';

/** A random session token (256 bits, base64url). */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A random API token; the `pld_` prefix makes a leaked one easy to recognise in logs and code. */
export function newApiToken(): string {
  return `pld_${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 (hex) of a token: what the database keeps instead of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
