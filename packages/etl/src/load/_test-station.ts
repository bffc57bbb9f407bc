import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createCdmSchema } from '@polder/omop';
import type { ClinicalEvent, PersonEvent, ReaderOutput, VisitEvent } from '../source-event.ts';

/** An in-memory station with the CDM schema and the few concepts the loader tests need. */
export interface TestStation {
  readonly connection: DuckDBConnection;
  /** Row count of a table (`cdm.person`, `polder.quarantine`, …). */
  count(table: string, where?: string): Promise<number>;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

// concept_id, name, domain, vocabulary, class, standard, code
const concepts: readonly (readonly [number, string, string, string, string, string | null, string])[] = [
  [8507, 'MALE', 'Gender', 'Gender', 'Gender', 'S', 'M'],
  [8532, 'FEMALE', 'Gender', 'Gender', 'Gender', 'S', 'F'],
  [9201, 'Inpatient Visit', 'Visit', 'Visit', 'Visit', 'S', 'IP'],
  [9202, 'Outpatient Visit', 'Visit', 'Visit', 'Visit', 'S', 'OP'],
  [9203, 'Emergency Room Visit', 'Visit', 'Visit', 'Visit', 'S', 'ER'],
  [201826, 'Type 2 diabetes mellitus', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '44054006'],
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
  [4053118, 'Full-time employment', 'Observation', 'SNOMED', 'Clinical Finding', 'S', '160903007'],
  [4249893, 'Colonoscopy', 'Procedure', 'SNOMED', 'Procedure', 'S', '73761001'],
  [3027018, 'Heart rate', 'Measurement', 'LOINC', 'Clinical Observation', 'S', '8867-4'],
  [8541, 'per minute', 'Unit', 'UCUM', 'Unit', 'S', '/min'],
  [9529, 'kilogram', 'Unit', 'UCUM', 'Unit', 'S', 'kg'],
  [1125315, 'Acetaminophen', 'Drug', 'RxNorm', 'Ingredient', 'S', '161'],
  [45878245, 'Hospital lab glucose', 'Measurement', 'LOINC', 'Lab Test', 'S', '2345-7'],
];

/** Creates a test station; seeds concepts and the starter mappings (v3-ActCode, administrative-gender). */
export async function createTestStation(): Promise<TestStation> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  await createCdmSchema(connection);
  for (const [id, name, domain, vocabulary, cls, standard, code] of concepts) {
    await connection.run(
      `INSERT INTO cdm.concept VALUES ($id, $name, $domain, $vocabulary, $cls, $standard, $code,
        DATE '1970-01-01', DATE '2099-12-31', NULL)`,
      { id, name, domain, vocabulary, cls, standard, code },
    );
  }
  await connection.run(`INSERT INTO cdm.concept_relationship VALUES
    (45576876, 201826, 'Maps to', DATE '1970-01-01', DATE '2099-12-31', NULL)`);
  await connection.run(`INSERT INTO cdm.source_to_concept_map VALUES
    ('IMP', 0, 'v3-ActCode', 'inpatient encounter', 9201, 'Visit', DATE '1970-01-01', DATE '2099-12-31', NULL),
    ('EMER', 0, 'v3-ActCode', 'emergency', 9203, 'Visit', DATE '1970-01-01', DATE '2099-12-31', NULL),
    ('AMB', 0, 'v3-ActCode', 'ambulatory', 9202, 'Visit', DATE '1970-01-01', DATE '2099-12-31', NULL),
    ('male', 0, 'administrative-gender', 'Male', 8507, 'Gender', DATE '1970-01-01', DATE '2099-12-31', NULL),
    ('female', 0, 'administrative-gender', 'Female', 8532, 'Gender', DATE '1970-01-01', DATE '2099-12-31', NULL)`);
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
