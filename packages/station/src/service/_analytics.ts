/*
 * The service's seam to the analytics library: its functions are reached through this file only, so that
 * following a change of the library's entry is a local edit.
 */
import { findAlgorithm, isAnalyticsError, runStationHalf } from '@polder/analytics';
import type { AlgorithmRef } from '@polder/protocol';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

export { runStationHalf as runAlgorithmStationHalf };

/** Whether the analytics library knows the algorithm (name and version). */
export function isKnownAlgorithm(ref: AlgorithmRef): boolean {
  return findAlgorithm(ref) !== undefined;
}

/** The `code` and message of an error the analytics library threw, if it is one. */
export function analyticsFailureOf(error: unknown): { code: string; message: string } | undefined {
  return isAnalyticsError(error) ? { code: error.code, message: error.message } : undefined;
}

const validators = new WeakMap<TSchema, ReturnType<typeof Compile>>();

/**
 * Checks parameters against the algorithm's TypeBox schema before the station builds a cohort for it;
 * returns a message a person can act on, or undefined when they fit (or the algorithm is unknown).
 */
export function checkAlgorithmParameters(ref: AlgorithmRef, parameters: unknown): string | undefined {
  const algorithm = findAlgorithm(ref);
  if (algorithm === undefined) return undefined;
  let validator = validators.get(algorithm.parameters);
  if (validator === undefined) {
    // Compiling a schema costs milliseconds; the algorithms' schemas never change in a process.
    validator = Compile(algorithm.parameters);
    validators.set(algorithm.parameters, validator);
  }
  if (validator.Check(parameters)) return undefined;
  const first = validator.Errors(parameters)[0];
  return `Cannot run ${ref.name}@${ref.version}: parameter ${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}`;
}
