import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReaderOutput } from '../source-event.ts';
import {
  asReader,
  clinical,
  createTestStation,
  encounter,
  patient,
  type TestStation,
} from './_test-station.ts';
import { formatIngestReport } from './ingest-report.ts';
import { ingest } from './ingest.ts';

let station: TestStation;
beforeEach(async () => {
  station = await createTestStation();
});
afterEach(() => station.close());

const cdmTables = [
  'person',
  'death',
  'care_site',
  'visit_occurrence',
  'visit_detail',
  'condition_occurrence',
  'drug_exposure',
  'procedure_occurrence',
  'device_exposure',
  'measurement',
  'observation',
  'observation_period',
];

async function tableCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of cdmTables) counts[table] = await station.count(`cdm.${table}`);
  for (const table of ['source_record', 'quarantine']) counts[table] = await station.count(`polder.${table}`);
  return counts;
}

function small(): ReaderOutput[] {
  return [
    // Clinical events before the patient they refer to: NDJSON files come in any order.
    clinical('c1', 'p1', { visitRef: 'Encounter/e1' }),
    clinical('o1', 'p1', {
      resourceType: 'Observation',
      domainHint: 'measurement',
      concept: { codings: [{ system: 'http://loinc.org', code: '8867-4' }] },
      value: { number: 72, unit: { system: 'http://unitsofmeasure.org', code: '/min' }, operator: '<' },
      start: '2020-03-01T10:30:00+01:00',
    }),
    encounter('e1', 'p1'),
    patient('p1', { deathDate: '2021-01-02' }),
    patient('p2', {
      gender: { codings: [{ system: 'http://hl7.org/fhir/administrative-gender', code: 'male' }] },
    }),
    { kind: 'skipped', resourceType: 'Claim', location: { file: 'x.ndjson', line: 1 } },
  ];
}

describe('ingest()', () => {
  it('loads persons, visits and clinical events whatever their order, with concepts resolved', async () => {
    const report = await ingest(station.connection, { name: 'hospital-a', inputs: [asReader(small())] });
    const persons = await station.rows(
      'SELECT person_id, person_source_value AS source, gender_concept_id, year_of_birth FROM cdm.person ORDER BY 2',
    );
    expect(persons.map(({ person_id: _, ...rest }) => rest)).toEqual([
      { source: 'Patient/p1', gender_concept_id: 8532, year_of_birth: 1970 },
      { source: 'Patient/p2', gender_concept_id: 8507, year_of_birth: 1970 },
    ]);
    const p1 = persons[0]?.['person_id'];
    expect(await station.rows('SELECT person_id, CAST(death_date AS VARCHAR) AS d FROM cdm.death')).toEqual([
      { person_id: p1, d: '2021-01-02' },
    ]);
    const [visit] = await station.rows('SELECT * FROM cdm.visit_occurrence');
    expect(visit).toMatchObject({ person_id: p1, visit_concept_id: 9202, visit_type_concept_id: 32817 });
    const [condition] = await station.rows('SELECT * FROM cdm.condition_occurrence');
    expect(condition).toMatchObject({
      person_id: p1,
      condition_concept_id: 201826,
      condition_source_value: '44054006',
      condition_source_concept_id: 201826,
      visit_occurrence_id: visit?.['visit_occurrence_id'],
    });
    const [measurement] = await station.rows('SELECT * FROM cdm.measurement');
    expect(measurement).toMatchObject({
      measurement_concept_id: 3027018,
      value_as_number: 72,
      unit_concept_id: 8541,
      unit_source_value: '/min',
      operator_concept_id: 4171756,
    });
    expect(report.skipped).toEqual({ Claim: 1 });
    expect(report.tables.find((t) => t.table === 'person')).toMatchObject({ read: 2, inserted: 2 });
    expect(
      await station.rows(
        'SELECT person_id, CAST(observation_period_start_date AS VARCHAR) AS s, CAST(observation_period_end_date AS VARCHAR) AS e FROM cdm.observation_period',
      ),
    ).toEqual([{ person_id: p1, s: '2020-03-01', e: '2020-03-01' }]);
    expect(formatIngestReport(report)).toContain('condition_occurrence');
  });

  it('changes no row count when the same export is ingested twice', async () => {
    const outputs = [
      ...small(),
      clinical('bad', 'nobody'),
      {
        kind: 'invalid',
        location: { file: 'x.ndjson', line: 9 },
        raw: '{"resourceType":"Pat',
        reason: 'truncated',
      },
    ] satisfies ReaderOutput[];
    await ingest(station.connection, { name: 'hospital-a', inputs: [asReader(outputs)] });
    const before = await tableCounts();
    const report = await ingest(station.connection, { name: 'hospital-a', inputs: [asReader(outputs)] });
    expect(await tableCounts()).toEqual(before);
    expect(report.tables.every((t) => t.inserted === 0 && t.updated === 0)).toBe(true);
    expect(report.quarantineAdded).toBe(0);
    expect(report.quarantined).toBe(2);
  });

  it('updates a changed source record in place, with the same id', async () => {
    await ingest(station.connection, { name: 'hospital-a', inputs: [asReader(small())] });
    const [before] = await station.rows('SELECT condition_occurrence_id AS id FROM cdm.condition_occurrence');
    const changed = small().map((o) =>
      o.kind === 'clinical' && o.sourceId === 'Condition/c1'
        ? { ...o, start: '2020-02-01', raw: 'changed' }
        : o,
    );
    const report = await ingest(station.connection, { name: 'hospital-a', inputs: [asReader(changed)] });
    expect(
      await station.rows(
        'SELECT condition_occurrence_id AS id, CAST(condition_start_date AS VARCHAR) AS d FROM cdm.condition_occurrence',
      ),
    ).toEqual([{ id: before?.['id'], d: '2020-02-01' }]);
    expect(report.tables.find((t) => t.table === 'condition_occurrence')).toMatchObject({
      updated: 1,
      inserted: 0,
    });
    // The observation period follows.
    expect(
      await station.rows(
        'SELECT CAST(observation_period_start_date AS VARCHAR) AS s FROM cdm.observation_period',
      ),
    ).toEqual([{ s: '2020-02-01' }]);
  });

  it('sends a Condition whose code is in domain Measurement to measurement', async () => {
    const outputs = [
      patient('p1'),
      clinical('bmi', 'p1', {
        concept: { codings: [{ system: 'http://snomed.info/sct', code: '60621009' }] },
      }),
    ];
    await ingest(station.connection, { name: 'h', inputs: [asReader(outputs)] });
    expect(await station.count('cdm.condition_occurrence')).toBe(0);
    expect(await station.rows('SELECT measurement_concept_id AS c FROM cdm.measurement')).toEqual([
      { c: 4245997 },
    ]);
  });

  it('moves a row to another table with the same id when its code changes domain', async () => {
    await ingest(station.connection, { name: 'h', inputs: [asReader([patient('p1'), clinical('x', 'p1')])] });
    const [before] = await station.rows('SELECT condition_occurrence_id AS id FROM cdm.condition_occurrence');
    const moved = clinical('x', 'p1', {
      concept: { codings: [{ system: 'http://snomed.info/sct', code: '60621009' }] },
    });
    await ingest(station.connection, { name: 'h', inputs: [asReader([patient('p1'), moved])] });
    expect(await station.count('cdm.condition_occurrence')).toBe(0);
    expect(await station.rows('SELECT measurement_id AS id FROM cdm.measurement')).toEqual([
      { id: before?.['id'] },
    ]);
  });

  it('maps through Maps to and picks the first coding that maps', async () => {
    const outputs = [
      patient('p1'),
      clinical('x', 'p1', {
        concept: {
          codings: [
            { system: 'urn:local', code: 'DM2' },
            { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' },
          ],
        },
      }),
    ];
    await ingest(station.connection, { name: 'h', inputs: [asReader(outputs)] });
    expect(
      await station.rows(
        'SELECT condition_concept_id AS c, condition_source_concept_id AS s, condition_source_value AS v FROM cdm.condition_occurrence',
      ),
    ).toEqual([{ c: 201826, s: 45576876, v: 'E11.9' }]);
  });

  it('gives an unmapped code concept 0, keeps its source value and lists it', async () => {
    const outputs = [
      patient('p1'),
      clinical('x', 'p1', {
        domainHint: 'procedure',
        resourceType: 'Procedure',
        concept: { codings: [{ system: 'urn:hospital-a:proc', code: 'XR-77', display: 'Knee X-ray' }] },
      }),
      clinical('y', 'p1', {
        domainHint: 'procedure',
        resourceType: 'Procedure',
        concept: { codings: [{ system: 'urn:hospital-a:proc', code: 'XR-77', display: 'Knee X-ray' }] },
      }),
    ];
    const report = await ingest(station.connection, { name: 'h', inputs: [asReader(outputs)] });
    expect(
      await station.rows(
        'SELECT procedure_concept_id AS c, procedure_source_value AS v FROM cdm.procedure_occurrence',
      ),
    ).toEqual([
      { c: 0, v: 'XR-77' },
      { c: 0, v: 'XR-77' },
    ]);
    expect(report.unmappedCodes).toEqual([
      { system: 'urn:hospital-a:proc', code: 'XR-77', display: 'Knee X-ray', count: 2 },
    ]);
    expect(await station.rows('SELECT code, frequency FROM polder.unmapped_code')).toEqual([
      { code: 'XR-77', frequency: 2 },
    ]);
  });

  it('maps local codes through source_to_concept_map rows given with the ingest', async () => {
    const outputs = [
      patient('p1'),
      clinical('x', 'p1', {
        domainHint: 'measurement',
        concept: { codings: [{ system: 'hospital-c-lab', code: 'GLU' }] },
        value: { number: 5.4 },
      }),
    ];
    const report = await ingest(
      station.connection,
      { name: 'h', inputs: [asReader(outputs)] },
      {
        sourceToConceptMap: [
          {
            kind: 'sourceToConceptMap',
            sourceCode: 'GLU',
            sourceConceptId: 0,
            sourceVocabularyId: 'hospital-c-lab',
            targetConceptId: 45878245,
            targetVocabularyId: 'LOINC',
            validStartDate: '1970-01-01',
            validEndDate: '2099-12-31',
            location: { file: 'stcm.csv', line: 2 },
            raw: 'GLU,0,hospital-c-lab,...',
          },
        ],
      },
    );
    expect(report.sourceToConceptMapRows).toBe(1);
    expect(
      await station.rows(
        'SELECT measurement_concept_id AS c, measurement_source_value AS v, value_as_number AS n FROM cdm.measurement',
      ),
    ).toEqual([{ c: 45878245, v: 'GLU', n: 5.4 }]);
  });

  it('quarantines an event whose patient is not in the station, naming the reference', async () => {
    const report = await ingest(station.connection, {
      name: 'h',
      inputs: [asReader([patient('p1'), clinical('x', 'ghost'), encounter('e9', 'ghost')])],
    });
    const rows = await station.rows(
      'SELECT resource_type, record_id, reason, raw FROM polder.quarantine ORDER BY record_id',
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      record_id: 'Condition/x',
      reason: 'references patient Patient/ghost, which is not in the station',
    });
    expect(String(rows[0]?.['raw'])).toContain('Patient/ghost');
    expect(report.tables.find((t) => t.table === 'condition_occurrence')).toMatchObject({
      read: 1,
      quarantined: 1,
    });
  });

  it('says why a reference does not resolve when its target is in quarantine', async () => {
    await ingest(station.connection, {
      name: 'h',
      inputs: [asReader([patient('p1', { birthDate: undefined as unknown as string }), clinical('x', 'p1')])],
    });
    const rows = await station.rows('SELECT record_id, reason FROM polder.quarantine ORDER BY record_id');
    expect(rows).toEqual([
      {
        record_id: 'Condition/x',
        reason:
          'references patient Patient/p1, which is not in the station (it is in quarantine: has no birth date: OMOP person.year_of_birth is required)',
      },
      { record_id: 'Patient/p1', reason: 'has no birth date: OMOP person.year_of_birth is required' },
    ]);
  });

  it('quarantines events that end before they start or start before birth', async () => {
    const report = await ingest(station.connection, {
      name: 'h',
      inputs: [
        asReader([
          patient('p1', { birthDate: '1990-06-01' }),
          clinical('early', 'p1', { start: '1989-01-01' }),
          clinical('backwards', 'p1', { start: '2020-01-05', end: '2020-01-01' }),
          clinical('ok', 'p1'),
        ]),
      ],
    });
    expect(await station.rows('SELECT record_id, reason FROM polder.quarantine ORDER BY record_id')).toEqual([
      { record_id: 'Condition/backwards', reason: 'ends (2020-01-01) before it starts (2020-01-05)' },
      {
        record_id: 'Condition/early',
        reason: "starts on 1989-01-01, before the patient's birth on 1990-06-01",
      },
    ]);
    expect(report.tables.find((t) => t.table === 'condition_occurrence')).toMatchObject({
      read: 3,
      inserted: 1,
      quarantined: 2,
    });
  });

  it('judges end before start on the instants, so a visit across the end of daylight saving time loads', async () => {
    await ingest(station.connection, {
      name: 'h',
      inputs: [
        asReader([
          patient('p1'),
          encounter('dst', 'p1', { start: '2022-11-06T01:52:06-04:00', end: '2022-11-06T01:07:06-05:00' }),
          encounter('day', 'p1', { start: '2022-11-06T10:00:00+01:00', end: '2022-11-06' }),
        ]),
      ],
    });
    expect(await station.count('cdm.visit_occurrence')).toBe(2);
    expect(await station.count('polder.quarantine')).toBe(0);
  });

  it('marks a quarantined record resolved when a later run loads it', async () => {
    await ingest(station.connection, { name: 'h', inputs: [asReader([clinical('x', 'p1')])] });
    expect(await station.count('polder.quarantine', 'resolved_in_run IS NULL')).toBe(1);
    const report = await ingest(station.connection, {
      name: 'h',
      inputs: [asReader([patient('p1'), clinical('x', 'p1')])],
    });
    expect(await station.rows('SELECT record_id, resolved_in_run FROM polder.quarantine')).toEqual([
      { record_id: 'Condition/x', resolved_in_run: report.runId },
    ]);
  });

  it('records a failed run when a reader throws, and a later run loads everything', async () => {
    async function* broken(): AsyncGenerator<ReaderOutput> {
      yield patient('p1');
      throw new Error('Cannot read /exports/Patient.ndjson: disk gone');
    }
    await expect(ingest(station.connection, { name: 'h', inputs: [broken()] })).rejects.toThrow('disk gone');
    expect(await station.rows('SELECT status FROM polder.ingest_run')).toEqual([{ status: 'failed' }]);
    expect(await station.count('cdm.person')).toBe(0);
    await ingest(station.connection, { name: 'h', inputs: [asReader(small())] });
    expect(await station.count('cdm.person')).toBe(2);
    expect(await station.count('cdm.observation_period')).toBe(1);
  });

  it('ingests an empty source and reports nothing loaded', async () => {
    const report = await ingest(station.connection, { name: 'h', inputs: [asReader([])] });
    expect(report.recordsRead).toBe(0);
    expect(report.tables.every((t) => t.read === 0 && t.inserted === 0)).toBe(true);
  });

  it('keeps invalid records from a reader in quarantine while the rest loads', async () => {
    const report = await ingest(station.connection, {
      name: 'h',
      inputs: [
        asReader([
          patient('p1'),
          {
            kind: 'invalid',
            resourceType: 'Observation',
            location: { file: 'Observation.ndjson', line: 3 },
            raw: '{"resourceType":"Obs',
            reason: 'Cannot parse JSON: unexpected end of input',
          },
          clinical('ok', 'p1'),
        ]),
      ],
    });
    expect(report.invalidRecords).toBe(1);
    expect(await station.count('cdm.condition_occurrence')).toBe(1);
    expect(await station.rows('SELECT file, line, raw, reason FROM polder.quarantine')).toEqual([
      {
        file: 'Observation.ndjson',
        line: 3,
        raw: '{"resourceType":"Obs',
        reason: 'Cannot parse JSON: unexpected end of input',
      },
    ]);
  });

  it('loads the same rows when the big statements run in many small chunks', async () => {
    const outputs = [...small(), clinical('c2', 'p2'), clinical('c3', 'p1', { visitRef: 'Encounter/e1' })];
    const report = await ingest(
      station.connection,
      { name: 'h', inputs: [asReader(outputs)] },
      { chunkSize: 2 },
    );
    expect(report.tables.filter((t) => t.inserted > 0).map((t) => [t.table, t.inserted])).toEqual([
      ['person', 2],
      ['death', 1],
      ['visit_occurrence', 1],
      ['condition_occurrence', 3],
      ['measurement', 1],
      ['observation_period', 2],
    ]);
    expect(await station.count('cdm.condition_occurrence', 'visit_occurrence_id IS NOT NULL')).toBe(2);
  });

  it('records the run in polder.ingest_run', async () => {
    const report = await ingest(station.connection, { name: 'h', inputs: [asReader(small())] });
    const [run] = await station.rows('SELECT ingest_run_id, source, status, counts FROM polder.ingest_run');
    expect(run).toMatchObject({ ingest_run_id: report.runId, source: 'h', status: 'completed' });
    expect(JSON.parse(String(run?.['counts']))).toMatchObject({ recordsRead: report.recordsRead });
  });
});
