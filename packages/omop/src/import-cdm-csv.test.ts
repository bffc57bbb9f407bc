import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cdmTables, importCdmCsv } from './index.ts';
import { countDataLines, sharedData } from './_test-data.ts';

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeEach(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});

afterEach(() => {
  connection.closeSync();
  instance.closeSync();
});

async function count(table: string, where = 'true'): Promise<number> {
  const result = await connection.runAndReadAll(`SELECT count(*) FROM cdm.${table} WHERE ${where}`);
  return Number(result.getRowsJS()[0]?.[0]);
}

async function tableCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of cdmTables) counts[table.name] = await count(table.name);
  return counts;
}

describe('importCdmCsv()', () => {
  it('loads all 39 tables of Eunomia Synthea27Nj (CDM 5.4) with as many rows as the files have lines', async () => {
    const dir = sharedData('eunomia-synthea27nj/csv');
    const report = await importCdmCsv(connection, dir);

    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    const files = (await readdir(dir)).filter((name) => name.endsWith('.csv'));
    expect(files).toHaveLength(39);
    const expected: Record<string, number> = {};
    for (const file of files)
      expected[file.replace(/\.csv$/, '').toLowerCase()] = countDataLines(join(dir, file));
    expect(await tableCounts()).toEqual(expected);
    expect(report.counts).toEqual(expected);
    expect(expected['concept_relationship']).toBe(266_588);
  });

  it('loads the MIMIC-IV demo (CDM 5.3.1) with 64-bit ids and custom concepts intact', async () => {
    const dir = sharedData('mimic-iv-demo-omop-partial');
    const report = await importCdmCsv(connection, dir);

    expect(report.ok).toBe(true);
    const person = await connection.runAndReadAll(
      'SELECT person_id, year_of_birth FROM cdm.person WHERE person_id = $1',
      [3589912774911670296n],
    );
    expect(person.getRowsJS()).toEqual([[3589912774911670296n, 2095]]);
    expect(await count('person')).toBe(countDataLines(join(dir, 'person.csv')));
    expect(await count('visit_detail')).toBe(14_479);
    expect(await count('condition_occurrence')).toBe(16_441);

    // Custom concepts above 2,000,000,000 keep their ids and their codes (trailing blanks too).
    const customInFile = readFileSync(join(dir, 'concept.csv'), 'utf8')
      .split('\n')
      .slice(1)
      .filter((line) => line !== '' && Number(line.split(',')[0]) > 2_000_000_000).length;
    expect(await count('concept', 'concept_id > 2000000000')).toBe(customInFile);
    const caffeine = await connection.runAndReadAll(
      'SELECT concept_name, concept_code FROM cdm.concept WHERE concept_id = 2000010536',
    );
    expect(caffeine.getRowsJS()).toEqual([['Acetaminophen', 'ACETAMINOPHEN (RECTAL) ']]);

    // 5.3 columns land under their 5.4 names.
    const detail = await connection.runAndReadAll(
      `SELECT admitted_from_concept_id, parent_visit_detail_id, visit_occurrence_id FROM cdm.visit_detail
       WHERE visit_detail_id = -1757828362327778468`,
    );
    expect(detail.getRowsJS()).toEqual([[8870n, null, -9127810274408915712n]]);
    const visits = report.tables.find((table) => table.table === 'visit_occurrence');
    expect(visits?.renamed).toContain('discharge_to_concept_id → discharged_to_concept_id');
    expect(visits?.filled).toEqual([]);
    const procedures = report.tables.find((table) => table.table === 'procedure_occurrence');
    expect(procedures?.filled).toEqual(['procedure_end_date', 'procedure_end_datetime']);

    const codes = report.problems.map((problem) => `${problem.code} ${problem.file.split('/').pop() ?? ''}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        'dropped-table attribute_definition.csv',
        'dropped-table cohort_attribute.csv',
        'filled-required-column cdm_source.csv',
      ]),
    );
    expect(report.problems.some((problem) => problem.code === 'load-failed')).toBe(false);
  });

  it('loads Eunomia GiBleed from Parquet (CDM 5.3.1, ids stored as DOUBLE) and renumbers its repeated ids', async () => {
    const dir = sharedData('eunomia-gibleed/parquet');
    const report = await importCdmCsv(connection, dir);

    expect(report.ok).toBe(true);
    expect(report.counts['person']).toBe(2694);
    expect(await count('condition_occurrence')).toBe(65_332);
    expect(await count('drug_exposure')).toBe(67_707);
    expect(await count('measurement')).toBe(44_053);
    expect(await count('concept_ancestor')).toBe(65_690);
    const types = await connection.runAndReadAll(
      `SELECT data_type FROM information_schema.columns WHERE table_schema = 'cdm' AND table_name = 'person'
       AND column_name = 'person_id'`,
    );
    expect(types.getRowsJS()).toEqual([['BIGINT']]);
    const relationship = await connection.runAndReadAll(
      `SELECT is_hierarchical, defines_ancestry FROM cdm.relationship WHERE relationship_id = 'Subsumes'`,
    );
    expect(relationship.getRowsJS()).toEqual([['1', '1']]);
    const renumbered = report.problems.filter((problem) => problem.code === 'renumbered-duplicate-keys');
    expect(renumbered.map((problem) => problem.table)).toEqual([
      'drug_exposure',
      'measurement',
      'observation',
    ]);
    expect(report.problems.find((problem) => problem.table === 'cost')).toBeUndefined();
  });

  it('reports a table with repeated ids as failed when duplicateKeys is fail, and loads the others', async () => {
    const report = await importCdmCsv(connection, sharedData('eunomia-gibleed/parquet'), {
      duplicateKeys: 'fail',
      tables: ['person', 'drug_exposure'],
    });
    expect(report.ok).toBe(false);
    expect(report.counts['person']).toBe(2694);
    const failed = report.tables.find((table) => table.table === 'drug_exposure');
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(/drug_exposure\.parquet.*duplicate key/);
    expect(await count('drug_exposure')).toBe(0);
  });

  it('is idempotent: importing the same export twice leaves the same rows', async () => {
    const dir = sharedData('eunomia-synthea27nj/csv');
    await importCdmCsv(connection, dir);
    const first = await tableCounts();
    const again = await importCdmCsv(connection, dir);
    expect(again.ok).toBe(true);
    expect(await tableCounts()).toEqual(first);
  });

  describe('with a hand-made export', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'polder-cdm-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reads yyyymmdd dates, upper-case names and reports columns it cannot place', async () => {
      await writeFile(
        join(dir, 'OBSERVATION_PERIOD.CSV'),
        'observation_period_id,person_id,observation_period_start_date,observation_period_end_date,period_type_concept_id,ward\n' +
          '1,9007199254740993,20200131,2021-02-28,32817,B4\n',
      );
      await writeFile(join(dir, 'notes.txt'), 'not a table');
      const report = await importCdmCsv(connection, dir);
      expect(report.ok).toBe(true);
      const rows = await connection.runAndReadAll(
        `SELECT person_id, CAST(observation_period_start_date AS VARCHAR), CAST(observation_period_end_date AS VARCHAR)
         FROM cdm.observation_period`,
      );
      expect(rows.getRowsJS()).toEqual([[9007199254740993n, '2020-01-31', '2021-02-28']]);
      expect(report.problems).toEqual([
        expect.objectContaining({ code: 'unplaced-column', table: 'observation_period' }),
      ]);
      expect(report.problems[0]?.message).toMatch(/OBSERVATION_PERIOD\.CSV: column ward has no place/);
    });

    it('reads a tab-separated vocabulary file with stray quotes, merging it into the concepts already there', async () => {
      await writeFile(
        join(dir, 'concept.csv'),
        'concept_id\tconcept_name\tdomain_id\tvocabulary_id\tconcept_class_id\tstandard_concept\tconcept_code\tvalid_start_date\tvalid_end_date\tinvalid_reason\n' +
          '2000000001\t"Ward" 5\tObservation\tLocal\tUndefined\t\tW5\t19700101\t20991231\t\n',
      );
      await connection.run(`CREATE SCHEMA cdm`);
      await importCdmCsv(connection, dir);
      await connection.run(
        `INSERT INTO cdm.concept VALUES (8507, 'MALE', 'Gender', 'Gender', 'Gender', 'S', 'M', DATE '1970-01-01', DATE '2099-12-31', NULL)`,
      );
      const report = await importCdmCsv(connection, dir);
      expect(report.ok).toBe(true);
      const names = await connection.runAndReadAll(
        'SELECT concept_name FROM cdm.concept ORDER BY concept_id',
      );
      expect(names.getRowsJS()).toEqual([['MALE'], ['"Ward" 5']]);
    });

    it('reports a bad value with the file name and still loads the other files', async () => {
      await writeFile(
        join(dir, 'person.csv'),
        'person_id,gender_concept_id,year_of_birth,race_concept_id,ethnicity_concept_id\n1,8507,1970,0,0\n',
      );
      await writeFile(
        join(dir, 'death.csv'),
        'person_id,death_date,death_type_concept_id\n1,not-a-date,32817\n',
      );
      const report = await importCdmCsv(connection, dir);
      expect(report.ok).toBe(false);
      expect(report.counts).toEqual({ person: 1 });
      const failed = report.tables.find((table) => table.table === 'death');
      expect(failed?.error).toMatch(/^Cannot import death\.csv: .*not-a-date/);
    });
  });
});
