import type { DuckDBConnection } from '@duckdb/node-api';
import { cdm53DroppedTables, cdm53Renames } from './_cdm53.ts';
import { assertDirectory, listTableFiles, readFirstLine, splitHeader } from './_files.ts';
import type { TableFile } from './_files.ts';
import { describeError, loadTable, sqlString } from './_load-table.ts';
import type { LoadMode, SourceColumn } from './_load-table.ts';
import { createCdmSchema, findCdmTable } from './cdm-ddl.ts';
import type { CdmTableSpec } from './cdm-table-spec.ts';

/** Options of {@link importCdmCsv}. */
export interface ImportCdmOptions {
  /** Database schema of the CDM tables; created when absent. @default 'cdm' */
  readonly schema?: string;
  /**
   * How the clinical and health-system tables (person, visit_occurrence, …) treat rows already there.
   * `replace` (default) empties each table the export holds a file for: an export is a snapshot.
   * @default 'replace'
   */
  readonly mode?: LoadMode;
  /**
   * How vocabulary files in the export (CONCEPT.csv shards and the like) are treated. `merge` (default)
   * upserts by natural key, so a shard does not wipe a full Athena vocabulary already loaded; `replace`
   * empties the table first; `skip` leaves vocabulary files alone.
   * @default 'merge'
   */
  readonly vocabulary?: LoadMode | 'skip';
  /**
   * What to do when a table's primary key repeats in the file. `renumber` (default) gives every repeat after
   * the first a new id above the largest one and reports it (Eunomia GiBleed reuses drug_exposure_id);
   * `fail` reports the table as failed and loads none of its rows.
   * @default 'renumber'
   */
  readonly duplicateKeys?: 'fail' | 'renumber';
  /** Only these tables (lower-case CDM names) are imported. @default every table with a file */
  readonly tables?: readonly string[];
}

/** What went wrong or needs a look, per file. */
export interface CdmImportProblem {
  readonly code:
    | 'unknown-table'
    | 'dropped-table'
    | 'duplicate-file'
    | 'unplaced-column'
    | 'filled-required-column'
    | 'renumbered-duplicate-keys'
    | 'load-failed';
  readonly file: string;
  readonly table?: string;
  readonly message: string;
}

/** What happened to one table file of an import. */
export interface CdmTableImport {
  readonly table: string;
  readonly file: string;
  readonly status: 'loaded' | 'failed' | 'skipped';
  /** Rows inserted (0 unless loaded). */
  readonly rows: number;
  /** 5.3 columns placed under their 5.4 names, as `old → new`. */
  readonly renamed: readonly string[];
  /** Target columns the file does not have; filled with NULL (or 0 / a row number when required). */
  readonly filled: readonly string[];
  /** Source columns with no place in CDM 5.4; their values are not loaded. */
  readonly unplaced: readonly string[];
  readonly error?: string;
  readonly durationMs: number;
}

/** The result of {@link importCdmCsv}. */
export interface CdmImportReport {
  readonly dir: string;
  readonly schema: string;
  readonly tables: readonly CdmTableImport[];
  /** Rows inserted per loaded table. */
  readonly counts: Readonly<Record<string, number>>;
  readonly problems: readonly CdmImportProblem[];
  /** True when no table failed to load. */
  readonly ok: boolean;
  readonly durationMs: number;
}

interface SourceDescription {
  readonly relation: string;
  readonly columns: readonly SourceColumn[];
}

async function describeSource(connection: DuckDBConnection, file: TableFile): Promise<SourceDescription> {
  if (file.format === 'parquet') {
    const relation = `read_parquet(${sqlString(file.path)})`;
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
    const columns = described.getRowObjectsJS().map((row) => ({
      name: String(row['column_name']),
      type: String(row['column_type']),
    }));
    return { relation, columns };
  }
  const firstLine = await readFirstLine(file.path, file.gzipped);
  // A CDM export is comma-separated; a tab-separated file (Athena style, .tsv) is read without quoting.
  const tabs =
    file.fileName.toLowerCase().includes('.tsv') || (firstLine.includes('\t') && !firstLine.includes(','));
  const delimiter = tabs ? '\t' : ',';
  const header = splitHeader(firstLine, delimiter);
  if (header.length === 0) throw new Error(`Cannot import ${file.fileName}: the file has no header row`);
  const columns = header.map((name) => ({ name, type: 'VARCHAR' }));
  const columnTypes = header.map((name) => `${sqlString(name)}: 'VARCHAR'`).join(', ');
  const quoting = tabs ? `quote = '', escape = ''` : `quote = '"', escape = '"'`;
  // Read as text and convert in SQL: the sniffer would guess INTEGER for 64-bit ids from the first rows.
  const relation =
    `read_csv(${sqlString(file.path)}, header = true, delim = ${sqlString(delimiter)}, ${quoting}, ` +
    `auto_detect = false, columns = {${columnTypes}})`;
  return { relation, columns };
}

interface Placement {
  readonly placement: Map<string, SourceColumn>;
  readonly fills: Map<string, string>;
  readonly renamed: string[];
  readonly filled: string[];
  readonly unplaced: string[];
  readonly filledRequired: { readonly column: string; readonly fill: string }[];
}

function placeColumns(table: CdmTableSpec, columns: readonly SourceColumn[]): Placement {
  const renames = cdm53Renames[table.name] ?? {};
  const fieldNames = new Set(table.fields.map((field) => field.name));
  const placement = new Map<string, SourceColumn>();
  const renamed: string[] = [];
  const unplaced: string[] = [];
  for (const column of columns) {
    const lower = column.name.toLowerCase();
    const renamedTo = renames[lower];
    const target = fieldNames.has(lower) ? lower : renamedTo;
    if (target === undefined || !fieldNames.has(target) || placement.has(target)) {
      unplaced.push(column.name);
      continue;
    }
    if (target !== lower) renamed.push(`${column.name} → ${target}`);
    placement.set(target, column);
  }
  const fills = new Map<string, string>();
  const filled: string[] = [];
  const filledRequired: { column: string; fill: string }[] = [];
  for (const field of table.fields) {
    if (placement.has(field.name)) continue;
    filled.push(field.name);
    if (!field.required) continue;
    // OMOP's convention for a required concept that is unknown is 0, 'No matching concept'.
    if (field.name.endsWith('_concept_id')) {
      fills.set(field.name, 'CAST(0 AS BIGINT)');
      filledRequired.push({ column: field.name, fill: '0' });
    } else if (field.primaryKey) {
      fills.set(field.name, 'CAST(row_number() OVER () AS BIGINT)');
      filledRequired.push({ column: field.name, fill: 'a row number' });
    }
  }
  return { placement, fills, renamed, filled, unplaced, filledRequired };
}

/**
 * Imports an OMOP CDM export — CSV with a header row (comma-separated, file names in any case, `.csv.gz`
 * too) or Parquet — into the CDM 5.4 tables of DuckDB. CDM 5.3/5.3.1 exports load too: renamed columns
 * (admitting_source_concept_id → admitted_from_concept_id, …) are placed under their 5.4 names, columns
 * 5.4 added are filled with NULL (required concept ids with 0), and columns that fit nowhere are reported,
 * not fatal. Ids are BIGINT (MIMIC's 64-bit ids survive; Parquet DOUBLE ids are cast). Dates may be
 * yyyy-mm-dd, yyyymmdd or a timestamp. Each file loads in its own transaction; a failing file is reported
 * and the others still load. Importing the same export twice leaves the same rows (see
 * {@link ImportCdmOptions.mode}).
 *
 * Do not call inside an open transaction.
 *
 * @example
 * const report = await importCdmCsv(connection, '../shared/data/eunomia-synthea27nj/csv');
 * report.counts.person; // 28
 */
export async function importCdmCsv(
  connection: DuckDBConnection,
  dir: string,
  options: ImportCdmOptions = {},
): Promise<CdmImportReport> {
  const started = performance.now();
  const schema = options.schema ?? 'cdm';
  const mode = options.mode ?? 'replace';
  const vocabularyMode = options.vocabulary ?? 'merge';
  const duplicateKeys = options.duplicateKeys ?? 'renumber';
  const wanted =
    options.tables === undefined ? undefined : new Set(options.tables.map((t) => t.toLowerCase()));
  await assertDirectory(dir, 'CDM export');
  await createCdmSchema(connection, { schema });
  const { files } = await listTableFiles(dir);
  const problems: CdmImportProblem[] = [];
  const tables: CdmTableImport[] = [];
  const counts: Record<string, number> = {};
  const seen = new Set<string>();
  for (const file of files) {
    const table = findCdmTable(file.table);
    if (table === undefined) {
      const dropped = cdm53DroppedTables.includes(file.table);
      problems.push({
        code: dropped ? 'dropped-table' : 'unknown-table',
        file: file.path,
        message: dropped
          ? `${file.fileName}: table ${file.table} was dropped in CDM 5.4; not imported`
          : `${file.fileName}: no CDM 5.4 table is named ${file.table}; not imported`,
      });
      continue;
    }
    if (wanted !== undefined && !wanted.has(table.name)) continue;
    if (seen.has(table.name)) {
      problems.push({
        code: 'duplicate-file',
        file: file.path,
        table: table.name,
        message: `${file.fileName}: another file already holds table ${table.name}; not imported`,
      });
      continue;
    }
    seen.add(table.name);
    const tableStarted = performance.now();
    const tableMode = table.kind === 'vocabulary' ? vocabularyMode : mode;
    if (tableMode === 'skip') {
      tables.push({
        table: table.name,
        file: file.path,
        status: 'skipped',
        rows: 0,
        renamed: [],
        filled: [],
        unplaced: [],
        durationMs: 0,
      });
      continue;
    }
    let placed: Placement | undefined;
    try {
      const source = await describeSource(connection, file);
      placed = placeColumns(table, source.columns);
      for (const column of placed.unplaced) {
        problems.push({
          code: 'unplaced-column',
          file: file.path,
          table: table.name,
          message: `${file.fileName}: column ${column} has no place in CDM 5.4 table ${table.name}; its values are not loaded`,
        });
      }
      for (const { column, fill } of placed.filledRequired) {
        problems.push({
          code: 'filled-required-column',
          file: file.path,
          table: table.name,
          message: `${file.fileName}: required column ${column} is absent; filled with ${fill}`,
        });
      }
      const { rows, renumbered } = await loadTable(connection, {
        schema,
        table,
        relation: source.relation,
        placement: placed.placement,
        fills: placed.fills,
        mode: tableMode,
        dateStyle: 'flexible',
        duplicateKeys,
      });
      if (renumbered > 0) {
        problems.push({
          code: 'renumbered-duplicate-keys',
          file: file.path,
          table: table.name,
          message: `${file.fileName}: ${renumbered} rows repeat a primary key already used in the file; they got new ids above the largest one`,
        });
      }
      counts[table.name] = rows;
      tables.push({
        table: table.name,
        file: file.path,
        status: 'loaded',
        rows,
        renamed: placed.renamed,
        filled: placed.filled,
        unplaced: placed.unplaced,
        durationMs: Math.round(performance.now() - tableStarted),
      });
    } catch (error) {
      const message = describeError(error);
      const full = message.startsWith('Cannot') ? message : `Cannot import ${file.fileName}: ${message}`;
      problems.push({ code: 'load-failed', file: file.path, table: table.name, message: full });
      tables.push({
        table: table.name,
        file: file.path,
        status: 'failed',
        rows: 0,
        renamed: placed?.renamed ?? [],
        filled: placed?.filled ?? [],
        unplaced: placed?.unplaced ?? [],
        error: full,
        durationMs: Math.round(performance.now() - tableStarted),
      });
    }
  }
  return {
    dir,
    schema,
    tables,
    counts,
    problems,
    ok: tables.every((table) => table.status !== 'failed'),
    durationMs: Math.round(performance.now() - started),
  };
}
