import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { CsvEncoding } from './csv-mapping-config.ts';

/** One record of a CSV file, with the 1-based line where it starts and its text without the line break. */
export interface CsvRow {
  readonly fields: string[];
  readonly line: number;
  readonly raw: string;
}

/** The parser gave up (an unclosed or misplaced quote): nothing from `line` on could be read. */
export interface CsvParseFailure {
  readonly failure: string;
  readonly line: number;
}

export interface ReadCsvRowsOptions {
  /** Field delimiter; undefined: the most frequent of , ; tab | in the first line. */
  readonly delimiter?: string | undefined;
  readonly encoding?: CsvEncoding | undefined;
}

const SNIFF_CANDIDATES = [',', ';', '\t', '|'];

/** Picks the delimiter that occurs most often in the first line of `text`. */
export function sniffDelimiter(text: string): string {
  const end = text.indexOf('\n');
  const first = end < 0 ? text : text.slice(0, end);
  let best = ',';
  let bestCount = 0;
  for (const d of SNIFF_CANDIDATES) {
    const count = first.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

function openSource(path: string, encoding: CsvEncoding): Readable {
  const highWaterMark = 256 * 1024;
  if (encoding !== 'windows-1252') return createReadStream(path, { highWaterMark });
  // Buffer has no windows-1252 codec: decode to text here and hand csv-parse strings.
  return Readable.from(
    (async function* () {
      const decoder = new TextDecoder('windows-1252');
      for await (const chunk of createReadStream(path, { highWaterMark }) as AsyncIterable<Buffer>) {
        yield decoder.decode(chunk, { stream: true });
      }
      yield decoder.decode();
    })(),
    { objectMode: false },
  );
}

/** The first bytes of a file (fewer when it is shorter). */
async function readHeadBytes(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function countNewlines(text: string): number {
  let n = 0;
  let i = text.indexOf('\n');
  while (i >= 0) {
    n += 1;
    i = text.indexOf('\n', i + 1);
  }
  return n;
}

const BATCH = 1024;
/** Characters one record may have. */
export const MAX_RECORD_SIZE = 4 * 1024 * 1024;

/**
 * Streams the records of a CSV file in batches, in constant memory. Empty lines are left out but counted,
 * so `line` is the true line of the file. Quotes inside unquoted values are kept as text. A parse error
 * that csv-parse cannot recover from (a quoted value that is never closed, text after a closing quote)
 * ends the file with a `CsvParseFailure`.
 * @throws the file system's error when the file cannot be opened or read.
 */
export async function* readCsvRows(
  path: string,
  options: ReadCsvRowsOptions = {},
): AsyncGenerator<readonly CsvRow[] | CsvParseFailure> {
  const encoding = options.encoding ?? 'utf-8';
  const head = await readHeadBytes(path, options.delimiter === undefined ? 64 * 1024 : 4);
  // Excel's "Unicode text" is UTF-16; read as UTF-8 or latin1 it would be all noise.
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    yield { failure: 'the file is UTF-16 (a byte-order mark says so); save it as CSV in UTF-8', line: 1 };
    return;
  }
  const delimiter = options.delimiter ?? sniffDelimiter(new TextDecoder(encoding).decode(head));
  const source = openSource(path, encoding);
  // Not `skip_records_with_error`: after an error csv-parse resumes at an arbitrary point and merges or drops
  // the rows that follow, silently. An unrecoverable error ends the file with a failure that says so.
  // Both line breaks are accepted, as files glued together from several exports mix them.
  const parser = parse({
    delimiter,
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    record_delimiter: ['\r\n', '\n'],
    // Bounds memory when a quote is never closed (csv-parse would otherwise buffer the rest of the file).
    max_record_size: MAX_RECORD_SIZE,
    bom: true,
    encoding: encoding === 'latin1' ? 'latin1' : 'utf8',
  });
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);

  let pending: CsvRow[] = [];
  let nextLine = 1;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      let raw = item.raw;
      // csv-parse appends the first character of the line break to `raw`.
      const last = raw.charCodeAt(raw.length - 1);
      if (last === 10 || last === 13) raw = raw.slice(0, -1);
      const line = nextLine;
      nextLine += 1 + countNewlines(raw);
      const fields = item.record;
      if (fields.length === 1 && fields[0] === '' && raw.trim() === '') continue;
      pending.push({ fields, line, raw });
      if (pending.length >= BATCH) {
        yield pending;
        pending = [];
      }
    }
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    if (pending.length > 0) yield pending;
    yield { failure: e.message, line: nextLine };
    return;
  } finally {
    source.destroy();
  }
  if (pending.length > 0) yield pending;
}
