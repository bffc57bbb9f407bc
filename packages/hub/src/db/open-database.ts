import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';
import { PGliteDialect } from './pglite-dialect.ts';

/** Where the hub's database lives. */
export interface DatabaseLocation {
  /** A PostgreSQL connection string; when absent, embedded PGlite is used. */
  readonly databaseUrl?: string;
  /** PGlite's data directory. @default in-memory */
  readonly pgliteDataDir?: string;
}

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** Most connections the `pg` pool opens. @default 10 */
  readonly maxConnections?: number;
}

const int8Oid = 20;

/**
 * Opens the hub's database: PostgreSQL through `pg`'s pool when `databaseUrl` is given, else PGlite.
 * Both engines return BIGINT (int8, e.g. `count(*)`) as a JS number, so code reads the same on either.
 */
export function openDatabase(
  location: DatabaseLocation,
  options: OpenDatabaseOptions = {},
): Kysely<Database> {
  if (location.databaseUrl !== undefined) {
    const pool = new pg.Pool({
      connectionString: location.databaseUrl,
      max: options.maxConnections ?? 10,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === int8Oid ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client whose connection the server ends (a restart, a failover, pg_terminate_backend) is
    // emitted as an 'error' on the pool; unhandled, it would crash the hub. The pool drops that client and
    // the next query opens a new connection, so there is nothing else to do.
    pool.on('error', () => undefined);
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const dataDir = location.pgliteDataDir;
  return new Kysely<Database>({
    dialect: new PGliteDialect({
      pglite: () => (dataDir === undefined ? PGlite.create() : PGlite.create(dataDir)),
    }),
  });
}
