/**
 * End to end: the Synthea CSV export, read through fixtures/synthea-csv/ and loaded into an OMOP station,
 * resolves its local codes (encounter classes, gender) through the shipped source_to_concept_map.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createCdmSchema } from '@polder/omop';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../load/ingest.ts';
import type { IngestReport } from '../load/ingest-report.ts';
import { readCsvSource, readCsvSourceCodeMaps } from './csv-source-reader.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const dataDir = resolve(repoRoot, '../shared/data/dbt-synthea-seeds/synthea');
const configPath = fileURLToPath(new URL('./fixtures/synthea-csv/mapping.json', import.meta.url));

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let report: IngestReport;

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader
    .getRowObjectsJS()
    .map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
    );
}

beforeAll(async () => {
  if (!existsSync(join(dataDir, 'patients.csv'))) {
    throw new Error(
      `The Synthea CSV test data is missing: expected ${dataDir} (see ../shared/data/README.md)`,
    );
  }
  instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  connection = await instance.connect();
  await createCdmSchema(connection);
  // The target concepts of the shipped mapping table (the loader reads their domain).
  await connection.run(`INSERT INTO cdm.concept VALUES
    (9201, 'Inpatient Visit', 'Visit', 'Visit', 'Visit', 'S', 'IP', DATE '1970-01-01', DATE '2099-12-31', NULL),
    (9202, 'Outpatient Visit', 'Visit', 'Visit', 'Visit', 'S', 'OP', DATE '1970-01-01', DATE '2099-12-31', NULL),
    (9203, 'Emergency Room Visit', 'Visit', 'Visit', 'Visit', 'S', 'ER', DATE '1970-01-01', DATE '2099-12-31', NULL),
    (8507, 'MALE', 'Gender', 'Gender', 'Gender', 'S', 'M', DATE '1970-01-01', DATE '2099-12-31', NULL),
    (8532, 'FEMALE', 'Gender', 'Gender', 'Gender', 'S', 'F', DATE '1970-01-01', DATE '2099-12-31', NULL)`);
  report = await ingest(
    connection,
    { name: 'synthea-csv', inputs: [readCsvSource(configPath)] },
    { sourceToConceptMap: readCsvSourceCodeMaps(configPath) },
  );
});

afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
});

describe('Synthea CSV → OMOP', () => {
  it('loads every row and quarantines none', () => {
    expect(report.invalidRecords).toBe(0);
    expect(report.quarantined).toBe(0);
    expect(report.recordsRead).toBe(63 + 27 + 604 + 438 + 990 + 663 + 249 + 29 + 40);
    expect(report.sourceToConceptMapRows).toBe(15);
  });

  it('maps encounter classes through the shipped source_to_concept_map', async () => {
    const visits = await rows(
      'SELECT visit_concept_id, visit_source_value, count(*) AS n FROM cdm.visit_occurrence GROUP BY ALL ORDER BY ALL',
    );
    const byConcept = new Map<number, number>();
    for (const v of visits)
      byConcept.set(
        v['visit_concept_id'] as number,
        (byConcept.get(v['visit_concept_id'] as number) ?? 0) + (v['n'] as number),
      );
    // encounters.csv: inpatient 11; emergency 17 + urgentcare 2; ambulatory, wellness, outpatient 574.
    expect(Object.fromEntries(byConcept)).toEqual({ 9201: 11, 9202: 574, 9203: 19 });
  });

  it('maps gender through the shipped source_to_concept_map', async () => {
    expect(
      await rows('SELECT gender_concept_id, count(*) AS n FROM cdm.person GROUP BY ALL ORDER BY ALL'),
    ).toEqual([
      { gender_concept_id: 8507, n: 14 },
      { gender_concept_id: 8532, n: 13 },
    ]);
  });
});
