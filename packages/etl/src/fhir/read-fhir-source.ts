import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReaderOutput } from '../source-event.ts';
import { createReaderContext } from './_reader-context.ts';
import { DEFAULT_CHUNK_SIZE, flushPending, readBundleFile, readNdjsonFile } from './_read-files.ts';
import type { FhirReaderOptions } from './fhir-reader-options.ts';

/**
 * Files read first in a directory of NDJSON files, so that references to them resolve: care sites before
 * the encounters that name them, Medications before the requests that point to them.
 */
const TYPE_ORDER: Readonly<Record<string, number>> = {
  Organization: 0,
  Location: 1,
  Patient: 2,
  Encounter: 3,
  Medication: 4,
};

function isNdjsonPath(path: string): boolean {
  return path.endsWith('.ndjson') || path.endsWith('.ndjson.gz');
}

function typeRank(fileName: string): number {
  const dot = fileName.indexOf('.');
  return TYPE_ORDER[dot < 0 ? fileName : fileName.slice(0, dot)] ?? 5;
}

/**
 * Reads any FHIR source and yields all its outputs: an `.ndjson` file, a `.json` Bundle (or single
 * resource), or a directory of either, with its subdirectories; each file may be gzip'd (`.ndjson.gz`,
 * `.json.gz`). In a directory, the NDJSON files form one source (references resolve across them), and each
 * `.json` file is its own Bundle. Not data, so left out: a Bulk Data export's `log.ndjson` and its
 * manifest (JSON with `transactionTime` and `output`), and names starting with a dot. A directory that
 * holds no FHIR file at all is an error, not an empty source.
 *
 * @example
 * ```ts
 * for await (const out of readFhirSource('/exports/2026-11-01')) loader.add(out);
 * ```
 */
export async function* readFhirSource(
  path: string,
  options?: FhirReaderOptions,
): AsyncGenerator<ReaderOutput> {
  for await (const batch of readFhirSourceBatches(path, options)) {
    for (const output of batch) yield output;
  }
}

/**
 * `readFhirSource` in batches (the outputs of one read chunk each, in order): a consumer that works in
 * batches anyway, such as a loader, saves the cost of one await per record (≈0.3 µs each).
 *
 * @example
 * ```ts
 * for await (const batch of readFhirSourceBatches('/exports/2026-11-01')) await loader.addAll(batch);
 * ```
 */
export async function* readFhirSourceBatches(
  path: string,
  options?: FhirReaderOptions,
): AsyncGenerator<ReaderOutput[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (err) {
    throw new Error(`Cannot read FHIR source ${path}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  const chunkSize = options?.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!isDirectory) {
    const ctx = createReaderContext(options);
    if (isNdjsonPath(path)) {
      yield* readNdjsonFile(path, ctx, chunkSize);
      const out: ReaderOutput[] = [];
      flushPending(ctx, out);
      if (out.length > 0) yield out;
    } else {
      yield* readBundleFile(path, ctx, chunkSize);
    }
    return;
  }
  const found = { files: 0 };
  yield* readDirectory(path, options, chunkSize, found);
  if (found.files === 0) {
    throw new Error(`Cannot read FHIR source ${path}: the directory holds no .ndjson or .json files`);
  }
}

async function* readDirectory(
  path: string,
  options: FhirReaderOptions | undefined,
  chunkSize: number,
  found: { files: number },
): AsyncGenerator<ReaderOutput[]> {
  const entries = (await readdir(path, { withFileTypes: true }))
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const ndjson = entries
    .filter((e) => e.isFile() && isNdjsonPath(e.name) && e.name !== 'log.ndjson')
    .map((e) => e.name)
    .sort((a, b) => typeRank(a) - typeRank(b) || (a < b ? -1 : a > b ? 1 : 0));
  if (ndjson.length > 0) {
    found.files += ndjson.length;
    const ctx = createReaderContext(options);
    for (const name of ndjson) yield* readNdjsonFile(join(path, name), ctx, chunkSize);
    const out: ReaderOutput[] = [];
    flushPending(ctx, out);
    if (out.length > 0) yield out;
  }
  for (const entry of entries) {
    if (entry.isFile() && (entry.name.endsWith('.json') || entry.name.endsWith('.json.gz'))) {
      found.files++;
      yield* readBundleFile(join(path, entry.name), createReaderContext(options), chunkSize);
    }
  }
  for (const entry of entries) {
    if (entry.isDirectory()) yield* readDirectory(join(path, entry.name), options, chunkSize, found);
  }
}
