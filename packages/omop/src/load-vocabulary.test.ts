import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countVocabularyRows, loadVocabulary } from './index.ts';
import { sharedData } from './_test-data.ts';

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let dir: string;

beforeEach(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  dir = await mkdtemp(join(tmpdir(), 'polder-athena-'));
});

afterEach(async () => {
  connection.closeSync();
  instance.closeSync();
  await rm(dir, { recursive: true, force: true });
});

const tsv = (...rows: string[][]): string => `${rows.map((row) => row.join('\t')).join('\n')}\n`;

const conceptHeader = [
  'concept_id',
  'concept_name',
  'domain_id',
  'vocabulary_id',
  'concept_class_id',
  'standard_concept',
  'concept_code',
  'valid_start_date',
  'valid_end_date',
  'invalid_reason',
];
const relationshipHeader = [
  'concept_id_1',
  'concept_id_2',
  'relationship_id',
  'valid_start_date',
  'valid_end_date',
  'invalid_reason',
];

/** A tiny vocabulary as Athena writes it: tabs, no quoting (and a stray quote), yyyymmdd dates. */
async function writeAthenaVocabulary(): Promise<void> {
  await writeFile(
    join(dir, 'CONCEPT.csv'),
    tsv(
      conceptHeader,
      ['8507', 'MALE', 'Gender', 'Gender', 'Gender', 'S', 'M', '19700101', '20991231', ''],
      [
        '44054006',
        'Type 2 diabetes mellitus',
        'Condition',
        'SNOMED',
        'Clinical Finding',
        'S',
        '44054006',
        '20020131',
        '20991231',
        '',
      ],
      [
        '45576876',
        '"Type 2 diabetes mellitus without complications',
        'Condition',
        'ICD10CM',
        '4-char billing code',
        '',
        'E11.9',
        '20070101',
        '20991231',
        '',
      ],
      [
        '2000000001',
        'Local "ward" code',
        'Observation',
        'Local',
        'Undefined',
        '',
        'W"1',
        '19700101',
        '20991231',
        'D',
      ],
    ),
  );
  await writeFile(
    join(dir, 'concept_relationship.csv.gz'),
    gzipSync(
      tsv(
        relationshipHeader,
        ['45576876', '44054006', 'Maps to', '20070101', '20991231', ''],
        ['44054006', '45576876', 'Mapped from', '20070101', '20991231', ''],
      ),
    ),
  );
  await writeFile(
    join(dir, 'VOCABULARY.csv'),
    tsv(
      [
        'vocabulary_id',
        'vocabulary_name',
        'vocabulary_reference',
        'vocabulary_version',
        'vocabulary_concept_id',
      ],
      [
        'SNOMED',
        'Systematic Nomenclature of Medicine - Clinical Terms (IHTSDO)',
        'http://www.nlm.nih.gov',
        '2024-01',
        '44819097',
      ],
    ),
  );
}

describe('loadVocabulary()', () => {
  it('loads Athena files: tab-separated, unquoted, yyyymmdd dates, gzipped or not, names in any case', async () => {
    await writeAthenaVocabulary();
    const report = await loadVocabulary(connection, dir);

    expect(report.ok).toBe(true);
    expect(report.counts).toEqual({ vocabulary: 1, concept: 4, concept_relationship: 2 });
    expect(report.tables.find((table) => table.table === 'concept_ancestor')?.status).toBe('absent');
    const rows = await connection.runAndReadAll(
      `SELECT concept_id, concept_name, concept_code, standard_concept, CAST(valid_start_date AS VARCHAR), invalid_reason
       FROM cdm.concept WHERE concept_id IN (45576876, 2000000001) ORDER BY 1`,
    );
    expect(rows.getRowsJS()).toEqual([
      [45576876n, '"Type 2 diabetes mellitus without complications', 'E11.9', null, '2007-01-01', null],
      [2000000001n, 'Local "ward" code', 'W"1', null, '1970-01-01', 'D'],
    ]);
  });

  it('is idempotent: loading the same directory again leaves the counts unchanged', async () => {
    await writeAthenaVocabulary();
    await loadVocabulary(connection, dir);
    const first = await countVocabularyRows(connection);
    const again = await loadVocabulary(connection, dir);
    expect(again.ok).toBe(true);
    expect(await countVocabularyRows(connection)).toEqual(first);
  });

  it('merges by natural key: another vocabulary’s rows stay, a changed concept is replaced', async () => {
    await writeAthenaVocabulary();
    await loadVocabulary(connection, dir);
    const other = await mkdtemp(join(tmpdir(), 'polder-athena-'));
    try {
      await writeFile(
        join(other, 'CONCEPT.csv'),
        tsv(
          conceptHeader,
          ['8507', 'MALE (renamed)', 'Gender', 'Gender', 'Gender', 'S', 'M', '19700101', '20991231', ''],
          ['8532', 'FEMALE', 'Gender', 'Gender', 'Gender', 'S', 'F', '19700101', '20991231', ''],
        ),
      );
      await loadVocabulary(connection, other);
      const names = await connection.runAndReadAll(
        'SELECT concept_id, concept_name FROM cdm.concept ORDER BY 1',
      );
      expect(names.getRowsJS().map((row) => row[1])).toEqual([
        'MALE (renamed)',
        'FEMALE',
        'Type 2 diabetes mellitus',
        '"Type 2 diabetes mellitus without complications',
        'Local "ward" code',
      ]);
      const replaced = await loadVocabulary(connection, other, { mode: 'replace' });
      expect(replaced.counts.concept).toBe(2);
      expect((await countVocabularyRows(connection)).concept).toBe(2);
      expect((await countVocabularyRows(connection)).concept_relationship).toBe(2);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('reports a file with a wrong header by name with the expected columns, and loads the other files', async () => {
    await writeAthenaVocabulary();
    await writeFile(
      join(dir, 'CONCEPT_ANCESTOR.csv'),
      tsv(['ancestor', 'descendant', 'min_levels', 'max_levels'], ['1', '2', '0', '0']),
    );
    await writeFile(join(dir, 'DOMAIN.csv'), 'domain_id,domain_name,domain_concept_id\nGender,Gender,2\n');
    const report = await loadVocabulary(connection, dir);

    expect(report.ok).toBe(false);
    const ancestor = report.tables.find((table) => table.table === 'concept_ancestor');
    expect(ancestor?.status).toBe('failed');
    expect(ancestor?.error).toContain('Cannot load CONCEPT_ANCESTOR.csv');
    expect(ancestor?.error).toContain(
      'Expected columns: ancestor_concept_id, descendant_concept_id, min_levels_of_separation, max_levels_of_separation',
    );
    expect(report.tables.find((table) => table.table === 'domain')?.error).toMatch(/looks comma-separated/);
    expect(report.counts).toEqual({ vocabulary: 1, concept: 4, concept_relationship: 2 });
    expect((await countVocabularyRows(connection)).concept).toBe(4);
  });

  it('reports a bad date with the file name and rolls that file back', async () => {
    await writeFile(
      join(dir, 'CONCEPT.csv'),
      tsv(conceptHeader, ['1', 'x', 'Gender', 'Gender', 'Gender', 'S', 'M', '1970-13-45', '20991231', '']),
    );
    const report = await loadVocabulary(connection, dir);
    expect(report.tables.find((table) => table.table === 'concept')?.error).toMatch(
      /^Cannot load CONCEPT\.csv: .*1970-13-45/,
    );
    expect((await countVocabularyRows(connection)).concept).toBe(0);
  });

  it('throws a clear error for a directory that does not exist', async () => {
    await expect(loadVocabulary(connection, join(dir, 'nope'))).rejects.toThrow(
      /Cannot load vocabulary: directory .*nope does not exist/,
    );
  });

  it('loads Eunomia’s 266,588 concept relationships in Athena layout quickly', async () => {
    // Write Eunomia's CONCEPT and CONCEPT_RELATIONSHIP the way Athena ships them, then time the load.
    const source = sharedData('eunomia-synthea27nj/csv');
    for (const table of ['CONCEPT', 'CONCEPT_RELATIONSHIP']) {
      await connection.run(
        `COPY (
           SELECT * REPLACE (
             strftime(CAST(valid_start_date AS DATE), '%Y%m%d') AS valid_start_date,
             strftime(CAST(valid_end_date AS DATE), '%Y%m%d') AS valid_end_date)
           FROM read_csv('${join(source, `${table}.csv`)}', all_varchar = true, header = true)
         ) TO '${join(dir, `${table}.csv`)}' (HEADER, DELIMITER '\t', QUOTE '', ESCAPE '')`,
      );
    }
    const report = await loadVocabulary(connection, dir);
    expect(report.ok).toBe(true);
    expect(report.counts).toEqual({ concept: 2294, concept_relationship: 266_588 });
    const relationships = report.tables.find((table) => table.table === 'concept_relationship');
    console.log(
      JSON.stringify({
        bench: 'loadVocabulary',
        table: 'concept_relationship',
        rows: 266_588,
        ms: relationships?.durationMs,
      }),
    );
    expect(relationships?.durationMs).toBeLessThan(20_000);
  });
});
