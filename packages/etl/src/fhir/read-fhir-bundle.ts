import type { ReaderOutput } from '../source-event.ts';
import { createReaderContext } from './_reader-context.ts';
import { DEFAULT_CHUNK_SIZE, readBundleFile } from './_read-files.ts';
import type { FhirReaderOptions } from './fhir-reader-options.ts';

/**
 * Reads a FHIR Bundle JSON file (transaction, collection, batch, searchset, …) entry by entry without
 * parsing the whole file: a scanner finds each entry's text and only that is JSON.parse'd. Each output's
 * location carries the 0-based entry index and the line where the entry starts. `urn:uuid:` references are
 * resolved to "Type/id". A truncated file yields every complete entry, then one InvalidRecord naming the
 * entry and line where it broke. A JSON file holding a single resource instead of a Bundle is read as that
 * resource.
 *
 * @example
 * ```ts
 * for await (const out of readFhirBundle('synthea/Abdul_Koepp.json')) {
 *   if (out.kind === 'clinical') console.log(out.sourceId, out.start);
 * }
 * ```
 */
export async function* readFhirBundle(
  path: string,
  options?: FhirReaderOptions,
): AsyncGenerator<ReaderOutput> {
  const batches = readBundleFile(
    path,
    createReaderContext(options),
    options?.chunkSize ?? DEFAULT_CHUNK_SIZE,
  );
  for await (const batch of batches) {
    for (const output of batch) yield output;
  }
}
