import type { DuckDBConnection } from '@duckdb/node-api';
import { cdmTables } from './cdm-schema.generated.ts';
import type { CdmFieldSpec, CdmTableSpec } from './cdm-table-spec.ts';

/** Options for the OMOP CDM DDL. */
export interface CdmSchemaOptions {
  /** Database schema that holds the CDM tables. @default 'cdm' */
  readonly schema?: string;
}

/**
 * The DuckDB type of a CDM field. Identifiers (`*_id` and `*_id_1` integers) are BIGINT: real exports such as MIMIC-IV's
 * use 64-bit ids that overflow INTEGER, and custom concept ids reach past 2,000,000,000.
 */
export function duckdbTypeOf(field: CdmFieldSpec): string {
  const datatype = field.datatype;
  // concept_id_1, fact_id_2 and the like are identifiers too.
  if (datatype === 'integer') return /_id(_\d+)?$/.test(field.name) ? 'BIGINT' : 'INTEGER';
  if (datatype === 'float') return 'DOUBLE';
  if (datatype === 'date') return 'DATE';
  if (datatype === 'datetime') return 'TIMESTAMP';
  if (datatype.startsWith('varchar')) return 'VARCHAR';
  throw new Error(`Cannot map OMOP datatype '${datatype}' of field ${field.name} to DuckDB`);
}

/** Looks up a CDM table spec by name (case-insensitive). */
export function findCdmTable(name: string): CdmTableSpec | undefined {
  const wanted = name.toLowerCase();
  return cdmTables.find((table) => table.name === wanted);
}

/** A SQL identifier, quoted; CDM names are plain, but schema names come from configuration. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The DDL of OMOP CDM 5.4 for DuckDB: one CREATE TABLE per table with primary keys and NOT NULL as the spec
 * says. Foreign keys are left to the data-quality checks (isForeignKey, fkDomain): DuckDB's foreign keys
 * would forbid loading tables in any order and updating referenced rows (docs/decisions.md).
 */
export function cdmDdl(options: CdmSchemaOptions = {}): string[] {
  const schema = quoteIdentifier(options.schema ?? 'cdm');
  const statements = [`CREATE SCHEMA IF NOT EXISTS ${schema}`];
  for (const table of cdmTables) {
    const columns = table.fields.map(
      (field) =>
        `  ${quoteIdentifier(field.name)} ${duckdbTypeOf(field)}${field.required ? ' NOT NULL' : ''}`,
    );
    const keys = table.fields.filter((field) => field.primaryKey).map((field) => quoteIdentifier(field.name));
    if (keys.length > 0) columns.push(`  PRIMARY KEY (${keys.join(', ')})`);
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${schema}.${quoteIdentifier(table.name)} (\n${columns.join(',\n')}\n)`,
    );
  }
  return statements;
}

/** Creates the OMOP CDM 5.4 tables in DuckDB (idempotent: existing tables are kept as they are). */
export async function createCdmSchema(
  connection: DuckDBConnection,
  options: CdmSchemaOptions = {},
): Promise<void> {
  for (const statement of cdmDdl(options)) await connection.run(statement);
}
