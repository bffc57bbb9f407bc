import { createHash } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuditLogTable, Database } from '../db/database.ts';

/** What happened, in NEN 7513 terms. */
export interface AuditEntry {
  /** What kind of event, dotted: 'session.sign_in', 'user.create', 'request.refused'. */
  readonly event: string;
  readonly action: AuditLogTable['action'];
  readonly outcome: AuditLogTable['outcome'];
  /** Who acted; null for anonymous requests. */
  readonly actor?: { readonly id: string; readonly name: string } | null;
  /** On whose behalf the actor acted (an organisation, a project), when not their own. */
  readonly onBehalfOf?: string | null;
  /** Why (e.g. a permit's purpose). */
  readonly purpose?: string | null;
  /** What the event was about: a type ('user', 'route', 'permit') and its id. */
  readonly objectType?: string | null;
  readonly objectId?: string | null;
  /** Where the request came from: IP address and client (user agent, station id). */
  readonly sourceIp?: string | null;
  readonly client?: string | null;
  /** Further facts as JSON; never secrets (passwords, tokens, codes). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** When. @default now */
  readonly now?: Date;
}

/** The outcome of {@link verifyAuditLog}. */
export interface AuditVerification {
  /** True when every row is intact and in order. */
  readonly ok: boolean;
  /** How many rows were checked. */
  readonly rows: number;
  /** The hash of the last row: keep it elsewhere to detect removal of the newest rows too. */
  readonly lastHash: string;
  /** The sequence number of the first row that does not verify. */
  readonly firstBrokenRow?: number;
  /** Why it does not verify. */
  readonly reason?: string;
}

/** The previous-hash of the first row. */
export const genesisHash = '0'.repeat(64);

/** Arbitrary constant naming the advisory lock that serialises appends across hub processes. */
const appendLockKey = 7513;
const maxText = 2000;

/**
 * Appends an entry to the hub's audit log, chained to the row before it by SHA-256. Appends are serialised
 * with a PostgreSQL advisory lock, so several hub processes keep one chain. Works inside a transaction
 * (then the entry commits or rolls back with it).
 */
export async function recordAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  if (db.isTransaction) return appendAudit(db, entry);
  await db.transaction().execute((trx) => appendAudit(trx, entry));
}

async function appendAudit(trx: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await sql`select pg_advisory_xact_lock(${appendLockKey})`.execute(trx);
  const last = await trx
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const row: Omit<Selectable<AuditLogTable>, 'hash'> = {
    seq: Number(last?.seq ?? 0) + 1,
    occurred_at: new Date((entry.now ?? new Date()).getTime()),
    event: clip(entry.event) ?? '',
    action: entry.action,
    outcome: entry.outcome,
    actor_id: clip(entry.actor?.id),
    actor_name: clip(entry.actor?.name),
    on_behalf_of: clip(entry.onBehalfOf),
    purpose: clip(entry.purpose),
    object_type: clip(entry.objectType),
    object_id: clip(entry.objectId),
    source_ip: clip(entry.sourceIp),
    client: clip(entry.client),
    details: canonicalJson(entry.details ?? {}),
    prev_hash: last?.hash ?? genesisHash,
  };
  await trx
    .insertInto('audit_log')
    .values({ ...row, hash: hashAuditRow(row) })
    .execute();
}

/** What {@link verifyAuditLog} checks besides the chain itself. */
export interface VerifyAuditLogOptions {
  /**
   * Heads of the log seen earlier and kept outside the database (see `AuditAnchoring`): each named row
   * must still be there with that hash, so that removing the newest rows is caught too.
   */
  readonly anchors?: readonly { readonly seq: number; readonly hash: string }[];
}

/**
 * Walks the whole audit log in order and checks that each row's hash matches its content and the row
 * before it, and that sequence numbers run 1, 2, 3, … without gaps. Detects any changed, removed, inserted
 * or reordered row; removal of the newest rows shows against `anchors` kept elsewhere.
 */
export async function verifyAuditLog(
  db: Kysely<Database>,
  options: VerifyAuditLogOptions = {},
): Promise<AuditVerification> {
  const anchored = new Map<number, string>();
  for (const anchor of options.anchors ?? []) anchored.set(anchor.seq, anchor.hash);
  let previousHash = genesisHash;
  let expectedSeq = 1;
  let rows = 0;
  const pageSize = 1000;
  for (;;) {
    const page = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(pageSize)
      .execute();
    for (const stored of page) {
      const seq = Number(stored.seq);
      const broken = (reason: string): AuditVerification => ({
        ok: false,
        rows,
        lastHash: previousHash,
        firstBrokenRow: seq,
        reason,
      });
      if (seq !== expectedSeq) {
        return broken(
          `row ${expectedSeq} is missing: the log jumps from row ${expectedSeq - 1} to row ${seq}`,
        );
      }
      if (stored.prev_hash !== previousHash) {
        return broken(`row ${seq} does not follow row ${seq - 1}: its previous-row hash differs`);
      }
      if (hashAuditRow(stored) !== stored.hash) {
        return broken(`row ${seq} was changed: its content no longer matches its hash`);
      }
      const anchor = anchored.get(seq);
      if (anchor !== undefined && anchor !== stored.hash) {
        return broken(`row ${seq} differs from the anchor kept outside the database: the log was rewritten`);
      }
      previousHash = stored.hash;
      expectedSeq += 1;
      rows += 1;
    }
    if (page.length < pageSize) break;
  }
  const newestAnchored = Math.max(0, ...anchored.keys());
  if (newestAnchored > rows) {
    return {
      ok: false,
      rows,
      lastHash: previousHash,
      firstBrokenRow: rows + 1,
      reason: `rows ${rows + 1} to ${newestAnchored} were removed: the anchors kept outside the database name row ${newestAnchored}, the log ends at row ${rows}`,
    };
  }
  return { ok: true, rows, lastHash: previousHash };
}

/** SHA-256 (hex) over the previous row's hash and this row's canonical content. */
export function hashAuditRow(row: Omit<Selectable<AuditLogTable>, 'hash'>): string {
  const content = canonicalJson([
    Number(row.seq),
    new Date(row.occurred_at).toISOString(),
    row.event,
    row.action,
    row.outcome,
    row.actor_id,
    row.actor_name,
    row.on_behalf_of,
    row.purpose,
    row.object_type,
    row.object_id,
    row.source_ip,
    row.client,
    row.details,
  ]);
  return createHash('sha256').update(row.prev_hash).update('\n').update(content).digest('hex');
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}

function clip(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  return value.length <= maxText ? value : value.slice(0, maxText);
}
