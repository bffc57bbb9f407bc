import { openDatabase, type DatabaseLocation } from '../db/open-database.ts';
import { verifyAuditLog, type AuditVerification } from './audit-log.ts';

/**
 * Opens the hub's database at `location` (PostgreSQL URL or PGlite directory), verifies its audit log and
 * closes it again: what `polder audit verify` runs. A PGlite directory can be open in one process only,
 * so stop the hub first (PostgreSQL has no such limit).
 */
export async function verifyHubAuditLog(location: DatabaseLocation): Promise<AuditVerification> {
  const db = openDatabase(location, { maxConnections: 1 });
  try {
    return await verifyAuditLog(db);
  } finally {
    await db.destroy();
  }
}
