import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';

/** How a table file is stored. */
export type TableFileFormat = 'csv' | 'parquet';

/** A file in an export directory that holds one table. */
export interface TableFile {
  /** Lower-cased table name taken from the file name (`CONCEPT.csv.gz` → `concept`). */
  readonly table: string;
  readonly path: string;
  readonly fileName: string;
  readonly format: TableFileFormat;
  readonly gzipped: boolean;
}

const suffixes: readonly {
  readonly suffix: string;
  readonly format: TableFileFormat;
  readonly gzipped: boolean;
}[] = [
  { suffix: '.csv.gz', format: 'csv', gzipped: true },
  { suffix: '.csv', format: 'csv', gzipped: false },
  { suffix: '.tsv.gz', format: 'csv', gzipped: true },
  { suffix: '.tsv', format: 'csv', gzipped: false },
  { suffix: '.parquet', format: 'parquet', gzipped: false },
];

/** Throws a clear error when `dir` is not a readable directory. */
export async function assertDirectory(dir: string, what: string): Promise<void> {
  let isDirectory = false;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch (cause) {
    throw new Error(`Cannot load ${what}: directory ${dir} does not exist`, { cause });
  }
  if (!isDirectory) throw new Error(`Cannot load ${what}: ${dir} is not a directory`);
}

/**
 * The table files of a directory, keyed by lower-cased table name; names match case-insensitively and may
 * end in .csv, .csv.gz, .tsv, .tsv.gz or .parquet. Other files are returned in `others`.
 */
export async function listTableFiles(dir: string): Promise<{ files: TableFile[]; others: string[] }> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: TableFile[] = [];
  const others: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isFile()) continue;
    const lower = entry.name.toLowerCase();
    const match = suffixes.find((candidate) => lower.endsWith(candidate.suffix));
    if (match === undefined) {
      others.push(entry.name);
      continue;
    }
    files.push({
      table: lower.slice(0, -match.suffix.length),
      path: join(dir, entry.name),
      fileName: entry.name,
      format: match.format,
      gzipped: match.gzipped,
    });
  }
  return { files, others };
}

/** The first line of a text file (gzipped or not), without its line break and byte-order mark. */
export async function readFirstLine(path: string, gzipped: boolean): Promise<string> {
  const raw = createReadStream(path, { highWaterMark: 64 * 1024 });
  const stream = gzipped ? raw.pipe(createGunzip()) : raw;
  let text = '';
  try {
    for await (const chunk of stream) {
      text += (chunk as Buffer).toString('utf8');
      const end = text.search(/\r?\n/);
      if (end >= 0) {
        text = text.slice(0, end);
        break;
      }
      if (text.length > 1_000_000) break;
    }
  } finally {
    raw.destroy();
    stream.destroy();
  }
  return text.replace(/^\uFEFF/, '').replace(/\r$/, '');
}

/** Splits a CSV header line; quoted names are unquoted. Header names never hold the delimiter in OMOP files. */
export function splitHeader(line: string, delimiter: string): string[] {
  if (line.trim() === '') return [];
  return line.split(delimiter).map((name) =>
    name
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim(),
  );
}
