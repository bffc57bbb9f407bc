import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * The loader's own tables, in schema `polder` beside the CDM:
 *
 * - `source_record`: the source-id map. One row per source record event (`source` + `source_id`) with the
 *   CDM table and surrogate key it was loaded into, the content hash of its original text (the first 64 bits
 *   of its SHA-1) and a hash of the CDM row it produced (change detection). OMOP keys are never derived from
 *   business identifiers.
 *   (source, source_id) is unique by construction (the loader dedupes per run and anti-joins); it is not
 *   declared a PRIMARY KEY because DuckDB's index on two VARCHARs cost more memory and time at a million
 *   records than the rest of the merge, and every look-up is a hash join that does not use it.
 * - `quarantine`: what could not be loaded, with the original record and a reason a person can act on.
 *   A record is kept once per source, location and content hash: re-ingesting the same bad record adds no row.
 *   `resolved_in_run` is set when a later run loads the record in full (fixed, or its patient arrived).
 * - `ingest_run`: one row per `ingest()` call with its report as JSON.
 * - `unmapped_code`: source codes that map to no standard concept, with how often the latest run saw them.
 */
export const etlTableDdl: readonly string[] = [
  'CREATE SCHEMA IF NOT EXISTS polder',
  `CREATE TABLE IF NOT EXISTS polder.ingest_run (
    ingest_run_id BIGINT PRIMARY KEY,
    source VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,
    counts JSON
  )`,
  `CREATE TABLE IF NOT EXISTS polder.source_record (
    source VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    resource_type VARCHAR NOT NULL,
    target_table VARCHAR NOT NULL,
    row_id BIGINT NOT NULL,
    content_hash BIGINT NOT NULL,
    row_hash UBIGINT NOT NULL,
    ingest_run_id BIGINT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS polder.quarantine (
    quarantine_id BIGINT PRIMARY KEY,
    ingest_run_id BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    line INTEGER,
    entry INTEGER,
    resource_type VARCHAR,
    record_id VARCHAR,
    reason VARCHAR NOT NULL,
    raw VARCHAR NOT NULL,
    content_hash BIGINT NOT NULL,
    quarantined_at TIMESTAMP NOT NULL,
    resolved_in_run BIGINT
  )`,
  // Stations created before the column existed.
  'ALTER TABLE polder.quarantine ADD COLUMN IF NOT EXISTS resolved_in_run BIGINT',
  `CREATE TABLE IF NOT EXISTS polder.unmapped_code (
    source VARCHAR NOT NULL,
    system VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    display VARCHAR,
    frequency BIGINT NOT NULL,
    ingest_run_id BIGINT NOT NULL,
    PRIMARY KEY (source, system, code)
  )`,
];

/**
 * Creates the loader's tables in schema `polder` (idempotent: existing tables are kept as they are).
 * The CDM tables themselves come from `createCdmSchema` in `@polder/omop`.
 */
export async function createEtlTables(connection: DuckDBConnection): Promise<void> {
  for (const statement of etlTableDdl) await connection.run(statement);
}
