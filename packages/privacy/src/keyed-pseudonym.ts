import { createHmac, randomBytes } from 'node:crypto';

/**
 * Prefixed to every identifier before hashing, so that a pseudonym can never equal an HMAC the same key
 * computes for another purpose (domain separation); the NUL ends the prefix unambiguously.
 */
const domain = 'polder:opt-out-pseudonym:v1\0';
/** HMAC-SHA-256 keys shorter than its 32-byte output weaken it; generated keys are exactly this long. */
const keyBytes = 32;
const base64url = /^[A-Za-z0-9_-]+$/;

/**
 * Generates a key for {@linkcode keyedPseudonym}: 32 bytes from the operating system's CSPRNG, as
 * base64url (43 characters), ready to keep in a station's secret configuration.
 */
export function generatePseudonymKey(): string {
  return randomBytes(keyBytes).toString('base64url');
}

/**
 * The pseudonym of a source identifier (e.g. a BSN or MRN) for an opt-out register:
 * HMAC-SHA-256 under `key` of `"polder:opt-out-pseudonym:v1\0" + identifier` (UTF-8), written as
 * base64url without padding (43 characters). The same key and identifier always give the same pseudonym,
 * so a register of pseudonyms can be matched against incoming records without keeping the identifiers;
 * without the key, a pseudonym cannot be recomputed from a guessed identifier.
 *
 * The identifier is used exactly as given: normalise it first (one format per identifier system), since
 * "123 456 789" and "123456789" give different pseudonyms. Leading or trailing whitespace is refused as
 * a likely mistake.
 *
 * @param key 32 bytes or more, as bytes or in base64url (as {@linkcode generatePseudonymKey} writes it)
 * @example
 * const key = generatePseudonymKey();
 * keyedPseudonym(key, '999999990'); // e.g. 'm2Vb…' (43 characters)
 */
export function keyedPseudonym(key: Uint8Array | string, sourceIdentifier: string): string {
  const keyMaterial = toKeyBytes(key);
  if (sourceIdentifier.length === 0) {
    throw new RangeError('Cannot pseudonymise identifier: it is empty');
  }
  if (sourceIdentifier.trim() !== sourceIdentifier) {
    throw new RangeError('Cannot pseudonymise identifier: it has leading or trailing whitespace');
  }
  return createHmac('sha256', keyMaterial)
    .update(domain)
    .update(sourceIdentifier, 'utf8')
    .digest('base64url');
}

function toKeyBytes(key: Uint8Array | string): Uint8Array {
  if (typeof key === 'string') {
    if (!base64url.test(key)) {
      throw new RangeError('Cannot pseudonymise identifier: the key is not base64url');
    }
    key = Buffer.from(key, 'base64url');
  }
  if (key.length < keyBytes) {
    throw new RangeError(
      `Cannot pseudonymise identifier: the key has ${key.length} bytes, at least ${keyBytes} are needed`,
    );
  }
  return key;
}
