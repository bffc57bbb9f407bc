import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createCdmSchema, loadStarterVocabulary } from '@polder/omop';
import type { ClinicalEvent, PersonEvent, ReaderOutput, VisitEvent } from '../source-event.ts';

/** An in-memory station with the CDM schema and the few concepts the loader tests need. */
export interface TestStation {
  readonly connection: DuckDBConnection;
  /** Row count of a table (`cdm.person`, `polder.quarantine`, …). */
  count(table: string, where?: string): Promise<number>;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

// Concepts the tests need beyond the starter vocabulary: concept_id, name, domain, vocabulary, class, standard, code.
const extraConcepts: readonly (readonly [number, string, string, string, string, string | null, string])[] = [
  [
    45576876,
    'Type 2 diabetes mellitus without complications',
    'Condition',
    'ICD10CM',
    '5-char billing code',
    null,
    'E11.9',
  ],
  [4245997, 'Body mass index', 'Measurement', 'SNOMED', 'Observable Entity', 'S', '60621009'],
  [45878245, 'Hospital lab glucose', 'Measurement', 'LOINC', 'Lab Test', 'S', '2345-7'],
];

/** Creates a test station with the starter vocabulary (its source_to_concept_map maps v3-ActCode and administrative-gender) and a few extra concepts. */
export async function createTestStation(): Promise<TestStation> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  await createCdmSchema(connection);
  await loadStarterVocabulary(connection);
  for (const [id, name, domain, vocabulary, cls, standard, code] of extraConcepts) {
    await connection.run(
      `INSERT OR IGNORE INTO cdm.concept VALUES ($id, $name, $domain, $vocabulary, $cls, $standard, $code,
        DATE '1970-01-01', DATE '2099-12-31', NULL)`,
      { id, name, domain, vocabulary, cls, standard, code },
    );
  }
  await connection.run(`INSERT INTO cdm.concept_relationship VALUES
    (45576876, 201826, 'Maps to', DATE '1970-01-01', DATE '2099-12-31', NULL)`);
  return {
    connection,
    async count(table, where) {
      const reader = await connection.runAndReadAll(
        `SELECT count(*) FROM ${table}${where ? ` WHERE ${where}` : ''}`,
      );
      return Number(reader.getRowsJS()[0]?.[0] ?? 0);
    },
    async rows(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader
        .getRowObjectsJS()
        .map((row) =>
          Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
        );
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

const file = 'test.ndjson';
let line = 0;

/** A Patient as a reader would emit it. */
export function patient(id: string, fields: Partial<PersonEvent> = {}): PersonEvent {
  const base = {
    kind: 'person' as const,
    sourceId: `Patient/${id}`,
    recordId: `Patient/${id}`,
    resourceType: 'Patient',
    location: { file, line: ++line },
    birthDate: '1970-05-01',
    gender: { codings: [{ system: 'http://hl7.org/fhir/administrative-gender', code: 'female' }] },
    ...fields,
  };
  return { ...base, raw: fields.raw ?? JSON.stringify({ ...base, raw: undefined }) };
}

/** An Encounter. */
export function encounter(id: string, personId: string, fields: Partial<VisitEvent> = {}): VisitEvent {
  const base = {
    kind: 'visit' as const,
    sourceId: `Encounter/${id}`,
    recordId: `Encounter/${id}`,
    resourceType: 'Encounter',
    location: { file, line: ++line },
    personRef: `Patient/${personId}`,
    visitClass: { codings: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }] },
    start: '2020-03-01T10:00:00+01:00',
    end: '2020-03-01T11:00:00+01:00',
    ...fields,
  };
  return { ...base, raw: fields.raw ?? JSON.stringify({ ...base, raw: undefined }) };
}

/** A clinical event (a Condition unless told otherwise). */
export function clinical(id: string, personId: string, fields: Partial<ClinicalEvent> = {}): ClinicalEvent {
  const resourceType = fields.resourceType ?? 'Condition';
  const base = {
    kind: 'clinical' as const,
    sourceId: `${resourceType}/${id}`,
    recordId: `${resourceType}/${id}`,
    resourceType,
    location: { file, line: ++line },
    personRef: `Patient/${personId}`,
    concept: {
      codings: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes type 2' }],
    },
    domainHint: 'condition' as const,
    start: '2020-03-01',
    ...fields,
  };
  return { ...base, raw: fields.raw ?? JSON.stringify({ ...base, raw: undefined }) };
}

/** Wraps outputs as a reader's async iterable. */
export async function* asReader(outputs: readonly ReaderOutput[]): AsyncGenerator<ReaderOutput> {
  for (const output of outputs) yield output;
}
