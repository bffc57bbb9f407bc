/**
 * A station's disclosure-control thresholds. The platform's defaults are the floor: a station may make
 * them stricter (suppress more, round coarser) but never looser.
 */
export interface DisclosurePolicy {
  /** Smallest count released; non-zero counts below it are suppressed. @default 8 (counts 1..7 suppressed) */
  readonly minCount: number;
  /** Released counts are rounded to the nearest multiple of this. @default 5 */
  readonly roundTo: number;
  /** Fewest records a summary (percentiles, means) may be computed from. @default 10 */
  readonly minSummaryRecords: number;
}

/** Options for {@linkcode resolveDisclosurePolicy}; anything left out takes the platform default. */
export type DisclosurePolicyOptions = Partial<DisclosurePolicy>;

/** The platform's defaults, which are also the floors (OpenSAFELY's rule: suppress 1..7, round to 5). */
export const defaultDisclosurePolicy: DisclosurePolicy = Object.freeze({
  minCount: 8,
  roundTo: 5,
  minSummaryRecords: 10,
});

/**
 * Builds a frozen policy from a station's options, refusing any threshold looser than the default.
 * `roundTo` must be a multiple of 5, so that every released count stays a multiple of 5.
 *
 * @example
 * resolveDisclosurePolicy({ minCount: 11 }); // { minCount: 11, roundTo: 5, minSummaryRecords: 10 }
 * resolveDisclosurePolicy({ minCount: 5 }); // throws RangeError
 */
export function resolveDisclosurePolicy(options: DisclosurePolicyOptions = {}): DisclosurePolicy {
  const policy = { ...defaultDisclosurePolicy, ...withoutUndefined(options) };
  for (const key of ['minCount', 'roundTo', 'minSummaryRecords'] as const) {
    const value = policy[key];
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`Cannot use disclosure policy: ${key} must be an integer, got ${String(value)}`);
    }
    const floor = defaultDisclosurePolicy[key];
    if (value < floor) {
      throw new RangeError(
        `Cannot use disclosure policy: ${key} ${value} is below the platform floor of ${floor} (a station may tighten disclosure control, never loosen it)`,
      );
    }
  }
  if (policy.roundTo % defaultDisclosurePolicy.roundTo !== 0) {
    throw new RangeError(
      `Cannot use disclosure policy: roundTo ${policy.roundTo} is not a multiple of ${defaultDisclosurePolicy.roundTo}`,
    );
  }
  return Object.freeze(policy);
}

function withoutUndefined(options: DisclosurePolicyOptions): DisclosurePolicyOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
