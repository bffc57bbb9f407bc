import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbTypeOf, quoteIdentifier } from './cdm-ddl.ts';
import type { CdmFieldSpec, CdmTableSpec } from './cdm-table-spec.ts';

/** A column of the source relation with its DuckDB type (as DESCRIBE reports it). */
export interface SourceColumn {
  readonly name: string;
  readonly type: string;
}

/**
 * How rows already in the target table are treated.
 * - `replace`: the table is emptied first (a CDM export is a full snapshot of its tables).
 * - `merge`: rows whose natural key appears in the source are replaced, all others kept (upsert).
 * - `keep`: rows already there win; only rows with a new natural key are inserted.
 */
export type LoadMode = 'replace' | 'merge' | 'keep';

/** How text dates are written in the source. */
export type DateStyle = 'athena' | 'flexible';

export interface LoadTableRequest {
  readonly schema: string;
  readonly table: CdmTableSpec;
  /** A SQL relation, e.g. `read_csv('…', …)`. */
  readonly relation: string;
  /** Target field name → source column name; fields not in the map are filled (see `fillValue`). */
  readonly placement: ReadonlyMap<string, SourceColumn>;
  /** SQL expressions for fields absent from the source (default NULL). */
  readonly fills?: ReadonlyMap<string, string>;
  readonly mode: LoadMode;
  readonly dateStyle: DateStyle;
}

/**
 * Natural keys of the tables that `merge` upserts by. Vocabulary tables have few declared primary keys in
 * the spec, so these are the keys Athena's files are unique on.
 */
export const naturalKeys: Readonly<Record<string, readonly string[]>> = {
  concept: ['concept_id'],
  vocabulary: ['vocabulary_id'],
  domain: ['domain_id'],
  concept_class: ['concept_class_id'],
  relationship: ['relationship_id'],
  concept_relationship: ['concept_id_1', 'concept_id_2', 'relationship_id'],
  concept_ancestor: ['ancestor_concept_id', 'descendant_concept_id'],
  concept_synonym: ['concept_id', 'concept_synonym_name', 'language_concept_id'],
  drug_strength: ['drug_concept_id', 'ingredient_concept_id'],
  source_to_concept_map: ['source_vocabulary_id', 'source_code', 'target_concept_id'],
};

/** The key `merge` upserts by: the natural key above, else the primary key, else all fields. */
export function mergeKeyOf(table: CdmTableSpec): readonly string[] {
  const natural = naturalKeys[table.name];
  if (natural !== undefined) return natural;
  const primary = table.fields.filter((field) => field.primaryKey).map((field) => field.name);
  return primary.length > 0 ? primary : table.fields.map((field) => field.name);
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function isTextType(type: string): boolean {
  return type.toUpperCase().startsWith('VARCHAR');
}

function isFloatType(type: string): boolean {
  const upper = type.toUpperCase();
  return upper === 'DOUBLE' || upper === 'FLOAT' || upper === 'REAL' || upper.startsWith('DECIMAL');
}

/** The SQL that turns a source column into the target field's DuckDB type; bad values raise an error. */
export function castExpression(column: SourceColumn, field: CdmFieldSpec, dateStyle: DateStyle): string {
  const x = quoteIdentifier(column.name);
  const target = duckdbTypeOf(field);
  const text = isTextType(column.type);
  if (target === 'VARCHAR') {
    if (text) return x;
    // Parquet exports store codes such as is_hierarchical as DOUBLE: write 1.0 as '1'.
    if (isFloatType(column.type)) {
      return `CASE WHEN ${x} = trunc(${x}) AND abs(${x}) < 1e15 THEN CAST(CAST(${x} AS BIGINT) AS VARCHAR) ELSE CAST(${x} AS VARCHAR) END`;
    }
    return `CAST(${x} AS VARCHAR)`;
  }
  if (!text) return `CAST(${x} AS ${target})`;
  if (target === 'DATE') {
    if (dateStyle === 'athena') return `CAST(strptime(${x}, ['%Y%m%d', '%Y-%m-%d']) AS DATE)`;
    return `CASE WHEN regexp_full_match(${x}, '\\d{8}') THEN CAST(strptime(${x}, '%Y%m%d') AS DATE) ELSE CAST(CAST(${x} AS TIMESTAMP) AS DATE) END`;
  }
  if (target === 'TIMESTAMP') {
    return `CASE WHEN regexp_full_match(${x}, '\\d{8}') THEN strptime(${x}, '%Y%m%d') ELSE CAST(${x} AS TIMESTAMP) END`;
  }
  return `CAST(${x} AS ${target})`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs `work` in a transaction; rolls back and rethrows on failure. */
export async function inTransaction<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  await connection.run('BEGIN TRANSACTION');
  try {
    const result = await work();
    await connection.run('COMMIT');
    return result;
  } catch (error) {
    try {
      await connection.run('ROLLBACK');
    } catch {
      // The transaction may already be aborted; the original error is what matters.
    }
    throw error;
  }
}

/** The outcome of {@link loadTable}. */
export interface LoadTableResult {
  /** Rows inserted. */
  readonly rows: number;
  /** Rows whose duplicate primary key was replaced by a fresh id (`duplicateKeys: 'renumber'`). */
  readonly renumbered: number;
}

function isDuplicateKeyError(error: unknown): boolean {
  return /PRIMARY KEY or UNIQUE constraint violation: duplicate key/i.test(errorMessage(error));
}

/**
 * Loads one source relation into one CDM table in a single transaction. Throws (after rolling back) when a
 * value cannot be converted or a constraint fails. With `duplicateKeys: 'renumber'`, a table whose single
 * primary key repeats in the source is loaded again with every repeat after the first given a new id above
 * the largest one in use (exports such as Eunomia GiBleed reuse drug_exposure_id across source tables).
 */
export async function loadTable(
  connection: DuckDBConnection,
  request: LoadTableRequest & { readonly duplicateKeys?: 'fail' | 'renumber' },
): Promise<LoadTableResult> {
  const target = `${quoteIdentifier(request.schema)}.${quoteIdentifier(request.table.name)}`;
  const selectList = request.table.fields.map((field) => {
    const column = request.placement.get(field.name);
    const expression =
      column === undefined
        ? (request.fills?.get(field.name) ?? `CAST(NULL AS ${duckdbTypeOf(field)})`)
        : castExpression(column, field, request.dateStyle);
    return `${expression} AS ${quoteIdentifier(field.name)}`;
  });
  const fieldNames = request.table.fields.map((field) => quoteIdentifier(field.name));
  const columnList = fieldNames.join(', ');
  const select = `SELECT ${selectList.join(', ')} FROM ${request.relation}`;
  const run = (source: string): Promise<number> =>
    inTransaction(connection, async () => {
      let insert = 'INSERT INTO';
      let rows = source;
      if (request.mode === 'replace') {
        await connection.run(`DELETE FROM ${target}`);
      } else {
        const existing = await connection.runAndReadAll(
          `SELECT EXISTS (SELECT 1 FROM ${target}) AS any_rows`,
        );
        if (existing.getRowsJS()[0]?.[0] === true) {
          const mergeKey = mergeKeyOf(request.table);
          const primaryKey = request.table.fields
            .filter((field) => field.primaryKey)
            .map((field) => field.name);
          const declared = mergeKey.join() === primaryKey.join();
          const keys = mergeKey.map(quoteIdentifier);
          const matches = keys.map((key) => `${target}.${key} = incoming.${key}`).join(' AND ');
          if (request.mode === 'keep') {
            rows = `SELECT * FROM (${source}) AS incoming WHERE NOT EXISTS (SELECT 1 FROM ${target} WHERE ${matches})`;
          } else if (declared) {
            // About twice as fast as delete-then-insert where the key is declared.
            insert = 'INSERT OR REPLACE INTO';
          } else {
            await connection.run(
              `DELETE FROM ${target} USING (SELECT DISTINCT ${keys.join(', ')} FROM (${source})) AS incoming WHERE ${matches}`,
            );
          }
        }
      }
      const inserted = await connection.run(`${insert} ${target} (${columnList}) ${rows}`);
      return inserted.rowsChanged;
    });
  try {
    return { rows: await run(select), renumbered: 0 };
  } catch (error) {
    const keys = request.table.fields.filter((field) => field.primaryKey);
    const key = keys[0];
    if (
      request.duplicateKeys !== 'renumber' ||
      keys.length !== 1 ||
      key === undefined ||
      !isDuplicateKeyError(error)
    ) {
      throw error;
    }
    const k = quoteIdentifier(key.name);
    const others = fieldNames.filter((name) => name !== k);
    const kept = request.mode === 'replace' ? '' : `, (SELECT max(${k}) FROM ${target})`;
    const renumbered = `
      WITH incoming AS (${select}),
      ranked AS (SELECT *, row_number() OVER (PARTITION BY ${k} ORDER BY ${fieldNames.join(', ')}) AS polder_rank FROM incoming),
      top AS (SELECT greatest(coalesce(max(${k}), 0)${kept}) AS top_id FROM incoming)
      SELECT ${columnList} FROM ranked WHERE polder_rank = 1
      UNION ALL
      SELECT top.top_id + row_number() OVER (ORDER BY ${k}, polder_rank) AS ${k}${others.map((o) => `, ${o}`).join('')}
      FROM ranked, top WHERE polder_rank > 1`;
    const rows = await run(`SELECT ${columnList} FROM (${renumbered})`);
    const counted = await connection.runAndReadAll(`SELECT count(*) - count(DISTINCT ${k}) FROM (${select})`);
    return { rows, renumbered: Number(counted.getRowsJS()[0]?.[0] ?? 0) };
  }
}

/** Converts an unknown error into a one-line message for a report. */
export function describeError(error: unknown): string {
  // DuckDB appends the generated SQL ("LINE 1: SELECT …") or reader options, which say nothing to the person
  // reading a report.
  const oneLine = errorMessage(error)
    .replace(/\s+LINE \d+:[\s\S]*$/, '')
    .replace(/\s+Possible fixes:[\s\S]*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
  return oneLine.length > 600 ? `${oneLine.slice(0, 600)}…` : oneLine || 'unknown error';
}
