import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type DatabaseLocation } from '../db/open-database.ts';
import { verifyAuditLog, type AuditVerification, type VerifyAuditLogOptions } from './audit-log.ts';

/**
 * Opens the hub's database at `location` (PostgreSQL URL or PGlite directory), verifies its audit log and
 * closes it again: what `polder audit verify` runs. A PGlite directory can be open in one process only,
 * so stop the hub first (PostgreSQL has no such limit). Throws when there is no hub database there.
 */
export async function verifyHubAuditLog(
  location: DatabaseLocation,
  options: VerifyAuditLogOptions = {},
): Promise<AuditVerification> {
  const where = location.databaseUrl === undefined ? location.pgliteDataDir : 'the PostgreSQL database';
  if (location.databaseUrl === undefined) {
    if (location.pgliteDataDir === undefined) {
      throw new Error('Cannot verify the audit log: give a PostgreSQL URL or a PGlite data directory');
    }
    // Opening a missing directory would create an empty database and verify nothing.
    if (!existsSync(join(location.pgliteDataDir, 'PG_VERSION'))) {
      throw new Error(`Cannot verify the audit log: ${location.pgliteDataDir} holds no hub database`);
    }
  }
  const db = openDatabase(location, { maxConnections: 1 });
  try {
    const table = await sql<{ name: string | null }>`select to_regclass('audit_log')::text as name`.execute(
      db,
    );
    if (table.rows[0]?.name == null) {
      throw new Error(`Cannot verify the audit log: ${where} has no audit_log table (is it a hub database?)`);
    }
    return await verifyAuditLog(db, options);
  } finally {
    await db.destroy();
  }
}
