/**
 * State a reader keeps while it reads one source (one Bundle file, or one set of NDJSON files): the
 * date bounds, the indexes that resolve references, and the records waiting for something that may still
 * come later in the source.
 *
 * Reference identity: every event's `sourceId` is "Type/id". References are canonicalised to the same form:
 * - "Patient/123", "Patient/123/_history/2" and "https://server/fhir/Patient/123" → "Patient/123";
 * - "urn:uuid:X" (Bundle fullUrls) → the "Type/id" of the entry with that fullUrl (an entry without an id
 *   gets its uuid as id). A record that points forward, to an entry not read yet, waits until the end of
 *   the Bundle (Synthea has no such references, so nothing waits there); a uuid that no entry of the Bundle
 *   has becomes "T/X", T being the type the element always points to (Condition.subject → Patient,
 *   .encounter → Encounter, …);
 * - conditional references ("Organization?identifier=sys|val") → the Organization with that identifier when
 *   one was read before (the directory reader reads Organization files first); otherwise unresolved.
 */
import type { SourceConcept, SourceLocation } from '../source-event.ts';
import type { DateBounds } from './_dates.ts';
import type { FhirReaderOptions } from './fhir-reader-options.ts';
import type { JsonObject } from './_fhir-json.ts';

/** A record set aside until the end of the source because what it refers to was not known yet. */
export interface PendingRecord {
  readonly resource: JsonObject;
  readonly raw: string;
  readonly location: SourceLocation;
  /** The id the record was read under (its own id, or its Bundle entry's uuid). */
  readonly id: string;
}

export interface ReaderContext {
  readonly bounds: DateBounds;
  /** "urn:uuid:…" fullUrl → "Type/id" of the entry, for the current Bundle. */
  readonly fullUrls: Map<string, string>;
  /** "Organization?identifier=system|value" → "Organization/id". */
  readonly identifiers: Map<string, string>;
  /** "Medication/id" → its code, for medicationReference. */
  readonly medications: Map<string, SourceConcept>;
  /** Records whose Medication or urn:uuid target is not known yet; mapped again at the end of the source. */
  readonly pending: PendingRecord[];
  /** While true, an unknown medicationReference defers the record; at the end it makes it invalid. */
  deferUnresolved: boolean;
  /** While true (Bundles, until their end), an unknown urn:uuid reference defers the record. */
  deferForwardReferences: boolean;
}

/**
 * Thrown by `resolveReference` for a forward urn:uuid reference while `deferForwardReferences` is set;
 * `mapResource` catches it and sets the record aside. One instance: it carries no information.
 */
export const DEFER_RECORD: unique symbol = Symbol('defer record');

export function createReaderContext(options: FhirReaderOptions | undefined): ReaderContext {
  return {
    bounds: {
      nowMs: (options?.now ?? new Date()).getTime(),
      earliestYear: options?.earliestYear ?? 1900,
    },
    fullUrls: new Map(),
    identifiers: new Map(),
    medications: new Map(),
    pending: [],
    deferUnresolved: true,
    deferForwardReferences: false,
  };
}

const HISTORY = '/_history/';

/**
 * Canonical "Type/id" of a reference string, or undefined when it cannot be resolved here (a contained
 * "#id" reference, an unknown conditional reference, a malformed one).
 */
export function resolveReference(
  ref: string,
  expectedType: string | undefined,
  ctx: ReaderContext,
): string | undefined {
  const first = ref.charCodeAt(0);
  if (first === 35 /* # */) return undefined;
  if (first === 117 /* u */ && (ref.startsWith('urn:uuid:') || ref.startsWith('urn:oid:'))) {
    const known = ctx.fullUrls.get(ref);
    if (known !== undefined) return known;
    // A control-flow signal rather than an error: the whole record waits, whichever element asked.
    if (ctx.deferForwardReferences) throw DEFER_RECORD;
    if (expectedType === undefined) return undefined;
    return `${expectedType}/${ref.slice(ref.charCodeAt(4) === 117 ? 9 : 8)}`;
  }
  if (ref.includes('?')) return lookupConditional(ref, ctx);
  let end = ref.length;
  const history = ref.indexOf(HISTORY);
  if (history >= 0) end = history;
  if (ref.charCodeAt(end - 1) === 47 /* / */) end--;
  const slash = ref.lastIndexOf('/', end - 1);
  if (slash <= 0 || slash === end - 1) return undefined;
  const typeStart = ref.lastIndexOf('/', slash - 1) + 1;
  if (typeStart === 0 && end === ref.length) return ref;
  return ref.slice(typeStart, end);
}

function lookupConditional(ref: string, ctx: ReaderContext): string | undefined {
  const found = ctx.identifiers.get(ref);
  if (found !== undefined || !ref.includes('%')) return found;
  try {
    return ctx.identifiers.get(decodeURIComponent(ref));
  } catch {
    return undefined;
  }
}
