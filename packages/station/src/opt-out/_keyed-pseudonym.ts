import { createHmac } from 'node:crypto';

/**
 * HMAC-SHA-256 of `value` under `key`, as 64 hex characters. A stand-in until `keyedPseudonym` lands in
 * `@polder/privacy`; the station then switches to it (the same construction, so pseudonyms stay valid).
 */
export function keyedPseudonym(key: Uint8Array, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}
