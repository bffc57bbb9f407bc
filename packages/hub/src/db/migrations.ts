import {
  Migrator,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
} from 'kysely';
import * as accounts from '../../migrations/0001-accounts.ts';
import * as auditLog from '../../migrations/0002-audit-log.ts';
import * as stations from '../../migrations/0003-stations.ts';
import * as catalogue from '../../migrations/0004-catalogue.ts';
import * as signInThrottle from '../../migrations/0005-sign-in-throttle.ts';
import * as access from '../../migrations/0006-access.ts';
import * as federation from '../../migrations/0007-federation.ts';

/**
 * Every migration of the hub, in order. To add one: write `migrations/NNNN-what.ts` exporting `up` (and
 * `down`), import it above and add ONE line here. Names sort as they run; never rename or edit one that
 * has shipped.
 */
const migrations: Readonly<Record<string, Migration>> = {
  '0001-accounts': accounts,
  '0002-audit-log': auditLog,
  '0003-stations': stations,
  '0004-catalogue': catalogue,
  '0005-sign-in-throttle': signInThrottle,
  '0006-access': access,
  '0007-federation': federation,
};

/** Hands Kysely's Migrator the static list above (no directory scanning, so it works from any cwd). */
export const hubMigrationProvider: MigrationProvider = {
  async getMigrations() {
    return { ...migrations };
  },
};

/**
 * Brings the database to the newest schema. Throws with the failing migration's name; earlier ones stay
 * applied (each runs in its own transaction on PostgreSQL).
 */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db: db as unknown as Kysely<unknown>,
    provider: hubMigrationProvider,
    migrationTableName: 'hub_migration',
  });
  const result = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((item) => item.status === 'Error');
    throw new Error(
      `Cannot migrate the hub database: migration ${failed?.migrationName ?? '(unknown)'} failed`,
      {
        cause: result.error,
      },
    );
  }
  return result;
}
