/**
 * Typed access to parsed FHIR JSON. Every getter checks the JSON type and throws a `FhirValidationError`
 * naming the element path, so that a wrong type ends as an InvalidRecord a steward can act on instead of a
 * crash or a silently wrong value. Paths are string constants in the callers: building them costs nothing
 * on the happy path.
 */
import type { SourceCoding, SourceConcept } from '../source-event.ts';

/** A JSON object as JSON.parse returns it. */
export type JsonObject = Record<string, unknown>;

/** Makes a readonly event type writable while it is being built (exactOptionalPropertyTypes forbids `x: undefined`). */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Why one resource cannot become an event; the reader turns it into an InvalidRecord. */
export class FhirValidationError extends Error {
  override readonly name = 'FhirValidationError';
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short rendering of an offending value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  return `${typeof value} ${String(value)}`;
}

function wrongType(path: string, expected: string, value: unknown): FhirValidationError {
  return new FhirValidationError(`${path} must be ${expected}, got ${describeValue(value)}`);
}

export function optString(o: JsonObject, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  throw wrongType(path, 'a string', v);
}

export function optNumber(o: JsonObject, key: string, path: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw wrongType(path, 'a number', v);
}

export function optBoolean(o: JsonObject, key: string, path: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  throw wrongType(path, 'true or false', v);
}

export function optObject(o: JsonObject, key: string, path: string): JsonObject | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (isJsonObject(v)) return v;
  throw wrongType(path, 'an object', v);
}

export function optArray(o: JsonObject, key: string, path: string): readonly unknown[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v;
  throw wrongType(path, 'an array', v);
}

/** The first element of an array element (`dosageInstruction[0]`), checked to be an object. */
export function firstObject(o: JsonObject, key: string, path: string): JsonObject | undefined {
  const list = optArray(o, key, path);
  if (list === undefined || list.length === 0) return undefined;
  const first = list[0];
  if (isJsonObject(first)) return first;
  throw wrongType(`${path}[0]`, 'an object', first);
}

/** A FHIR Coding as a SourceCoding; a coding without a code is dropped, one without a system gets "". */
export function readCoding(value: unknown, path: string): SourceCoding | undefined {
  if (!isJsonObject(value)) throw wrongType(path, 'a Coding object', value);
  const code = value['code'];
  if (code === undefined) return undefined;
  if (typeof code !== 'string') throw wrongType(`${path}.code`, 'a string', code);
  const system = value['system'];
  if (system !== undefined && typeof system !== 'string')
    throw wrongType(`${path}.system`, 'a string', system);
  const display = value['display'];
  if (display !== undefined && typeof display !== 'string') {
    throw wrongType(`${path}.display`, 'a string', display);
  }
  if (display === undefined) return { system: system ?? '', code };
  return { system: system ?? '', code, display };
}

/** A FHIR CodeableConcept; undefined when it carries neither a coded value nor text. */
export function readConcept(value: unknown, path: string): SourceConcept | undefined {
  if (!isJsonObject(value)) throw wrongType(path, 'a CodeableConcept object', value);
  const coding = value['coding'];
  const codings: SourceCoding[] = [];
  if (coding !== undefined) {
    if (!Array.isArray(coding)) throw wrongType(`${path}.coding`, 'an array', coding);
    for (let i = 0; i < coding.length; i++) {
      const c = readCoding(coding[i], `${path}.coding[${i}]`);
      if (c !== undefined) codings.push(c);
    }
  }
  const text = value['text'];
  if (text !== undefined && typeof text !== 'string') throw wrongType(`${path}.text`, 'a string', text);
  if (codings.length === 0 && (text === undefined || text === '')) return undefined;
  return text === undefined ? { codings } : { codings, text };
}

export function optConcept(o: JsonObject, key: string, path: string): SourceConcept | undefined {
  const v = o[key];
  return v === undefined ? undefined : readConcept(v, path);
}

/** A required CodeableConcept: missing or empty is an error that names the element. */
export function requireConcept(o: JsonObject, key: string, path: string): SourceConcept {
  const concept = optConcept(o, key, path);
  if (concept === undefined) throw new FhirValidationError(`${path} is missing (no coding and no text)`);
  return concept;
}

/** The first CodeableConcept of a 0..* element (`Organization.type`). */
export function firstConcept(o: JsonObject, key: string, path: string): SourceConcept | undefined {
  const list = optArray(o, key, path);
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) {
    const c = readConcept(list[i], `${path}[${i}]`);
    if (c !== undefined) return c;
  }
  return undefined;
}

/** The `code` of the first coding of a CodeableConcept element (clinicalStatus, verificationStatus). */
export function firstCode(o: JsonObject, key: string, path: string): string | undefined {
  const concept = optConcept(o, key, path);
  return concept?.codings[0]?.code;
}
