import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createEtlTables } from '@polder/etl';
import { createCdmSchema, loadStarterVocabulary } from '@polder/omop';

/** What a station records about itself beside its database. */
export interface StationInfo {
  readonly name: string;
  readonly createdAt: string;
}

/** Options for opening a station's store. */
export interface OpenStationOptions {
  /** Human name of the station (its hospital), recorded on first open. @default the directory's name */
  readonly name?: string;
  /** DuckDB memory limit, e.g. '2GB'. @default DuckDB's own (80% of RAM) */
  readonly memoryLimit?: string;
  /** DuckDB worker threads. @default DuckDB's own (one per core) */
  readonly threads?: number;
}

/**
 * A station's store: one DuckDB file holding schema `cdm` (OMOP CDM 5.4 with vocabulary) and schema
 * `polder` (ingest runs, quarantine, source-id map, data-quality runs). The connection is the narrow seam
 * the rest of the station works through.
 */
export interface StationStore {
  readonly dir: string;
  readonly databasePath: string;
  readonly info: StationInfo;
  /** The DuckDB instance, for work that wants connections of its own (parallel queries). */
  readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  /** Closes the connection and the database; the store cannot be used afterwards. */
  close(): void;
}

const databaseFile = 'station.duckdb';
const infoFile = 'station.json';

/**
 * Opens (creating on first use) the station in `dir`: the DuckDB file, the CDM schema and the station's
 * own tables, created idempotently. A new station gets the bundled starter vocabulary, so that it can map
 * the common SNOMED, LOINC and RxNorm codes before a steward loads a full Athena vocabulary.
 */
export async function openStationStore(dir: string, options: OpenStationOptions = {}): Promise<StationStore> {
  const absolute = resolve(dir);
  await mkdir(absolute, { recursive: true });
  const info = await readOrCreateInfo(absolute, options.name);
  const databasePath = join(absolute, databaseFile);
  const config: Record<string, string> = {};
  if (options.memoryLimit !== undefined) config['memory_limit'] = options.memoryLimit;
  if (options.threads !== undefined) config['threads'] = String(options.threads);
  const instance = await DuckDBInstance.create(databasePath, config);
  const connection = await instance.connect();
  await createCdmSchema(connection);
  await createEtlTables(connection);
  const concepts = await connection.runAndReadAll('SELECT count(*) FROM cdm.concept');
  if (Number(concepts.getRows()[0]?.[0] ?? 0) === 0) await loadStarterVocabulary(connection);
  return {
    dir: absolute,
    databasePath,
    info,
    instance,
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

async function readOrCreateInfo(dir: string, name: string | undefined): Promise<StationInfo> {
  const path = join(dir, infoFile);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as StationInfo;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`Cannot open station in ${dir}: ${infoFile} is unreadable`, { cause: error });
    }
    const info: StationInfo = {
      name: name ?? (dir.split('/').pop() || 'station'),
      createdAt: new Date().toISOString(),
    };
    await writeFile(path, `${JSON.stringify(info, null, 2)}\n`);
    return info;
  }
}

/**
 * Changes to the station's data made in this process outside an ingest run, per database file (a store
 * closed and opened again in the same process keeps counting).
 */
const dataChanges = new Map<string, number>();

/**
 * Marks that the station's OMOP data changed by a path that leaves no ingest run behind (a vocabulary load,
 * a repair in SQL): what was derived from the data before, such as cached cohorts, is built again.
 */
export function noteDataChanged(store: Pick<StationStore, 'databasePath'>): void {
  dataChanges.set(store.databasePath, (dataChanges.get(store.databasePath) ?? 0) + 1);
}

/**
 * The version of the station's data: equal versions mean the CDM tables hold what they held before. It is read
 * from the database for every call, so it sees every writer in this process without their help: the ingest
 * runs (newest id, how many, when the last one ended — an ingest that updates rows in place changes these),
 * the row counts of every `cdm` table from DuckDB's catalogue (rows inserted straight in SQL, a vocabulary
 * load), and {@link noteDataChanged}. No other process can write meanwhile: DuckDB locks the file for its
 * one writing process. One metadata query, a few milliseconds at any size.
 */
export async function readDataVersion(
  store: Pick<StationStore, 'databasePath' | 'connection'>,
  connection: DuckDBConnection = store.connection,
): Promise<string> {
  const row = (
    await connection.runAndReadAll(
      `SELECT
         (SELECT coalesce(max(ingest_run_id), 0) || '.' || count(*) || '.' || coalesce(epoch_ms(max(finished_at)), 0)
          FROM polder.ingest_run),
         (SELECT hash(list(table_name || '=' || estimated_size ORDER BY table_name))
          FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'cdm')`,
    )
  ).getRowsJS()[0];
  return `${String(row?.[0])}.${String(row?.[1])}.${dataChanges.get(store.databasePath) ?? 0}`;
}
