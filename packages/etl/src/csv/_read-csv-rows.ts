import { createReadStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parse, type CsvError } from 'csv-parse';
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

async function* decodedChunks(path: string, encoding: CsvEncoding): AsyncGenerator<string> {
  const highWaterMark = 256 * 1024;
  if (encoding === 'windows-1252') {
    const decoder = new TextDecoder('windows-1252');
    for await (const chunk of createReadStream(path, { highWaterMark }) as AsyncIterable<Buffer>) {
      yield decoder.decode(chunk, { stream: true });
    }
    yield decoder.decode();
    return;
  }
  yield* createReadStream(path, {
    encoding: encoding === 'latin1' ? 'latin1' : 'utf8',
    highWaterMark,
  }) as AsyncIterable<string>;
}

function countNewlines(text: string, end: number): number {
  let n = 0;
  let i = text.indexOf('\n');
  while (i >= 0 && i < end) {
    n += 1;
    i = text.indexOf('\n', i + 1);
  }
  return n;
}

/**
 * Streams the records of a CSV file in batches (one batch per chunk read), in constant memory. Empty
 * lines are left out but counted, so `line` is the true line of the file. Quotes inside unquoted values
 * are kept as text. A parse error that csv-parse cannot recover from (a quoted value that is never closed,
 * text after a closing quote) ends the file with a `CsvParseFailure`.
 * @throws when the file cannot be opened or read.
 */
export async function* readCsvRows(
  path: string,
  options: ReadCsvRowsOptions = {},
): AsyncGenerator<readonly CsvRow[] | CsvParseFailure> {
  let pending: CsvRow[] = [];
  let nextLine = 1;
  let parser: ReturnType<typeof parse> | undefined;
  let parseError: CsvError | Error | undefined;
  let first = true;

  // With `raw: true`, csv-parse hands over { record, raw }.
  const onRecord = ({ record, raw: rawText }: { record: string[]; raw: string }): null => {
    let raw = rawText;
    // csv-parse appends the first character of the line break to `raw`.
    const last = raw.charCodeAt(raw.length - 1);
    if (last === 10 || last === 13) raw = raw.slice(0, -1);
    const line = nextLine;
    nextLine += 1 + (raw.length > 0 ? countNewlines(raw, raw.length) : 0);
    if (record.length === 1 && record[0] === '' && raw.trim() === '') return null;
    pending.push({ fields: record, line, raw });
    return null;
  };

  const makeParser = (delimiter: string) => {
    const p = parse({
      delimiter,
      raw: true,
      relax_column_count: true,
      relax_quotes: true,
      on_record: onRecord as never,
    });
    p.on('error', (e: Error) => {
      parseError ??= e;
    });
    p.resume();
    return p;
  };

  const failure = (): CsvParseFailure => ({
    failure: parseError?.message ?? 'unknown parse error',
    line: nextLine,
  });

  for await (let chunk of decodedChunks(path, options.encoding ?? 'utf-8')) {
    if (first) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      parser = makeParser(options.delimiter ?? sniffDelimiter(chunk));
      first = false;
    }
    parser?.write(chunk);
    if (pending.length > 0) {
      yield pending;
      pending = [];
    }
    if (parseError !== undefined) {
      yield failure();
      return;
    }
  }
  if (parser === undefined) return;
  parser.end();
  try {
    await finished(parser);
  } catch (e) {
    parseError ??= e as Error;
  }
  if (pending.length > 0) yield pending;
  if (parseError !== undefined) yield failure();
}
