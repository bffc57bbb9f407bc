import type { DuckDBConnection } from '@duckdb/node-api';
import { assertDirectory, listTableFiles, readFirstLine, splitHeader } from './_files.ts';
import type { TableFile } from './_files.ts';
import { describeError, loadTable, sqlString } from './_load-table.ts';
import type { LoadMode, SourceColumn } from './_load-table.ts';
import { createCdmSchema, findCdmTable, quoteIdentifier } from './cdm-ddl.ts';
import type { CdmTableSpec } from './cdm-table-spec.ts';

/**
 * The vocabulary tables in the order they are loaded: reference tables first, so that a half-finished load
 * still leaves concepts with their domains and vocabularies. SOURCE_TO_CONCEPT_MAP is not in Athena's
 * download but in a site's own mapping files (and in the starter vocabulary).
 */
export const vocabularyTableNames = [
  'vocabulary',
  'domain',
  'concept_class',
  'relationship',
  'concept',
  'concept_relationship',
  'concept_ancestor',
  'concept_synonym',
  'drug_strength',
  'source_to_concept_map',
] as const;

/** One vocabulary table name. */
export type VocabularyTableName = (typeof vocabularyTableNames)[number];

/** Options of {@link loadVocabulary}. */
export interface LoadVocabularyOptions {
  /** Database schema of the CDM tables; created when absent. @default 'cdm' */
  readonly schema?: string;
  /**
   * `merge` (default) upserts by each table's natural key (concept_id; concept_id_1 + concept_id_2 +
   * relationship_id; …): rows of other vocabularies stay, so a site's custom vocabulary and Athena's can be
   * loaded one after the other. `replace` empties every table whose file is present first: use it to
   * refresh a full Athena download, where rows that Athena dropped must go too. `keep` only adds rows
   * with new keys and leaves the rows already there alone (how the starter vocabulary loads).
   * @default 'merge'
   */
  readonly mode?: LoadMode;
  /** Field delimiter. @default '\t' (Athena) */
  readonly delimiter?: string;
}

/** What happened to one file (or one absent table) of a vocabulary load. */
export interface VocabularyTableReport {
  readonly table: VocabularyTableName;
  /** `absent`: no file for this table in the directory (not an error: Athena downloads vary). */
  readonly status: 'loaded' | 'failed' | 'absent';
  readonly file?: string;
  /** Rows inserted from the file (0 unless loaded). */
  readonly rows: number;
  readonly error?: string;
  readonly durationMs: number;
}

/** The result of {@link loadVocabulary}: one entry per vocabulary table. Feeds `polder vocab load DIR`. */
export interface VocabularyLoadReport {
  readonly dir: string;
  readonly schema: string;
  readonly mode: LoadMode;
  readonly tables: readonly VocabularyTableReport[];
  /** Rows inserted per loaded table. */
  readonly counts: Readonly<Partial<Record<VocabularyTableName, number>>>;
  /** True when no file failed. */
  readonly ok: boolean;
  readonly durationMs: number;
}

function tableSpec(name: VocabularyTableName): CdmTableSpec {
  const spec = findCdmTable(name);
  if (spec === undefined)
    throw new Error(`Cannot load vocabulary: table ${name} is missing from the CDM spec`);
  return spec;
}

async function loadVocabularyFile(
  connection: DuckDBConnection,
  file: TableFile,
  table: CdmTableSpec,
  options: { schema: string; mode: LoadMode; delimiter: string },
): Promise<number> {
  const header = splitHeader(await readFirstLine(file.path, file.gzipped), options.delimiter);
  const expected = table.fields.map((field) => field.name);
  const found = header.map((name) => name.toLowerCase());
  const missing = expected.filter((name) => !found.includes(name));
  const unexpected = found.filter((name) => !expected.includes(name));
  if (missing.length > 0 || unexpected.length > 0 || new Set(found).size !== found.length) {
    const hint =
      options.delimiter === '\t' && header.length === 1 && (header[0] ?? '').includes(',')
        ? ' The file looks comma-separated: Athena files are tab-separated (use importCdmCsv for CDM CSV exports).'
        : '';
    throw new Error(
      `Cannot load ${file.fileName}: its header does not match vocabulary table ${table.name}. ` +
        `Expected columns: ${expected.join(', ')}. Found: ${header.join(', ') || '(empty file)'}.${hint}`,
    );
  }
  // Every column is read as text and converted in SQL: Athena files are unquoted and hold stray quotes, and
  // explicit columns keep DuckDB's sniffer from guessing types from the first rows.
  const columns = found.map((name) => `${sqlString(name)}: 'VARCHAR'`).join(', ');
  const relation =
    `read_csv(${sqlString(file.path)}, header = true, delim = ${sqlString(options.delimiter)}, ` +
    `quote = '', escape = '', auto_detect = false, columns = {${columns}})`;
  const placement = new Map<string, SourceColumn>(found.map((name) => [name, { name, type: 'VARCHAR' }]));
  const { rows } = await loadTable(connection, {
    schema: options.schema,
    table,
    relation,
    placement,
    mode: options.mode,
    dateStyle: 'athena',
  });
  return rows;
}

/**
 * Loads an OMOP vocabulary in Athena's download layout (CONCEPT.csv, CONCEPT_RELATIONSHIP.csv, … — tab
 * separated, unquoted, dates as yyyymmdd; names in any case; `.csv.gz` too) into the CDM vocabulary tables
 * with DuckDB's own CSV reader. Any file may be absent. Each file loads in its own transaction: a file with
 * a wrong header or a bad value is reported and the others still load. Loading the same directory again
 * leaves the tables as they were (see {@link LoadVocabularyOptions.mode}).
 *
 * Do not call inside an open transaction.
 *
 * @example
 * const report = await loadVocabulary(connection, '/data/athena-2026-01');
 * console.log(report.counts.concept); // 6_012_345
 */
export async function loadVocabulary(
  connection: DuckDBConnection,
  dir: string,
  options: LoadVocabularyOptions = {},
): Promise<VocabularyLoadReport> {
  const started = performance.now();
  const schema = options.schema ?? 'cdm';
  const mode = options.mode ?? 'merge';
  const delimiter = options.delimiter ?? '\t';
  await assertDirectory(dir, 'vocabulary');
  await createCdmSchema(connection, { schema });
  const { files } = await listTableFiles(dir);
  const tables: VocabularyTableReport[] = [];
  const counts: Partial<Record<VocabularyTableName, number>> = {};
  for (const name of vocabularyTableNames) {
    const tableStarted = performance.now();
    const candidates = files.filter((file) => file.table === name && file.format === 'csv');
    const file = candidates[0];
    if (file === undefined) {
      tables.push({ table: name, status: 'absent', rows: 0, durationMs: 0 });
      continue;
    }
    try {
      if (candidates.length > 1) {
        throw new Error(
          `Cannot load ${name}: the directory holds more than one file for it (${candidates.map((c) => c.fileName).join(', ')})`,
        );
      }
      const rows = await loadVocabularyFile(connection, file, tableSpec(name), { schema, mode, delimiter });
      counts[name] = rows;
      tables.push({
        table: name,
        status: 'loaded',
        file: file.path,
        rows,
        durationMs: Math.round(performance.now() - tableStarted),
      });
    } catch (error) {
      const message = describeError(error);
      tables.push({
        table: name,
        status: 'failed',
        file: file.path,
        rows: 0,
        error: message.startsWith('Cannot') ? message : `Cannot load ${file.fileName}: ${message}`,
        durationMs: Math.round(performance.now() - tableStarted),
      });
    }
  }
  return {
    dir,
    schema,
    mode,
    tables,
    counts,
    ok: tables.every((table) => table.status !== 'failed'),
    durationMs: Math.round(performance.now() - started),
  };
}

/** Row counts of the vocabulary tables in `schema` (for reports and tests). */
export async function countVocabularyRows(
  connection: DuckDBConnection,
  options: { readonly schema?: string } = {},
): Promise<Record<VocabularyTableName, number>> {
  const schema = quoteIdentifier(options.schema ?? 'cdm');
  const counts = {} as Record<VocabularyTableName, number>;
  for (const name of vocabularyTableNames) {
    const result = await connection.runAndReadAll(`SELECT count(*) FROM ${schema}.${quoteIdentifier(name)}`);
    counts[name] = Number(result.getRowsJS()[0]?.[0] ?? 0);
  }
  return counts;
}
