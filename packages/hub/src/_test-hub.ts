import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { createAccount, createOrganisation } from './accounts/accounts.ts';
import { roles, type Role } from './accounts/roles.ts';
import { hashToken, newApiToken, newSessionToken } from './accounts/_tokens.ts';
import { sessionCookieName } from './accounts/principal.ts';
import { createHub, type CreateHubOptions, type Hub } from './create-hub.ts';
import type { Database } from './db/database.ts';
import { hubMigrationProvider, migrateToLatest } from './db/migrations.ts';
import { openDatabase } from './db/open-database.ts';
import { PGliteDialect } from './db/pglite-dialect.ts';
import { readHubConfig, type HubConfig } from './hub-config.ts';
import { uuid7 } from './db/uuid7.ts';

/** A hub on a fresh database for one test file, with helpers to act as a user of each role. */
export interface TestHub extends Hub, AsyncDisposable {
  /** Which engine the test runs on. */
  readonly engine: 'pglite' | 'postgres';
  /** The organisation test users belong to. */
  readonly organisationId: string;
  /** Creates a user (password 'correct horse battery staple') and returns its id. */
  createUser(options?: {
    readonly roles?: readonly Role[];
    readonly email?: string;
    readonly totpSecret?: string;
  }): Promise<string>;
  /** A signed-in session for `userId` (as if password and TOTP were done): the Cookie header value. */
  sessionCookie(userId: string): Promise<string>;
  /** An API token for `userId`: the Authorization header value. */
  bearer(userId: string): Promise<string>;
  /** One user per role (created on first call), keyed by role. */
  userPerRole(): Promise<Readonly<Record<Role, string>>>;
  /** Moves the hub's clock by `ms` (to expire sessions). */
  advanceClock(ms: number): void;
}

/** The password of users made by {@link TestHub.createUser}. */
export const testPassword = 'correct horse battery staple';

/**
 * A hub on a fresh database: in-memory PGlite, or — when POLDER_TEST_DATABASE_URL is set — a new database
 * with a random name on that PostgreSQL server, dropped again on close. Use once per test file:
 *
 * @example
 * let hub: TestHub;
 * beforeAll(async () => { hub = await createTestHub(); });
 * afterAll(() => hub.close());
 */
export async function createTestHub(
  overrides: Partial<HubConfig> = {},
  options: CreateHubOptions = {},
): Promise<TestHub> {
  const serverUrl = process.env['POLDER_TEST_DATABASE_URL'];
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  const config = readHubConfig(
    {},
    { logLevel: 'silent', cookieSecret: 'test-cookie-secret-'.padEnd(40, 'x'), ...overrides },
  );
  let dropDatabase: (() => Promise<void>) | undefined;
  let db = options.db;
  if (db === undefined && serverUrl !== undefined && serverUrl !== '') {
    const name = `polder_test_${randomBytes(6).toString('hex')}`;
    await withAdmin(serverUrl, (admin) => sql`create database ${sql.id(name)}`.execute(admin));
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    db = openDatabase({ databaseUrl: url.toString() }, { maxConnections: 4 });
    dropDatabase = () =>
      withAdmin(serverUrl, (admin) =>
        sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin),
      );
  }
  const hub = await createHub(config, {
    now,
    // Cheap argon2 cost for tests; production uses argon2's defaults.
    passwordHashing: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
    ...options,
    db: db ?? (await openTestPglite()),
  });
  const organisationId = await createOrganisation(hub.context, `Test organisation ${uuid7()}`);
  let perRole: Record<Role, string> | undefined;
  let closed = false;

  const testHub: TestHub = {
    ...hub,
    engine: dropDatabase === undefined ? 'pglite' : 'postgres',
    organisationId,
    async close() {
      if (closed) return;
      closed = true;
      await hub.close();
      await dropDatabase?.();
    },
    async [Symbol.asyncDispose]() {
      await testHub.close();
    },
    async createUser(userOptions = {}) {
      return createAccount(hub.context, {
        email: userOptions.email ?? `user-${randomBytes(6).toString('hex')}@test.polder`,
        name: 'Test User',
        organisationId,
        roles: userOptions.roles ?? ['researcher'],
        password: testPassword,
        ...(userOptions.totpSecret === undefined ? {} : { totpSecret: userOptions.totpSecret }),
      });
    },
    async sessionCookie(userId) {
      const token = newSessionToken();
      const at = now();
      await hub.db
        .insertInto('sessions')
        .values({
          token_hash: hashToken(token),
          user_id: userId,
          stage: 'complete',
          created_at: at,
          last_seen_at: at,
          expires_at: new Date(at.getTime() + hub.config.sessionAbsoluteTimeoutMs),
          source_ip: '127.0.0.1',
          client: 'test',
        })
        .execute();
      return `${sessionCookieName}=${token}`;
    },
    async bearer(userId) {
      const token = newApiToken();
      await hub.db
        .insertInto('api_tokens')
        .values({
          id: uuid7(),
          user_id: userId,
          name: 'test',
          token_hash: hashToken(token),
          expires_at: null,
        })
        .execute();
      return `Bearer ${token}`;
    },
    async userPerRole() {
      if (perRole === undefined) {
        const made: Partial<Record<Role, string>> = {};
        for (const role of roles)
          made[role] = await testHub.createUser({ roles: [role], email: `${role}@test.polder` });
        perRole = made as Record<Role, string>;
      }
      return perRole;
    },
    advanceClock(ms) {
      offset += ms;
    },
  };
  return testHub;
}

/**
 * In-memory PGlite with the hub's schema. Starting PGlite (initdb in WebAssembly) takes seconds, so the
 * migrated data directory is kept in the temp directory, keyed by the migrations' source, and later test
 * files load it instead (about twice as fast). A snapshot that does not load is made again.
 */
async function openTestPglite(): Promise<Kysely<Database>> {
  const hash = createHash('sha256');
  for (const [name, migration] of Object.entries(await hubMigrationProvider.getMigrations())) {
    hash.update(`${name}\n${migration.up.toString()}\n`);
  }
  // The files too, in case a migration takes SQL from a constant or helper outside its `up`.
  const directory = fileURLToPath(new URL('../migrations/', import.meta.url));
  for (const file of (await readdir(directory)).sort()) hash.update(await readFile(join(directory, file)));
  const fingerprint = hash.digest('hex').slice(0, 16);
  const path = join(tmpdir(), `polder-hub-test-${fingerprint}.tar`);
  if (existsSync(path)) {
    try {
      const pglite = await PGlite.create({ loadDataDir: new Blob([await readFile(path)]) });
      return new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
    } catch {
      // Fall through: make the snapshot again.
    }
  }
  const pglite = await PGlite.create();
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  await migrateToLatest(db);
  const dump = await pglite.dumpDataDir('none');
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, Buffer.from(await dump.arrayBuffer()));
  await rename(temporary, path);
  return db;
}

async function withAdmin(
  serverUrl: string,
  work: (admin: Kysely<unknown>) => Promise<unknown>,
): Promise<void> {
  const admin = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: serverUrl, max: 1 }) }),
  });
  try {
    await work(admin);
  } finally {
    await admin.destroy();
  }
}
