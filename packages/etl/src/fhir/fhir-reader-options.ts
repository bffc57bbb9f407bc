import type { SkippedRecord } from '../source-event.ts';

/** Options of the FHIR readers. */
export interface FhirReaderOptions {
  /**
   * The reference instant for "lies in the future": dates after it make a record invalid. Set it far ahead
   * for date-shifted sources (MIMIC shifts dates into the 2100s).
   * @default the time the read starts
   */
  readonly now?: Date;
  /**
   * Dates in years before this one make a record invalid (birth dates and event dates alike).
   * @default 1900
   */
  readonly earliestYear?: number;
  /**
   * Bytes read from the file at a time.
   * @default 1048576 (1 MiB)
   */
  readonly chunkSize?: number;
}

/**
 * A SkippedRecord as the FHIR readers yield it: with the record's identity and the reason it has no OMOP
 * target, so that a steward can see why (and the loader can reconcile counts per record). It is a plain
 * SkippedRecord to anyone who does not know the extra fields.
 */
export interface FhirSkippedRecord extends SkippedRecord {
  /** "Type/id" of the skipped resource, when it had an id. */
  readonly recordId?: string;
  /** Why it is not loaded ("Claim has no OMOP target", "Condition.verificationStatus is refuted"). */
  readonly reason: string;
}
