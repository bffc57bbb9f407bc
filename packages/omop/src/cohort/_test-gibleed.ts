import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { sharedData } from '../_test-data.ts';
import { importCdmCsv } from '../import-cdm-csv.ts';

/** The tables of Eunomia GiBleed that cohort tests read. */
const tables = [
  'person',
  'observation_period',
  'condition_occurrence',
  'drug_exposure',
  'procedure_occurrence',
  'measurement',
  'observation',
  'visit_occurrence',
  'visit_detail',
  'device_exposure',
  'death',
  'concept',
  'concept_ancestor',
];

/** An in-memory DuckDB holding Eunomia GiBleed (OMOP 5.3.1 Parquet, 2,694 persons) as CDM 5.4 in schema `cdm`. */
export interface GiBleedDatabase {
  readonly connection: DuckDBConnection;
  /** Rows of a query, with BIGINT converted to number (the ids and counts here fit). */
  rows(sql: string, params?: readonly number[]): Promise<unknown[][]>;
  close(): void;
}

/**
 * Loads Eunomia GiBleed with the package's own CDM importer (ids stored as DOUBLE become BIGINT, 5.3 columns
 * get their 5.4 names), so that the cohort SQL runs on the schema a station has. About 2 s.
 */
export async function openGiBleed(): Promise<GiBleedDatabase> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const report = await importCdmCsv(connection, sharedData('eunomia-gibleed/parquet'), { tables });
  if (!report.ok) throw new Error(`Cannot load Eunomia GiBleed: ${JSON.stringify(report.problems)}`);
  return {
    connection,
    async rows(sql, params) {
      const result = await connection.runAndReadAll(sql, params === undefined ? undefined : [...params]);
      return result.getRowsJS().map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
