import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ingest,
  isCsvMappingConfig,
  readCsvSource,
  readCsvSourceCodeMaps,
  readFhirSource,
  type IngestReport,
  type InvalidRecord,
  type ReaderOutput,
  type SourceToConceptMapRow,
} from '@polder/etl';
import type { StationStore } from './station-store.ts';

/** The kinds of source export a station reads. */
export type SourceKind = 'fhir' | 'csv';

/** A source path with the reader it needs: a CSV export is named by its mapping config. */
export interface DetectedSource {
  readonly path: string;
  readonly kind: SourceKind;
}

/**
 * Decides how to read `path`: a CSV mapping config (a `.json` file with `files`, or a directory holding
 * `mapping.json`) is a CSV export; anything else is FHIR (a Bundle, an NDJSON file, or a directory of them).
 */
export async function detectSource(path: string): Promise<DetectedSource> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new Error(`Cannot ingest ${path}: no such file or directory`, { cause: error });
  }
  if (info.isDirectory()) {
    const mapping = join(path, 'mapping.json');
    const hasMapping = await stat(mapping).then(
      (s) => s.isFile(),
      () => false,
    );
    return hasMapping ? { path: mapping, kind: 'csv' } : { path, kind: 'fhir' };
  }
  // A mapping config is small; a FHIR Bundle may be huge, so only small JSON files are parsed to tell.
  if (path.endsWith('.json') && info.size < 1_000_000) {
    const text = await readFile(path, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined; // not JSON at all: the FHIR reader reports it with file and position
    }
    if (isCsvMappingConfig(json)) return { path, kind: 'csv' };
  }
  return { path, kind: 'fhir' };
}

/** Options of `ingestIntoStation`. */
export interface IngestIntoStationOptions {
  /** The idempotency namespace: the source system's name. @default the station's name */
  readonly sourceName?: string;
  readonly onProgress?: (recordsRead: number) => void;
  /**
   * DuckDB's memory limit during the ingest. DuckDB's process RSS runs some 400–500 MB above it, so the
   * default keeps a million-resource ingest under 1 GB. @default '300MB'
   */
  readonly memoryLimit?: string;
}

/**
 * Ingests source exports (FHIR Bundles or NDJSON, CSV through a mapping config) into the station's OMOP
 * tables in one ingest run; CSV code mapping tables are loaded into source_to_concept_map first.
 */
export async function ingestIntoStation(
  store: StationStore,
  paths: readonly string[],
  options: IngestIntoStationOptions = {},
): Promise<IngestReport> {
  if (paths.length === 0) throw new Error('Cannot ingest: name at least one source file or directory');
  const sources = await Promise.all(paths.map(detectSource));
  const inputs: AsyncIterable<ReaderOutput>[] = sources.map((s) =>
    s.kind === 'csv' ? readCsvSource(s.path) : readFhirSource(s.path),
  );
  const csvConfigs = sources.filter((s) => s.kind === 'csv').map((s) => s.path);
  const ingestOptions = {
    memoryLimit: options.memoryLimit ?? '300MB',
    // The run's spool of original records and its work database sit beside the station, not in /tmp.
    tempDirectory: store.dir,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(csvConfigs.length === 0 ? {} : { sourceToConceptMap: codeMapsOf(csvConfigs) }),
  };
  return ingest(store.connection, { name: options.sourceName ?? store.info.name, inputs }, ingestOptions);
}

async function* codeMapsOf(
  configs: readonly string[],
): AsyncGenerator<SourceToConceptMapRow | InvalidRecord> {
  for (const config of configs) yield* readCsvSourceCodeMaps(config);
}
