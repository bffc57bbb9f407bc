import type { ReaderOutput } from '../source-event.ts';
import { createReaderContext } from './_reader-context.ts';
import { DEFAULT_CHUNK_SIZE, flushPending, readNdjsonFile } from './_read-files.ts';
import type { FhirReaderOptions } from './fhir-reader-options.ts';

/**
 * Reads a FHIR Bulk Data NDJSON file (one resource per line) as a stream of events, InvalidRecords and
 * SkippedRecords, in constant memory. Each output's location carries the 1-based line. A line that is
 * not valid JSON becomes an InvalidRecord ("Cannot parse line 17 of Observation.000.ndjson: …") and
 * reading goes on with the next line.
 *
 * @example
 * ```ts
 * for await (const out of readFhirNdjson('export/Condition.000.ndjson')) {
 *   if (out.kind === 'invalid') console.log(out.location.line, out.reason);
 * }
 * ```
 */
export async function* readFhirNdjson(
  path: string,
  options?: FhirReaderOptions,
): AsyncGenerator<ReaderOutput> {
  const ctx = createReaderContext(options);
  const batches = readNdjsonFile(path, ctx, options?.chunkSize ?? DEFAULT_CHUNK_SIZE);
  for await (const batch of batches) {
    for (const output of batch) yield output;
  }
  const out: ReaderOutput[] = [];
  flushPending(ctx, out);
  yield* out;
}
