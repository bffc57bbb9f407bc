import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { StationStore } from '../station-store.ts';

/**
 * The database that holds cached cohort tables: an in-memory database attached to the station's DuckDB
 * instance. Temporary tables live in one connection only, and every task runs in a connection of its own;
 * an attached database is seen by every connection of the instance. In memory rather than a schema of the
 * station file: a cohort is derived data, so writing it to the file (and its WAL and checkpoints) would cost
 * disk I/O for nothing, and a crash would leave tables to clean up; this one vanishes with the process,
 * together with the cache's bookkeeping.
 */
export const cohortCatalog = 'polder_cohorts';

/** What makes two tasks' cohorts the same table. */
export interface CohortCacheKey {
  /** SHA-256 of the canonical JSON of the validated cohort definition. */
  readonly definitionDigest: string;
  /**
   * The permit: it fixes the purpose and the grant date, and so which opted-out persons are left out. Purpose
   * and grant date are in the key as well, so that a table is never shared across them even if a permit id
   * were reused.
   */
  readonly permitId: string;
  readonly purpose: string;
  readonly grantedAt: string;
  /** The station's data version when the build started (`readDataVersion`). */
  readonly dataVersion: string;
  /** The opt-out register's version when the build started (`optOutRegisterVersion`). */
  readonly optOutVersion: number;
}

/** Bounds of a {@link CohortCache}. */
export interface CohortCacheOptions {
  /** How many cohort tables to keep. @default 8 */
  readonly maxCohorts?: number;
  /** How many rows to keep across all cohort tables (memory, roughly rows × variables). @default 2,000,000 */
  readonly maxRows?: number;
}

/** What the cache did so far, for tests and the debug log. */
export interface CohortCacheStats {
  /** Cohort tables built. */
  readonly builds: number;
  /** Tasks that got a table built before (or being built by another task). */
  readonly reuses: number;
  /** Tables dropped: least recently used over a bound, or out of date. */
  readonly drops: number;
  /** Tables kept now, and their rows. */
  readonly cohorts: number;
  readonly rows: number;
}

/** A task's hold on a cached cohort table: the table is not dropped before every holder released it. */
export interface CohortLease {
  /** The table's plain name: a connection prepared with {@link CohortCache.prepare} finds it so. */
  readonly table: string;
  readonly rows: number;
  /** Distinct persons in the table. */
  readonly persons: number;
  /** Whether this task built the table (false: it was there, or another task was building it). */
  readonly built: boolean;
  /** How long building the table took, ms (0 for a reuse). */
  readonly buildMs: number;
  /** Whether the persons of this table were recorded for the project (`polder.project_usage_person`). */
  usageRecorded(projectId: string): boolean;
  /** Notes that the persons of this table are recorded for the project. */
  markUsageRecorded(projectId: string): void;
  /** Gives the table back (once; later calls do nothing). */
  release(): Promise<void>;
}

/** Builds a cohort into `table` (qualified with {@link cohortCatalog}) on `connection`. */
export type CohortBuilder = (table: string, connection: DuckDBConnection) => Promise<void>;

interface Entry {
  readonly id: string;
  readonly key: CohortCacheKey;
  readonly table: string;
  ready: Promise<void>;
  built: boolean;
  rows: number;
  persons: number;
  buildMs: number;
  leases: number;
  /** The data or the register moved on: dropped once the last holder releases it. */
  stale: boolean;
  readonly recordedFor: Set<string>;
}

const plainName = /^[a-z_][a-z0-9_]*$/;

/**
 * The station's cohort tables kept between tasks and GLM rounds: a cohort is built once per (definition,
 * permit, data version, opt-out register version) and read by every later task that asks for the same, until
 * the data or the register changes or it is the least recently used one over a bound. Two tasks that ask for
 * the same cohort at once build it once. One cache per DuckDB instance ({@link cohortCacheOf}).
 */
export class CohortCache {
  readonly #instance: DuckDBInstance;
  readonly #maxCohorts: number;
  readonly #maxRows: number;
  /** Least recently used first (a Map keeps insertion order; a use moves the entry to the end). */
  readonly #entries = new Map<string, Entry>();
  #attached: Promise<void> | undefined;
  #builds = 0;
  #reuses = 0;
  #drops = 0;

  constructor(instance: DuckDBInstance, options: CohortCacheOptions = {}) {
    this.#instance = instance;
    this.#maxCohorts = Math.max(1, Math.floor(options.maxCohorts ?? 8));
    this.#maxRows = Math.max(0, Math.floor(options.maxRows ?? 2_000_000));
  }

  get stats(): CohortCacheStats {
    let rows = 0;
    for (const entry of this.#entries.values()) rows += entry.rows;
    return {
      builds: this.#builds,
      reuses: this.#reuses,
      drops: this.#drops,
      cohorts: this.#entries.size,
      rows,
    };
  }

  /**
   * The cohort table for `key`: the cached one, the one another task is building, or one `build` makes now on
   * `connection` (prepared with {@link CohortCache.prepare}). Tables of other data or
   * register versions than `key`'s are dropped (at once, or when their last holder releases them). A failed
   * build is not cached: the error goes to every task waiting for it, and the next one builds again.
   */
  async acquire(
    connection: DuckDBConnection,
    key: CohortCacheKey,
    build: CohortBuilder,
  ): Promise<CohortLease> {
    await this.prepare(connection);
    await this.#dropOutdated(key);
    const id = JSON.stringify([
      key.definitionDigest,
      key.permitId,
      key.purpose,
      key.grantedAt,
      key.dataVersion,
      key.optOutVersion,
    ]);
    let entry = this.#entries.get(id);
    let builder = false;
    if (entry === undefined) {
      builder = true;
      const table = `cohort_${randomBytes(8).toString('hex')}`;
      const created: Entry = {
        id,
        key,
        table,
        ready: Promise.resolve(),
        built: false,
        rows: 0,
        persons: 0,
        buildMs: 0,
        leases: 0,
        stale: false,
        recordedFor: new Set(),
      };
      created.ready = this.#build(created, connection, build);
      this.#entries.set(id, created);
      entry = created;
    } else {
      this.#entries.delete(id);
      this.#entries.set(id, entry);
    }
    entry.leases += 1;
    try {
      await entry.ready;
    } catch (error) {
      entry.leases -= 1;
      throw error;
    }
    if (builder) {
      this.#builds += 1;
      await this.#evict();
    } else {
      this.#reuses += 1;
    }
    return this.#lease(entry, builder);
  }

  /** Drops every table no task holds, and those held when their last holder releases them. */
  async clear(): Promise<void> {
    for (const entry of [...this.#entries.values()]) {
      entry.stale = true;
      this.#entries.delete(entry.id);
      if (entry.leases === 0) await this.#drop(entry);
    }
  }

  /**
   * Lets `connection` find cached cohort tables by their plain name (the algorithms take a plain table name),
   * after its temporary tables and before the station's own; tables it creates without a schema still go
   * into the station database's `main`. The search path is the connection's own.
   */
  async prepare(connection: DuckDBConnection): Promise<void> {
    await this.#attach(connection);
    await connection.run(`SET search_path = 'main,${cohortCatalog}.main'`);
  }

  async #attach(connection: DuckDBConnection): Promise<void> {
    // Once per instance: an attached database belongs to the instance, not to the connection.
    this.#attached ??= connection.run(`ATTACH IF NOT EXISTS ':memory:' AS ${cohortCatalog}`).then(
      () => undefined,
      (error: unknown) => {
        this.#attached = undefined;
        throw error;
      },
    );
    await this.#attached;
  }

  async #build(entry: Entry, connection: DuckDBConnection, build: CohortBuilder): Promise<void> {
    const started = performance.now();
    const qualified = `${cohortCatalog}.main.${entry.table}`;
    try {
      await build(qualified, connection);
      const counts = (
        await connection.runAndReadAll(`SELECT count(*), count(DISTINCT person_id) FROM ${qualified}`)
      ).getRowsJS()[0];
      entry.rows = Number(counts?.[0] ?? 0);
      entry.persons = Number(counts?.[1] ?? 0);
      entry.buildMs = performance.now() - started;
      entry.built = true;
    } catch (error) {
      if (this.#entries.get(entry.id) === entry) this.#entries.delete(entry.id);
      await this.#dropTable(entry.table);
      throw error;
    }
  }

  #lease(entry: Entry, built: boolean): CohortLease {
    let released = false;
    return {
      table: entry.table,
      rows: entry.rows,
      persons: entry.persons,
      built,
      buildMs: built ? entry.buildMs : 0,
      usageRecorded: (projectId) => entry.recordedFor.has(projectId),
      markUsageRecorded: (projectId) => {
        entry.recordedFor.add(projectId);
      },
      release: async () => {
        if (released) return;
        released = true;
        entry.leases -= 1;
        if (entry.leases === 0 && entry.stale) await this.#drop(entry);
        else await this.#evict();
      },
    };
  }

  /** Tables of another data or register version than `current`'s will never be asked for again. */
  async #dropOutdated(current: CohortCacheKey): Promise<void> {
    for (const entry of [...this.#entries.values()]) {
      if (
        entry.key.dataVersion === current.dataVersion &&
        entry.key.optOutVersion === current.optOutVersion
      ) {
        continue;
      }
      entry.stale = true;
      // Out of the look-up at once, so no task gets it from here on; its holders keep reading it.
      if (this.#entries.get(entry.id) === entry) this.#entries.delete(entry.id);
      if (entry.leases === 0) await this.#drop(entry);
    }
  }

  /** Drops the least recently used tables no task holds until both bounds hold (or only held ones are left). */
  async #evict(): Promise<void> {
    for (;;) {
      let rows = 0;
      for (const entry of this.#entries.values()) rows += entry.rows;
      if (this.#entries.size <= this.#maxCohorts && rows <= this.#maxRows) return;
      const idle = [...this.#entries.values()].find((entry) => entry.leases === 0 && entry.built);
      if (idle === undefined) return;
      await this.#drop(idle);
    }
  }

  async #drop(entry: Entry): Promise<void> {
    if (this.#entries.get(entry.id) === entry) this.#entries.delete(entry.id);
    this.#drops += 1;
    await this.#dropTable(entry.table);
  }

  async #dropTable(table: string): Promise<void> {
    if (!plainName.test(table)) return;
    // A connection of its own: the caller's may be in the middle of a task. A failed drop leaves the table
    // in memory until the process ends; it must not fail the task that happened to trigger it.
    try {
      const connection = await this.#instance.connect();
      try {
        await connection.run(`DROP TABLE IF EXISTS ${cohortCatalog}.main.${table}`);
      } finally {
        connection.closeSync();
      }
    } catch {
      // nothing to do: see above
    }
  }
}

const caches = new WeakMap<DuckDBInstance, CohortCache>();

/** The station's cohort cache: one per DuckDB instance, so that every task of the station shares it. */
export function cohortCacheOf(store: Pick<StationStore, 'instance'>): CohortCache {
  let cache = caches.get(store.instance);
  if (cache === undefined) {
    cache = new CohortCache(store.instance);
    caches.set(store.instance, cache);
  }
  return cache;
}
