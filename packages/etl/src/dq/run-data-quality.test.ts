import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createCdmSchema } from '@polder/omop';
import { beforeAll, describe, expect, it } from 'vitest';
import { findListingMismatches } from './_listing-mismatches.ts';
import { formatDataQualitySummary, writeDataQualityReport } from './data-quality-report.ts';
import type { DataQualityCheckResult, DataQualityReport } from './data-quality-report.ts';
import { dqdDefaultExcludedTables, runDataQuality } from './run-data-quality.ts';

/**
 * A small CDM with planted violations; every count asserted below is derived in the comments of the
 * fixture. Persons: 1 male born 1960-01-01; 2 female born 1970-05 (no day, no birth_datetime);
 * 3 male born 1980, died 2020-01-01; 4 female without any record; 5 male born 1840.
 */
const fixture = [
  `INSERT INTO cdm.concept (concept_id, concept_name, domain_id, vocabulary_id, concept_class_id, standard_concept, concept_code, valid_start_date, valid_end_date) VALUES
    (0, 'No matching concept', 'Metadata', 'None', 'Undefined', NULL, 'No matching concept', '1970-01-01', '2099-12-31'),
    (8507, 'MALE', 'Gender', 'Gender', 'Gender', 'S', 'M', '1970-01-01', '2099-12-31'),
    (8532, 'FEMALE', 'Gender', 'Gender', 'Gender', 'S', 'F', '1970-01-01', '2099-12-31'),
    (32817, 'EHR', 'Type Concept', 'Type Concept', 'Type Concept', 'S', 'OMOP4976890', '1970-01-01', '2099-12-31'),
    (9201, 'Inpatient Visit', 'Visit', 'Visit', 'Visit', 'S', 'IP', '1970-01-01', '2099-12-31'),
    (201826, 'Type 2 diabetes mellitus', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '44054006', '1970-01-01', '2099-12-31'),
    (192367, 'Dysplasia of cervix', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '285836003', '1970-01-01', '2099-12-31'),
    (4000001, 'Diabetes (old code)', 'Condition', 'SNOMED', 'Clinical Finding', NULL, 'old', '1970-01-01', '2099-12-31'),
    (3004410, 'Hemoglobin A1c', 'Measurement', 'LOINC', 'Lab Test', 'S', '4548-4', '1970-01-01', '2099-12-31'),
    (37392176, 'Serum creatinine level', 'Observation', 'SNOMED', 'Observable Entity', 'S', '1', '1970-01-01', '2099-12-31'),
    (8554, 'percent', 'Unit', 'UCUM', 'Unit', 'S', '%', '1970-01-01', '2099-12-31'),
    (8840, 'milligram per deciliter', 'Unit', 'UCUM', 'Unit', 'S', 'mg/dL', '1970-01-01', '2099-12-31'),
    (8749, 'micromole per liter', 'Unit', 'UCUM', 'Unit', 'S', 'umol/L', '1970-01-01', '2099-12-31'),
    (1503297, 'metformin', 'Drug', 'RxNorm', 'Ingredient', 'S', '6809', '1970-01-01', '2099-12-31'),
    (1503298, 'metformin 500 MG Oral Tablet', 'Drug', 'RxNorm', 'Clinical Drug', 'S', '861007', '1970-01-01', '2099-12-31'),
    (4041261, 'Procedure on female genital system', 'Procedure', 'SNOMED', 'Procedure', 'S', '1', '1970-01-01', '2099-12-31'),
    (4000002, 'Hysterectomy', 'Procedure', 'SNOMED', 'Procedure', 'S', '2', '1970-01-01', '2099-12-31')`,
  `INSERT INTO cdm.concept_ancestor VALUES (4041261, 4041261, 0, 0), (4041261, 4000002, 1, 1)`,
  // plausibleGenderUseDescendants: a descendant of a female-only procedure for a man (person 1).
  `INSERT INTO cdm.procedure_occurrence (procedure_occurrence_id, person_id, procedure_concept_id, procedure_date, procedure_type_concept_id) VALUES
    (1, 1, 4000002, '2010-01-01', 32817),
    (2, 2, 4000002, '2012-01-01', 32817),
    (3, 2, 201826, '2012-01-01', 32817)`,
  `INSERT INTO cdm.person (person_id, gender_concept_id, year_of_birth, month_of_birth, day_of_birth, birth_datetime, race_concept_id, ethnicity_concept_id) VALUES
    (1, 8507, 1960, 1, 1, '1960-01-01 00:00:00', 0, 0),
    (2, 8532, 1970, 5, NULL, NULL, 0, 0),
    (3, 8507, 1980, NULL, NULL, NULL, 0, 0),
    (4, 8532, 1990, NULL, NULL, NULL, 0, 0),
    (5, 8507, 1840, NULL, NULL, NULL, 0, 0)`,
  // Person 2's periods are back to back (overlap check); person 4 has none (person completeness).
  `INSERT INTO cdm.observation_period VALUES
    (1, 1, '2000-01-01', '2020-12-31', 32817),
    (2, 2, '2010-01-01', '2015-12-31', 32817),
    (3, 2, '2016-01-01', '2020-12-31', 32817),
    (4, 3, '2000-01-01', '2019-12-31', 32817),
    (5, 5, '2000-01-01', '2020-12-31', 32817)`,
  `INSERT INTO cdm.death (person_id, death_date, death_type_concept_id) VALUES (3, '2020-01-01', 32817)`,
  // v3: a condition concept as visit concept (fkDomain) that ends before it starts; v4: unmapped.
  `INSERT INTO cdm.visit_occurrence (visit_occurrence_id, person_id, visit_concept_id, visit_start_date, visit_end_date, visit_type_concept_id) VALUES
    (1, 1, 9201, '2010-01-01', '2010-01-05', 32817),
    (2, 2, 9201, '2012-03-01', '2012-03-02', 32817),
    (3, 3, 201826, '2015-01-01', '2014-12-01', 32817),
    (4, 1, 0, '2011-01-01', '2011-01-01', 32817)`,
  `INSERT INTO cdm.condition_occurrence (condition_occurrence_id, person_id, condition_concept_id, condition_start_date, condition_type_concept_id, visit_occurrence_id, condition_source_value) VALUES
    (1, 1, 201826, '2010-01-03', 32817, 1, 'E11'),
    (2, 2, 192367, '2012-03-01', 32817, 2, NULL),
    (3, 1, 192367, '2010-01-02', 32817, 1, NULL),       -- plausibleGender: a man with cervix dysplasia
    (4, 3, 4000001, '2015-01-01', 32817, NULL, NULL),   -- isStandardValidConcept
    (5, 3, 201826, '2020-06-01', 32817, 3, NULL),       -- > death + 60 days, far from visit 3, outside periods
    (6, 2, 999999, '2013-01-01', 32817, NULL, NULL),    -- isForeignKey: not in CONCEPT
    (7, 1, 201826, '1959-06-01', 32817, NULL, NULL),    -- before birth, outside periods
    (8, 5, 0, '2005-01-01', 32817, NULL, 'XYZ'),        -- unmapped
    (9, 1, 3004410, '2010-01-04', 32817, NULL, NULL),   -- fkDomain: a measurement concept
    (10, 2, 192367, '1970-05-15', 32817, NULL, NULL)    -- after 1970-05-01 but before mid-1970; outside periods`,
  `INSERT INTO cdm.measurement (measurement_id, person_id, measurement_concept_id, measurement_date, measurement_type_concept_id, value_as_number, unit_concept_id, unit_source_value) VALUES
    (1, 1, 3004410, '2010-01-02', 32817, 6.5, 8554, '%'),
    (2, 1, 3004410, '2010-06-01', 32817, 48, 8840, 'mg/dL'),  -- implausible unit
    (3, 2, 3004410, '2012-01-01', 32817, NULL, NULL, NULL),
    (4, 2, 3004410, '2012-02-01', 32817, 7.0, 0, '%'),        -- unmapped unit: implausible, unit completeness
    (5, 3, 3004410, '2021-01-01', 32817, 5.0, 8554, '%'),     -- outside every period
    (6, 1, 3004410, '2010-02-01', 32817, NULL, 0, NULL)`,
  `INSERT INTO cdm.observation (observation_id, person_id, observation_concept_id, observation_date, observation_type_concept_id, value_as_number, unit_concept_id) VALUES
    (1, 1, 37392176, '2010-01-01', 32817, 1.0, 8840),
    (2, 1, 37392176, '2010-01-02', 32817, 7.5, 8840),   -- above 5 mg/dL
    (3, 2, 37392176, '2012-01-01', 32817, 0.05, 8840),  -- below 0.1 mg/dL
    (4, 2, 37392176, '2012-01-02', 32817, 100, 8749),
    (5, 2, 37392176, '2012-01-03', 32817, NULL, 8840)`,
  `INSERT INTO cdm.drug_era (drug_era_id, person_id, drug_concept_id, drug_era_start_date, drug_era_end_date) VALUES
    (1, 1, 1503297, '2010-01-01', '2010-02-01'),
    (2, 1, 1503298, '2010-03-01', '2010-04-01')`,
  // Without the DDL's constraints: a duplicate and a missing key.
  'CREATE OR REPLACE TABLE cdm.care_site AS SELECT * FROM cdm.care_site LIMIT 0',
  `INSERT INTO cdm.care_site (care_site_id, care_site_name) VALUES (1, 'A'), (1, 'B'), (2, 'C'), (NULL, 'D')`,
  // location_id as text: two values are not integers, and person.location_id can no longer be joined to it.
  'CREATE OR REPLACE TABLE cdm.location AS SELECT CAST(location_id AS VARCHAR) AS location_id, * EXCLUDE (location_id) FROM cdm.location LIMIT 0',
  `INSERT INTO cdm.location (location_id) VALUES ('1'), ('2'), ('x3'), ('4.5')`,
  'DROP TABLE cdm.specimen',
  'ALTER TABLE cdm.provider DROP COLUMN year_of_birth',
];

describe('runDataQuality() on planted violations', () => {
  let connection: DuckDBConnection;
  let report: DataQualityReport;
  const check = (checkId: string): DataQualityCheckResult => {
    const found = report.checks.find((c) => c.checkId === checkId);
    if (!found) throw new Error(`No check ${checkId} in the report`);
    return found;
  };
  const counts = (checkId: string): [number | null, number | null, string] => {
    const c = check(checkId);
    return [c.numViolatedRows, c.numDenominatorRows, c.status];
  };

  beforeAll(async () => {
    const instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    await createCdmSchema(connection);
    for (const statement of fixture) await connection.run(statement);
    report = await runDataQuality(connection, { instance, concurrency: 3 });
  });

  it('cdmTable and cdmField fail for a missing table and field; their checks error while the rest run', () => {
    expect(counts('cdmTable.specimen')).toEqual([1, 1, 'failed']);
    expect(counts('cdmTable.person')).toEqual([0, 1, 'passed']);
    expect(counts('cdmField.person.person_id')).toEqual([0, 1, 'passed']);
    expect(check('isRequired.specimen.specimen_id')).toMatchObject({
      status: 'error',
      error: 'Table cdm.specimen does not exist',
      numViolatedRows: null,
    });
    expect(check('withinObservationPeriod.specimen.specimen_date').status).toBe('error');
    expect(counts('cdmField.provider.year_of_birth')).toEqual([1, 1, 'failed']);
    expect(check('cdmDatatype.provider.year_of_birth').error).toBe(
      'Field cdm.provider.year_of_birth does not exist',
    );
    const otherErrors = report.checks.filter(
      (c) => c.status === 'error' && c.table !== 'specimen' && c.field !== 'year_of_birth',
    );
    expect(otherErrors.map((c) => c.checkId)).toEqual([
      'isForeignKey.care_site.location_id',
      'isForeignKey.person.location_id',
    ]);
  });

  it('a query that fails is reported as error for its check alone (person.location_id against a text key)', () => {
    expect(check('isForeignKey.person.location_id').error).toMatch(/VARCHAR|BIGINT|compar|cast/i);
    expect(counts('isRequired.person.person_id')).toEqual([0, 5, 'passed']);
  });

  it('isRequired and isPrimaryKey count NULL and repeated keys', () => {
    expect(counts('isRequired.care_site.care_site_id')).toEqual([1, 4, 'failed']);
    expect(counts('isPrimaryKey.care_site.care_site_id')).toEqual([2, 4, 'failed']);
    expect(counts('isPrimaryKey.person.person_id')).toEqual([0, 5, 'passed']);
  });

  it('cdmDatatype counts values of an integer field that are not integers', () => {
    expect(counts('cdmDatatype.location.location_id')).toEqual([2, 4, 'failed']);
    expect(counts('cdmDatatype.person.year_of_birth')).toEqual([0, 5, 'passed']);
  });

  it('isForeignKey, fkDomain, fkClass and isStandardValidConcept look concepts up in CONCEPT', () => {
    expect(counts('isForeignKey.condition_occurrence.condition_concept_id')).toEqual([1, 10, 'failed']);
    expect(counts('fkDomain.condition_occurrence.condition_concept_id')).toEqual([1, 10, 'failed']);
    expect(counts('isStandardValidConcept.condition_occurrence.condition_concept_id')).toEqual([
      1,
      10,
      'failed',
    ]);
    expect(counts('fkDomain.visit_occurrence.visit_concept_id')).toEqual([1, 4, 'failed']);
    expect(counts('fkClass.drug_era.drug_concept_id')).toEqual([1, 2, 'failed']);
    expect(counts('isForeignKey.condition_occurrence.person_id')).toEqual([0, 10, 'passed']);
    expect(counts('isForeignKey.condition_occurrence.visit_occurrence_id')).toEqual([0, 10, 'passed']);
  });

  it('measureValueCompleteness and the concept record completeness checks count NULL and 0', () => {
    expect(counts('measureValueCompleteness.measurement.value_as_number')).toEqual([2, 6, 'passed']);
    expect(counts('standardConceptRecordCompleteness.condition_occurrence.condition_concept_id')).toEqual([
      1,
      10,
      'failed',
    ]);
    expect(counts('standardConceptRecordCompleteness.visit_occurrence.visit_concept_id')).toEqual([
      1,
      4,
      'failed',
    ]);
    // Units count only where there is a number: measurements 1, 2, 4, 5.
    expect(counts('standardConceptRecordCompleteness.measurement.unit_concept_id')).toEqual([1, 4, 'failed']);
  });

  it('sourceValueCompleteness counts distinct source values mapped to 0 (NULL is one value)', () => {
    // Distinct: 'E11', 'XYZ', NULL; only 'XYZ' is unmapped. Threshold 10%.
    expect(counts('sourceValueCompleteness.condition_occurrence.condition_source_value')).toEqual([
      1,
      3,
      'failed',
    ]);
  });

  it('measurePersonCompleteness and measureObservationPeriodOverlap count persons', () => {
    expect(counts('measurePersonCompleteness.observation_period')).toEqual([1, 5, 'failed']);
    expect(counts('measureObservationPeriodOverlap.observation_period')).toEqual([1, 4, 'failed']);
  });

  it('plausibleValueLow/High compare numbers, dates and this year', () => {
    expect(counts('plausibleValueLow.person.year_of_birth')).toEqual([1, 5, 'failed']);
    expect(counts('plausibleValueHigh.person.year_of_birth')).toEqual([0, 5, 'passed']);
    expect(counts('plausibleValueLow.condition_occurrence.condition_start_date')).toEqual([0, 10, 'passed']);
  });

  it('plausibleAfterBirth uses the first of the month of birth, plausibleTemporalAfter the middle of the year', () => {
    expect(counts('plausibleAfterBirth.condition_occurrence.condition_start_date')).toEqual([
      1,
      10,
      'failed',
    ]);
    expect(counts('plausibleTemporalAfter.condition_occurrence.condition_start_date')).toEqual([
      2,
      10,
      'failed',
    ]);
  });

  it('plausibleDuringLife and plausibleBeforeDeath count records more than 60 days after death', () => {
    expect(counts('plausibleDuringLife.condition_occurrence.condition_start_date')).toEqual([1, 2, 'failed']);
    expect(counts('plausibleBeforeDeath.condition_occurrence.condition_start_date')).toEqual([
      1,
      2,
      'failed',
    ]);
  });

  it('plausibleStartBeforeEnd and withinVisitDates compare dates of a record and of its visit', () => {
    expect(counts('plausibleStartBeforeEnd.visit_occurrence.visit_start_date')).toEqual([1, 4, 'failed']);
    expect(counts('withinVisitDates.condition_occurrence.condition_start_date')).toEqual([1, 4, 'failed']);
  });

  it('withinObservationPeriod counts records outside every observation period of their person', () => {
    expect(counts('withinObservationPeriod.condition_occurrence.condition_start_date')).toEqual([
      3,
      10,
      'failed',
    ]);
    expect(counts('withinObservationPeriod.measurement.measurement_date')).toEqual([1, 6, 'failed']);
    expect(counts('withinObservationPeriod.visit_occurrence.visit_start_date')).toEqual([0, 4, 'passed']);
  });

  it('checks concepts: plausibleGender (with descendants), plausibleUnitConceptIds, plausibleValueLow/High per unit', () => {
    expect(counts('plausibleGender.condition_occurrence.condition_concept_id.192367')).toEqual([
      1,
      3,
      'failed',
    ]);
    expect(counts('plausibleGenderUseDescendants.procedure_occurrence.procedure_concept_id.4041261')).toEqual(
      [1, 2, 'failed'],
    );
    // Measurements 1, 2, 4, 5 have a value and a source unit; 2 (mg/dL) and 4 (unit 0) are implausible.
    expect(counts('plausibleUnitConceptIds.measurement.measurement_concept_id.3004410')).toEqual([
      2,
      4,
      'failed',
    ]);
    expect(counts('plausibleValueLow.observation.observation_concept_id.37392176.8840')).toEqual([
      1,
      3,
      'failed',
    ]);
    expect(counts('plausibleValueHigh.observation.observation_concept_id.37392176.8840')).toEqual([
      1,
      3,
      'failed',
    ]);
    expect(counts('plausibleValueLow.observation.observation_concept_id.37392176.8749')).toEqual([
      0,
      1,
      'passed',
    ]);
  });

  it('follows DQD’s not-applicable rules for empty tables, empty fields and absent concepts', () => {
    expect(check('isRequired.note.note_id')).toMatchObject({
      status: 'not applicable',
      notApplicableReason: 'Table NOTE is empty.',
    });
    expect(check('isForeignKey.measurement.provider_id')).toMatchObject({
      status: 'not applicable',
      notApplicableReason: 'Field MEASUREMENT.PROVIDER_ID is not populated.',
    });
    expect(check('plausibleValueLow.observation.observation_concept_id.37392176.8751').status).toBe(
      'not applicable',
    );
    // Not populated, but measureValueCompleteness itself is evaluated (threshold 100%: passes).
    expect(counts('measureValueCompleteness.measurement.provider_id')).toEqual([6, 6, 'passed']);
  });

  it('lists the violating rows of a failed check with its query', async () => {
    const sql =
      check('plausibleGender.condition_occurrence.condition_concept_id.192367').violatingRowsSql ?? '';
    const rows = (await connection.runAndReadAll(sql)).getRowObjects();
    expect(rows.map((row) => row.condition_occurrence_id)).toEqual([3n]);
    expect(check('isRequired.person.person_id').violatingRowsSql).toBeUndefined();
  });

  it('lists, for every check, as many violating rows as it counts', async () => {
    expect(await findListingMismatches(connection, report)).toEqual([]);
  });

  it('scores the run as passed / (passed + failed) and counts by Kahn category', () => {
    const { passed, failed, total, notApplicable, error } = report.overview;
    expect(passed + failed + notApplicable + error).toBe(total);
    expect(report.score).toBe(Math.round((passed / (passed + failed)) * 10_000) / 100);
    const byKahn = Object.values(report.byKahn);
    expect(byKahn.reduce((sum, c) => sum + c.total, 0)).toBe(total);
  });

  it('formats a summary by Kahn category with every failed check and its query, and writes both files', async () => {
    const summary = formatDataQualitySummary(report);
    expect(summary).toMatch(/Conformance\s+\d+\s+\d+\s+[\d.]+%/);
    expect(summary).toContain('✗ withinObservationPeriod');
    expect(summary).toContain('1 of 6 violating');
    expect(summary).toContain('! isForeignKey person.location_id');
    const severities = [...summary.matchAll(/^✗ \S+ \[[^,]+, (\w+)\]/gm)].map((m) => m[1]);
    expect(severities.indexOf('fatal')).toBe(0);
    expect(severities.lastIndexOf('fatal')).toBeLessThan(severities.indexOf('convention'));
    expect(severities.lastIndexOf('convention')).toBeLessThan(severities.indexOf('characterization'));
    const dir = await mkdtemp(join(tmpdir(), 'polder-dq-'));
    try {
      const { reportPath, summaryPath } = await writeDataQualityReport(report, dir);
      expect(JSON.parse(await readFile(reportPath, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
      expect(await readFile(summaryPath, 'utf8')).toBe(summary);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps a row per run in polder.dq_run, creating the table once', async () => {
    await runDataQuality(connection, { checkNames: ['cdmTable'] });
    const rows = (
      await connection.runAndReadAll('SELECT checks_total FROM polder.dq_run ORDER BY started_at')
    ).getRows();
    expect(rows.map((row) => row[0])).toEqual([report.checks.length, 39 - dqdDefaultExcludedTables.length]);
  });

  it('takes thresholds given by check id or check name over DQD’s', async () => {
    const loose = await runDataQuality(connection, {
      checkNames: ['withinObservationPeriod'],
      thresholds: { withinObservationPeriod: 20, 'withinObservationPeriod.measurement.measurement_date': 10 },
      persist: false,
    });
    const byId = new Map(loose.checks.map((c) => [c.checkId, c]));
    // 3 of 10 conditions (30%) exceed 20%; 1 of 6 measurements (16.7%) exceeds 10%.
    expect(byId.get('withinObservationPeriod.condition_occurrence.condition_start_date')).toMatchObject({
      threshold: 20,
      status: 'failed',
    });
    expect(byId.get('withinObservationPeriod.measurement.measurement_date')).toMatchObject({
      threshold: 10,
      status: 'failed',
    });
    const looser = await runDataQuality(connection, {
      checkNames: ['withinObservationPeriod'],
      thresholds: { withinObservationPeriod: 50 },
      persist: false,
    });
    expect(looser.checks.filter((c) => c.status === 'failed')).toEqual([]);
  });

  it('leaves the vocabulary tables’ own checks out unless asked, as DQD does', async () => {
    expect(report.checks.some((c) => c.table === 'concept')).toBe(false);
    const withVocabulary = await runDataQuality(connection, {
      checkNames: ['isPrimaryKey'],
      tablesToExclude: [],
      persist: false,
    });
    expect(withVocabulary.checks.find((c) => c.checkId === 'isPrimaryKey.concept.concept_id')?.status).toBe(
      'passed',
    );
  });
});
