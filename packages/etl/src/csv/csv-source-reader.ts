import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { InvalidRecord, ReaderOutput } from '../source-event.ts';
import type { CsvEventKind, CsvFileMapping, CsvMappingConfig } from './csv-mapping-config.ts';
import { readCsvMappingConfig } from './_validate-config.ts';
import { readCsvRows, type CsvParseFailure, type CsvRow } from './_read-csv-rows.ts';
import { didYouMean } from './_did-you-mean.ts';
import { compileRowMapper, type MissingColumn, type RowMapperContext } from './_row-mapper.ts';

export type { CsvSkippedRecord } from './_row-mapper.ts';
import { readSourceToConceptMap, type SourceToConceptMapRow } from './source-to-concept-map.ts';

/** Options of `readCsvSource`. */
export interface ReadCsvSourceOptions {
  /** The moment the ingest runs: birth and death dates after it are invalid. @default new Date() */
  readonly now?: Date;
  /** Dates in years before this one make a record invalid (birth dates and event dates alike). @default 1900 */
  readonly earliestYear?: number;
  /**
   * Directory the config's file paths are relative to, so that one config serves each new export folder.
   * Code mapping tables stay relative to the config. @default the config's `dataDir`, else its directory
   */
  readonly dataDir?: string;
}

function hasWildcard(path: string): boolean {
  return path.includes('*') || path.includes('?');
}

function wildcardToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/**
 * The files a mapping's `path` names, absolute, in name order. A pattern may have wildcards in its last
 * segment only ("labs/labs_*.csv").
 */
async function expandPath(configDir: string, path: string): Promise<string[]> {
  const full = resolve(configDir, path);
  if (!hasWildcard(basename(full))) return [full];
  const dir = dirname(full);
  const re = wildcardToRegExp(basename(full));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const name of names.filter((n) => re.test(n)).sort()) {
    const p = join(dir, name);
    if ((await stat(p)).isFile()) files.push(p);
  }
  return files;
}

function fileProblem(
  mapping: CsvFileMapping,
  file: string,
  reason: string,
  raw = '',
  line?: number,
): InvalidRecord {
  return {
    kind: 'invalid',
    resourceType: mapping.resourceType,
    location: line === undefined ? { file } : { file, line },
    raw,
    reason,
  };
}

/** The id prefix of each kind, where all files of the kind share one. */
function refPrefixes(config: CsvMappingConfig): Map<CsvEventKind, string> {
  const byKind = new Map<CsvEventKind, Set<string>>();
  for (const f of config.files) {
    const set = byKind.get(f.kind) ?? new Set<string>();
    set.add(f.idPrefix ?? f.resourceType);
    byKind.set(f.kind, set);
  }
  const result = new Map<CsvEventKind, string>();
  for (const [kind, set] of byKind) if (set.size === 1) result.set(kind, [...set][0] as string);
  return result;
}

/**
 * Reads a CSV source as its mapping config describes it, streaming each file row by row in constant
 * memory. Every data row ends as exactly one event, `InvalidRecord` or `SkippedRecord`, in file order;
 * files come in the config's order. A file that cannot be used as a whole (not found, lacks a column the
 * config names, cannot be parsed from some line on) gives one `InvalidRecord` saying which rows were not
 * read, and the reader goes on with the next file.
 *
 * @param configPath path of the mapping config (JSON); file paths in it are relative to its `dataDir` (default:
 *   the config's directory).
 * @throws CsvMappingConfigError when the config cannot be read or is not valid; nothing is read then.
 * @example
 * ```ts
 * for await (const out of readCsvSource('/data/hospital-c/mapping.json')) {
 *   if (out.kind === 'invalid') console.warn(out.reason); // "labs.csv line 17: column 'datum' value …"
 * }
 * ```
 */
export async function* readCsvSource(
  configPath: string,
  options: ReadCsvSourceOptions = {},
): AsyncGenerator<ReaderOutput> {
  const config = await readCsvMappingConfig(configPath);
  const dataDir =
    options.dataDir !== undefined
      ? resolve(options.dataDir)
      : resolve(dirname(resolve(configPath)), config.dataDir ?? '.');
  const configName = basename(configPath);
  const today = (options.now ?? new Date()).toISOString().slice(0, 10);
  const prefixes = refPrefixes(config);

  for (const [mappingIndex, mapping] of config.files.entries()) {
    const files = await expandPath(dataDir, mapping.path);
    if (files.length === 0) {
      yield fileProblem(
        mapping,
        resolve(dataDir, mapping.path),
        `${mapping.path}: ${configName} files[${mappingIndex}].path matches no file in ${dirname(resolve(dataDir, mapping.path))}; nothing was read for it`,
      );
      continue;
    }
    for (const file of files) {
      const fileName = relative(dataDir, file).split(sep).join('/');
      const context: RowMapperContext = {
        mapping,
        mappingIndex,
        configName,
        file,
        fileName,
        defaults: config,
        refPrefixes: prefixes,
        today,
        earliestYear: options.earliestYear ?? 1900,
      };
      // Batches keep the per-row cost to one generator hop.
      for await (const batch of readMappedFile(context)) for (const o of batch) yield o;
    }
  }
}

async function* readMappedFile(context: RowMapperContext): AsyncGenerator<readonly ReaderOutput[]> {
  const { mapping, file, fileName, configName, mappingIndex } = context;
  let mapRow: ((row: CsvRow) => ReaderOutput) | undefined;
  let missingReason: string | undefined;
  let headerRaw = '';
  let unreadRows = 0;
  let lastLine = 0;
  let sawHeader = mapping.columnNames !== undefined;

  const useHeader = (header: readonly string[]) => {
    const compiled = compileRowMapper(context, header);
    if ('mapRow' in compiled) {
      mapRow = compiled.mapRow;
      return;
    }
    const where = (m: MissingColumn) =>
      `${configName} files[${mappingIndex}].${m.setting} names column '${m.column}'`;
    const problems = compiled.missing.map((m) =>
      m.occurrences === 0
        ? `${where(m)}, which the file lacks${didYouMean(m.column, header)}`
        : `${where(m)}, which the header has ${m.occurrences} times`,
    );
    missingReason = `${fileName}: ${problems.join('; ')} (its columns: ${header.join(', ')}); no row of the file was read`;
  };
  if (mapping.columnNames !== undefined) useHeader(mapping.columnNames);

  try {
    const rows = readCsvRows(file, {
      delimiter: mapping.delimiter ?? context.defaults.delimiter ?? ',',
      encoding: mapping.encoding ?? context.defaults.encoding ?? 'utf-8',
    });
    for await (const batch of rows) {
      if (!isRowBatch(batch)) {
        const reason =
          `${fileName} line ${batch.line}: the CSV cannot be parsed from this line on (${batch.failure}); ` +
          `the rows from line ${batch.line} to the end of the file were not read`;
        yield [fileProblem(mapping, file, reason, '', batch.line)];
        return;
      }
      const outputs: ReaderOutput[] = [];
      for (const row of batch) {
        lastLine = row.line;
        if (!sawHeader) {
          sawHeader = true;
          headerRaw = row.raw;
          useHeader(row.fields);
        } else if (mapRow !== undefined) {
          outputs.push(mapRow(row));
        } else {
          unreadRows += 1;
        }
      }
      if (outputs.length > 0) yield outputs;
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code !== 'string' || err.syscall === undefined) throw e;
    const why =
      err.code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${err.message})`;
    const which = lastLine === 0 ? 'nothing was read' : `the rows after line ${lastLine} were not read`;
    yield [
      fileProblem(mapping, file, `${fileName}: ${why}; ${which} (${configName} files[${mappingIndex}])`),
    ];
    return;
  }
  if (!sawHeader) {
    yield [fileProblem(mapping, file, `${fileName}: the file is empty (it has no header row)`, '', 1)];
  } else if (missingReason !== undefined) {
    const rows = `${unreadRows} data row${unreadRows === 1 ? '' : 's'}`;
    yield [fileProblem(mapping, file, `${missingReason} (${rows})`, headerRaw, 1)];
  }
}

function isRowBatch(item: readonly CsvRow[] | CsvParseFailure): item is readonly CsvRow[] {
  return Array.isArray(item);
}

/**
 * Reads every code mapping table that a CSV source's config names (`codeMaps`), in order.
 * @throws CsvMappingConfigError when the config cannot be read or is not valid.
 */
export async function* readCsvSourceCodeMaps(
  configPath: string,
): AsyncGenerator<SourceToConceptMapRow | InvalidRecord> {
  const config = await readCsvMappingConfig(configPath);
  const configDir = dirname(resolve(configPath));
  for (const path of config.codeMaps ?? []) yield* readSourceToConceptMap(resolve(configDir, path));
}
