/*
 * The service's seam to the analytics library: its functions are reached through this file only, so that
 * following a change of the library's entry is a local edit.
 */
import { findAlgorithm, isAnalyticsError, runStationHalf, schemaProblem } from '@polder/analytics';
import type { AlgorithmRef } from '@polder/protocol';

export { runStationHalf as runAlgorithmStationHalf };

/** Whether the analytics library knows the algorithm (name and version). */
export function isKnownAlgorithm(ref: AlgorithmRef): boolean {
  return findAlgorithm(ref) !== undefined;
}

/** The `code` and message of an error the analytics library threw, if it is one. */
export function analyticsFailureOf(error: unknown): { code: string; message: string } | undefined {
  return isAnalyticsError(error) ? { code: error.code, message: error.message } : undefined;
}

/**
 * Checks parameters against the algorithm's TypeBox schema before the station builds a cohort for it;
 * returns a message a person can act on, or undefined when they fit (or the algorithm is unknown).
 */
export function checkAlgorithmParameters(ref: AlgorithmRef, parameters: unknown): string | undefined {
  const algorithm = findAlgorithm(ref);
  if (algorithm === undefined) return undefined;
  const problem = schemaProblem(algorithm.parameters, parameters);
  return problem === undefined
    ? undefined
    : `Cannot run ${ref.name}@${ref.version}: parameter ${problem.path || '/'} ${problem.message}`;
}
