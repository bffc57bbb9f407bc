/**
 * What went wrong in the analytics library, so that the station can tell the hub (and the hub the
 * researcher) which step to fix: `unknown-algorithm` (no such name@version), `invalid-parameters` (the
 * parameters or the hub's state do not fit the algorithm's schema, or name a variable the cohort lacks),
 * `insufficient-data` (too few records to compute anything releasable), `compute` (the computation failed),
 * `over-budget` (a differential-privacy request exceeds the permit's remaining budget; nothing was spent).
 */
export type AnalyticsErrorCode =
  'unknown-algorithm' | 'invalid-parameters' | 'insufficient-data' | 'compute' | 'over-budget';

/**
 * The one error the analytics library throws. Its message says what could not be done and why
 * ("Cannot run glm@1.0.0: variable "bmi" is not in the cohort").
 */
export class AnalyticsError extends Error {
  override readonly name = 'AnalyticsError';
  readonly code: AnalyticsErrorCode;

  constructor(code: AnalyticsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `error` is an {@linkcode AnalyticsError}. */
export function isAnalyticsError(error: unknown): error is AnalyticsError {
  return error instanceof AnalyticsError;
}
