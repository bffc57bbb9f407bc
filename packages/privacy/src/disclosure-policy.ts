/**
 * A station's disclosure-control thresholds. The platform's defaults are the limits: a station may make
 * them stricter (suppress more, round coarser, ask for more records) but never looser.
 */
export interface DisclosurePolicy {
  /** Smallest count released; non-zero counts below it are suppressed. @default 8 (counts 1..7 suppressed) */
  readonly minCount: number;
  /** Released counts are rounded to the nearest multiple of this. @default 5 */
  readonly roundTo: number;
  /** Fewest records a summary (percentiles, means) or a model may be computed from. @default 10 */
  readonly minSummaryRecords: number;
  /**
   * A GLM may be fitted only when its number of parameters is at most this fraction of the records
   * (DataSHIELD's `nfilter.glm`). A ceiling: a station may lower it, never raise it. @default 0.33
   */
  readonly glmParameterRatio: number;
  /** A Kaplan–Meier step is released only where at least this many are at risk. @default 8 */
  readonly kmMinAtRisk: number;
}

/** Options for {@linkcode resolveDisclosurePolicy}; anything left out takes the platform default. */
export type DisclosurePolicyOptions = Partial<DisclosurePolicy>;

/**
 * The platform's defaults, which are also the limits (OpenSAFELY's rule: suppress 1..7, round to 5;
 * DataSHIELD's nfilter.glm 0.33).
 */
export const defaultDisclosurePolicy: DisclosurePolicy = Object.freeze({
  minCount: 8,
  roundTo: 5,
  minSummaryRecords: 10,
  glmParameterRatio: 0.33,
  kmMinAtRisk: 8,
});

/** Thresholds where a larger value is stricter; the default is their floor. */
const integerFloors = ['minCount', 'roundTo', 'minSummaryRecords', 'kmMinAtRisk'] as const;

/**
 * Builds a frozen policy from a station's options, refusing any threshold looser than the default.
 * `roundTo` must be a multiple of 5, so that every released count stays a multiple of 5;
 * `glmParameterRatio` must lie in (0, 0.33].
 *
 * @example
 * resolveDisclosurePolicy({ minCount: 11 }); // { minCount: 11, roundTo: 5, minSummaryRecords: 10, ... }
 * resolveDisclosurePolicy({ minCount: 5 }); // throws RangeError
 * resolveDisclosurePolicy({ glmParameterRatio: 0.5 }); // throws RangeError
 */
export function resolveDisclosurePolicy(options: DisclosurePolicyOptions = {}): DisclosurePolicy {
  const policy = { ...defaultDisclosurePolicy, ...withoutUndefined(options) };
  for (const key of integerFloors) {
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
  const ratio = policy.glmParameterRatio;
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio <= 0) {
    throw new RangeError(
      `Cannot use disclosure policy: glmParameterRatio must be a positive number, got ${String(ratio)}`,
    );
  }
  if (ratio > defaultDisclosurePolicy.glmParameterRatio) {
    throw new RangeError(
      `Cannot use disclosure policy: glmParameterRatio ${ratio} is above the platform ceiling of ${defaultDisclosurePolicy.glmParameterRatio} (a station may tighten disclosure control, never loosen it)`,
    );
  }
  return Object.freeze(policy);
}

function withoutUndefined(options: DisclosurePolicyOptions): DisclosurePolicyOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}
