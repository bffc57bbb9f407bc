import { defaultDisclosurePolicy, type DisclosurePolicy } from './disclosure-policy.ts';

/**
 * Why a count was withheld: `small-count` (1 ≤ n < minCount), `rounds-to-zero` (a coarse `roundTo` would
 * publish a non-zero count as 0), `secondary` (withheld so that another suppressed cell cannot be recovered
 * by subtraction).
 */
export type SuppressionReason = 'small-count' | 'rounds-to-zero' | 'secondary';

/** A count after disclosure control: released (rounded) or suppressed with the reason. */
export type ControlledCount =
  | { readonly value: number; readonly suppressed: false }
  | { readonly value: null; readonly suppressed: true; readonly reason: SuppressionReason };

/**
 * Applies disclosure control to one count: 0 is released as 0, counts below `minCount` are suppressed,
 * others are rounded to the nearest multiple of `roundTo` (halves up). Accepts DuckDB's bigint counts.
 *
 * @example
 * controlCount(3);  // { value: null, suppressed: true, reason: 'small-count' }
 * controlCount(12); // { value: 10, suppressed: false }
 * controlCount(13); // { value: 15, suppressed: false }
 */
export function controlCount(
  n: number | bigint,
  policy: DisclosurePolicy = defaultDisclosurePolicy,
): ControlledCount {
  const count = toCount(n);
  if (count === 0) return { value: 0, suppressed: false };
  if (count < policy.minCount) return { value: null, suppressed: true, reason: 'small-count' };
  const value = roundToMultiple(count, policy.roundTo);
  if (value === 0) return { value: null, suppressed: true, reason: 'rounds-to-zero' };
  return { value, suppressed: false };
}

/** The released value of a count, or null when suppressed: `controlCount(n, policy).value`. */
export function controlledValue(
  n: number | bigint,
  policy: DisclosurePolicy = defaultDisclosurePolicy,
): number | null {
  return controlCount(n, policy).value;
}

/** Rounds a non-negative integer to the nearest multiple of `base`, halves up. */
export function roundToMultiple(count: number, base: number): number {
  return Math.floor((count + base / 2) / base) * base;
}

/** Checks a count at the boundary: a non-negative safe integer (bigint converted). */
export function toCount(n: number | bigint): number {
  const count = typeof n === 'bigint' ? Number(n) : n;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`Cannot control count: ${String(n)} is not a non-negative integer`);
  }
  return count;
}
