import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { createAccount, createOrganisation } from './accounts/accounts.ts';
import { roles, type Role } from './accounts/roles.ts';
import { hashToken, newApiToken, newSessionToken } from './accounts/_tokens.ts';
import { sessionCookieName } from './accounts/principal.ts';
import { createHub, type CreateHubOptions, type Hub } from './create-hub.ts';
import { openDatabase } from './db/open-database.ts';
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
    ...(db === undefined ? { db: openDatabase({}) } : { db }),
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
