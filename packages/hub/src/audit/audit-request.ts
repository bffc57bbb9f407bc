import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { recordAudit, type AuditEntry } from './audit-log.ts';

/**
 * Records an audit entry for a request: actor (the signed-in user unless `entry.actor` says otherwise),
 * source IP, client (user agent) and time are filled in from the request. Pass a transaction as `db` to
 * commit the entry with the change it describes.
 *
 * @example
 * await auditRequest(request, { event: 'user.create', action: 'create', outcome: 'success', objectType: 'user', objectId: id });
 */
export async function auditRequest(
  request: FastifyRequest,
  entry: AuditEntry,
  db: Kysely<Database> = request.server.hub.db,
): Promise<void> {
  const principal = request.principal;
  await recordAudit(db, {
    actor: principal === null ? null : { id: principal.userId, name: principal.email },
    sourceIp: request.ip,
    client: request.headers['user-agent'] ?? null,
    now: request.server.hub.now(),
    ...entry,
  });
}
