/** Helpers shared by the resource mappers: references, timings, invalid and skipped outputs. */
import type { InvalidRecord, ReaderOutput, SourceLocation } from '../source-event.ts';
import { checkDate } from './_dates.ts';
import { FhirValidationError, optObject, optString, type JsonObject } from './_fhir-json.ts';
import { resolveReference, type ReaderContext } from './_reader-context.ts';
import type { FhirSkippedRecord } from './fhir-reader-options.ts';

/** What every mapper receives about the record at hand. */
export interface RecordInput {
  readonly resource: JsonObject;
  readonly resourceType: string;
  /** "Type/id". */
  readonly sourceId: string;
  readonly raw: string;
  readonly location: SourceLocation;
}

export function pushInvalid(
  out: ReaderOutput[],
  raw: string,
  location: SourceLocation,
  reason: string,
  resourceType?: string,
  recordId?: string,
): void {
  const invalid: { -readonly [K in keyof InvalidRecord]: InvalidRecord[K] } = {
    kind: 'invalid',
    location,
    raw,
    reason,
  };
  if (resourceType !== undefined) invalid.resourceType = resourceType;
  if (recordId !== undefined) invalid.recordId = recordId;
  out.push(invalid);
}

export function pushSkipped(out: ReaderOutput[], input: RecordInput, reason: string): void {
  const skipped: FhirSkippedRecord = {
    kind: 'skipped',
    resourceType: input.resourceType,
    location: input.location,
    recordId: input.sourceId,
    reason,
  };
  out.push(skipped);
}

/** The canonical "Patient/id" a required subject/patient element points to. */
export function requirePatientRef(r: JsonObject, key: string, path: string, ctx: ReaderContext): string {
  const ref = optObject(r, key, path);
  if (ref === undefined)
    throw new FhirValidationError(`${path} is missing: the record cannot be linked to a person`);
  const text = optString(ref, 'reference', `${path}.reference`);
  if (text === undefined) {
    throw new FhirValidationError(
      `${path} has no reference (an identifier-only reference cannot be linked to a person)`,
    );
  }
  const sourceId = resolveReference(text, 'Patient', ctx);
  if (sourceId === undefined)
    throw new FhirValidationError(`${path} ${text} cannot be resolved to a Patient`);
  if (!sourceId.startsWith('Patient/')) {
    throw new FhirValidationError(`${path} refers to ${sourceId}; only Patient subjects can be loaded`);
  }
  return sourceId;
}

/**
 * The canonical "Type/id" of an optional reference element, or undefined when it is absent, cannot be
 * resolved here, or points to another type than `expectedType`. The record is loaded without the link.
 */
export function optRef(
  r: JsonObject,
  key: string,
  path: string,
  expectedType: string,
  ctx: ReaderContext,
): string | undefined {
  const ref = optObject(r, key, path);
  if (ref === undefined) return undefined;
  const text = optString(ref, 'reference', `${path}.reference`);
  if (text === undefined) return undefined;
  const sourceId = resolveReference(text, expectedType, ctx);
  if (sourceId === undefined) return undefined;
  return sourceId.length > expectedType.length &&
    sourceId.charCodeAt(expectedType.length) === 47 &&
    sourceId.startsWith(expectedType)
    ? sourceId
    : undefined;
}

/** When something happened: a start, and an end when the source gives a period. */
export interface Timing {
  readonly start: string;
  readonly end?: string;
}

/**
 * Reads a choice-type time element: `<name>DateTime`, `<name>Instant` or `<name>Period` (start, end).
 * Returns undefined when none is present. Dates are checked against the bounds; an end before its start is
 * an error.
 */
export function readTiming(
  r: JsonObject,
  type: string,
  dateTimeKey: string,
  periodKey: string | undefined,
  ctx: ReaderContext,
): Timing | undefined {
  const dateTime = optString(r, dateTimeKey, `${type}.${dateTimeKey}`);
  if (dateTime !== undefined) {
    checkDate(dateTime, `${type}.${dateTimeKey}`, ctx.bounds);
    return { start: dateTime };
  }
  if (periodKey === undefined) return undefined;
  const period = optObject(r, periodKey, `${type}.${periodKey}`);
  if (period === undefined) return undefined;
  return readPeriod(period, `${type}.${periodKey}`, ctx);
}

/** A FHIR Period with a start (required here) and an optional end not before it. */
export function readPeriod(period: JsonObject, path: string, ctx: ReaderContext): Timing | undefined {
  const start = optString(period, 'start', `${path}.start`);
  const end = optString(period, 'end', `${path}.end`);
  if (start === undefined) {
    if (end === undefined) return undefined;
    throw new FhirValidationError(`${path} has an end (${end}) but no start`);
  }
  const startMs = checkDate(start, `${path}.start`, ctx.bounds);
  if (end === undefined) return { start };
  // An end in the future is plausible for an ongoing period (a prescription valid until next year).
  const endMs = checkDate(end, `${path}.end`, {
    nowMs: Number.POSITIVE_INFINITY,
    earliestYear: ctx.bounds.earliestYear,
  });
  if (endMs < startMs && end.slice(0, 10) < start.slice(0, 10)) {
    throw new FhirValidationError(`${path}.end ${end} lies before ${path}.start ${start}`);
  }
  return { start, end };
}

/** The status values meaning "this did not happen" per resource type: such records are skipped. */
export const NOT_HAPPENED_STATUS: Readonly<Record<string, readonly string[]>> = {
  Encounter: ['entered-in-error', 'cancelled', 'planned'],
  Observation: ['entered-in-error', 'cancelled'],
  DiagnosticReport: ['entered-in-error', 'cancelled'],
  Procedure: ['entered-in-error', 'not-done', 'preparation'],
  Immunization: ['entered-in-error', 'not-done'],
  MedicationRequest: ['entered-in-error', 'cancelled', 'draft'],
  MedicationAdministration: ['entered-in-error', 'not-done'],
  MedicationStatement: ['entered-in-error', 'not-taken'],
};
