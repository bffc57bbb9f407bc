import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { canonicalJson } from '@polder/protocol';
import type { StationStore } from '../station-store.ts';

/** What kind of access an audited event was, in NEN 7513 terms. */
export type StationAuditAction = 'create' | 'read' | 'update' | 'delete' | 'execute';

/** How an audited event ended: `refused` is a request the station declined (permit, policy, input). */
export type StationAuditOutcome = 'success' | 'failure' | 'refused';

/** One event to log, in NEN 7513 terms. Never put a patient identifier, secret or token in any field. */
export interface StationAuditEntry {
  /** What kind of event, dotted: 'task.run', 'task.refused', 'opt-out.record', 'audit.read'. */
  readonly event: string;
  readonly action: StationAuditAction;
  readonly outcome: StationAuditOutcome;
  /** Who acted: a steward, the hub (for a researcher's task), a patient session; null when unknown. */
  readonly actor?: { readonly id: string; readonly name: string } | null;
  /** On whose behalf the actor acted (a project, a permit holder), when not their own. */
  readonly onBehalfOf?: string | null;
  /** Why: e.g. a permit's Art. 53(1) ground. */
  readonly purpose?: string | null;
  /** What the event was about: a type ('task', 'permit', 'opt-out') and its id. */
  readonly objectType?: string | null;
  readonly objectId?: string | null;
  /** Where the request came from: an IP address and a client (user agent, 'cli', 'hub'). */
  readonly sourceIp?: string | null;
  readonly client?: string | null;
  /** Further facts as plain JSON; never identifiers of patients, nor secrets. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** When. @default now */
  readonly now?: Date;
}

/** A row of the station's audit log as stored, with its place in the hash chain. */
export interface StationAuditRecord {
  /** 1, 2, 3, … without gaps. */
  readonly seq: number;
  /** ISO 8601 UTC, millisecond precision. */
  readonly occurredAt: string;
  readonly event: string;
  readonly action: StationAuditAction;
  readonly outcome: StationAuditOutcome;
  readonly actorId: string | null;
  readonly actorName: string | null;
  readonly onBehalfOf: string | null;
  readonly purpose: string | null;
  readonly objectType: string | null;
  readonly objectId: string | null;
  readonly sourceIp: string | null;
  readonly client: string | null;
  /** Canonical JSON text of the entry's details. */
  readonly details: string;
  /** The hash of the row before (64 zeros for the first row). */
  readonly prevHash: string;
  /** SHA-256 (hex) of `prevHash` followed by the canonical JSON of the row's other fields. */
  readonly hash: string;
}

/** A row that does not verify, and why (a sentence a steward can act on). */
export interface StationAuditProblem {
  readonly seq: number;
  readonly problem: string;
}

/** The outcome of {@link verifyStationAuditLog}. */
export interface StationAuditVerification {
  /** True when every row is intact and in order and the head anchor agrees. */
  readonly ok: boolean;
  /** How many rows were read. */
  readonly entries: number;
  /** The hash of the newest row (64 zeros for an empty log). */
  readonly lastHash: string;
  /** Every problem found, in order of `seq`; empty when `ok`. */
  readonly problems: readonly StationAuditProblem[];
}

/** Options of {@link listStationAudit}. */
export interface ListStationAuditOptions {
  /** How many rows at most, newest first. */
  readonly limit: number;
  /** Only rows older than this `seq` (for paging backwards). */
  readonly before?: number;
  /** Only this event, or the events under it ('opt-out' matches 'opt-out.record'). */
  readonly event?: string;
}

/** The previous-row hash of the first row. */
export const stationAuditGenesisHash = '0'.repeat(64);

/** The file beside the store that anchors the newest row, so that removing the newest rows shows. */
export const stationAuditHeadFile = 'audit-head.json';

const maxText = 2000;

const auditTableDdl = `CREATE TABLE IF NOT EXISTS polder.audit_log (
  seq BIGINT PRIMARY KEY,
  occurred_at TIMESTAMP NOT NULL,
  event VARCHAR NOT NULL,
  action VARCHAR NOT NULL,
  outcome VARCHAR NOT NULL,
  actor_id VARCHAR,
  actor_name VARCHAR,
  on_behalf_of VARCHAR,
  purpose VARCHAR,
  object_type VARCHAR,
  object_id VARCHAR,
  source_ip VARCHAR,
  client VARCHAR,
  details VARCHAR NOT NULL,
  prev_hash VARCHAR NOT NULL,
  hash VARCHAR NOT NULL
)`;

const selectColumns = `seq, epoch_ms(occurred_at) AS occurred_ms, event, action, outcome, actor_id, actor_name,
  on_behalf_of, purpose, object_type, object_id, source_ip, client, details, prev_hash, hash`;

/** Appends are serialised per database file: read-last-then-insert must not interleave. */
const appendQueues = new Map<string, Promise<unknown>>();

interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Appends an entry to the station's audit log (`polder.audit_log`), chained to the row before it by
 * SHA-256, and then writes the new head (`audit-head.json` beside the store). Appends in this process are
 * serialised; the DuckDB file is open in one process only. When the head anchor is ahead of the table
 * (newest rows were removed), the chain continues from the anchor, so the removal stays visible to
 * {@link verifyStationAuditLog} instead of being papered over.
 *
 * @example
 * await recordStationAudit(store, { event: 'task.refused', action: 'execute', outcome: 'refused',
 *   objectType: 'task', objectId: taskId, details: { reason: 'permit expired' } });
 */
export function recordStationAudit(
  store: StationStore,
  entry: StationAuditEntry,
): Promise<StationAuditRecord> {
  const key = store.databasePath;
  const previous = appendQueues.get(key) ?? Promise.resolve();
  const next = previous.then(
    () => appendStationAudit(store, entry),
    () => appendStationAudit(store, entry),
  );
  const settled = next.catch(() => undefined);
  appendQueues.set(key, settled);
  void settled.then(() => {
    if (appendQueues.get(key) === settled) appendQueues.delete(key);
  });
  return next;
}

async function appendStationAudit(
  store: StationStore,
  entry: StationAuditEntry,
): Promise<StationAuditRecord> {
  // Details are serialised first: a value JSON cannot carry fails before anything is written.
  const details = canonicalJson(entry.details ?? {});
  const connection = await store.instance.connect();
  try {
    await ensureStationAuditTable(connection);
    const head = await readHead(store.dir);
    await connection.run('BEGIN TRANSACTION');
    try {
      const last = (
        await connection.runAndReadAll('SELECT seq, hash FROM polder.audit_log ORDER BY seq DESC LIMIT 1')
      ).getRowsJS()[0];
      let seq = Number(last?.[0] ?? 0) + 1;
      let prevHash = typeof last?.[1] === 'string' ? last[1] : stationAuditGenesisHash;
      if (head !== undefined && head.seq >= seq) {
        seq = head.seq + 1;
        prevHash = head.hash;
      }
      const occurred = entry.now ?? new Date();
      const unhashed: Omit<StationAuditRecord, 'hash'> = {
        seq,
        occurredAt: new Date(occurred.getTime()).toISOString(),
        event: clip(entry.event) ?? '',
        action: entry.action,
        outcome: entry.outcome,
        actorId: clip(entry.actor?.id),
        actorName: clip(entry.actor?.name),
        onBehalfOf: clip(entry.onBehalfOf),
        purpose: clip(entry.purpose),
        objectType: clip(entry.objectType),
        objectId: clip(entry.objectId),
        sourceIp: clip(entry.sourceIp),
        client: clip(entry.client),
        details,
        prevHash,
      };
      const record: StationAuditRecord = { ...unhashed, hash: hashStationAuditRow(unhashed) };
      await connection.run(
        `INSERT INTO polder.audit_log VALUES ($seq, epoch_ms($ms::BIGINT), $event, $action, $outcome, $actorId,
          $actorName, $onBehalfOf, $purpose, $objectType, $objectId, $sourceIp, $client, $details, $prevHash, $hash)`,
        {
          seq: record.seq,
          ms: occurred.getTime(),
          event: record.event,
          action: record.action,
          outcome: record.outcome,
          actorId: record.actorId,
          actorName: record.actorName,
          onBehalfOf: record.onBehalfOf,
          purpose: record.purpose,
          objectType: record.objectType,
          objectId: record.objectId,
          sourceIp: record.sourceIp,
          client: record.client,
          details: record.details,
          prevHash: record.prevHash,
          hash: record.hash,
        },
      );
      await connection.run('COMMIT');
      // After the commit: a crash between the two leaves the anchor one row behind, which verification
      // accepts (an anchor can only prove that rows it saw are still there).
      await writeHead(store.dir, { seq: record.seq, hash: record.hash });
      return record;
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    connection.closeSync();
  }
}

/**
 * Walks the station's whole audit log in order and checks each row's hash against its content and the row
 * before it, that `seq` runs 1, 2, 3, … without gaps, and that the row named by `audit-head.json` is still
 * there with the same hash (so removing the newest rows is detected too). Reports every problem, not only
 * the first. What `polder audit verify --station` runs.
 */
export async function verifyStationAuditLog(store: StationStore): Promise<StationAuditVerification> {
  const connection = await store.instance.connect();
  try {
    await ensureStationAuditTable(connection);
    const head = await readHead(store.dir).catch((error: unknown) => error as Error);
    const problems: StationAuditProblem[] = [];
    let previousHash = stationAuditGenesisHash;
    let expectedSeq = 1;
    let entries = 0;
    let headSeen = false;
    let lastSeq = 0;
    const pageSize = 5000;
    for (;;) {
      const page = (
        await connection.runAndReadAll(
          `SELECT ${selectColumns} FROM polder.audit_log WHERE seq > $after ORDER BY seq LIMIT ${pageSize}`,
          { after: lastSeq },
        )
      ).getRowObjectsJS();
      for (const raw of page) {
        const stored = toRecord(raw);
        if (stored.seq !== expectedSeq) {
          problems.push({
            seq: stored.seq,
            problem:
              stored.seq === expectedSeq + 1
                ? `row ${expectedSeq} is missing`
                : `rows ${expectedSeq}–${stored.seq - 1} are missing`,
          });
        }
        if (stored.prevHash !== previousHash) {
          problems.push({
            seq: stored.seq,
            problem: `row ${stored.seq} does not follow the row before it: its previous-row hash differs`,
          });
        }
        if (hashStationAuditRow(stored) !== stored.hash) {
          problems.push({
            seq: stored.seq,
            problem: `row ${stored.seq} was changed: its content no longer matches its hash`,
          });
        }
        if (head !== undefined && !(head instanceof Error) && stored.seq === head.seq) {
          headSeen = true;
          if (stored.hash !== head.hash) {
            problems.push({
              seq: stored.seq,
              problem: `row ${stored.seq} differs from the one ${stationAuditHeadFile} anchors`,
            });
          }
        }
        previousHash = stored.hash;
        expectedSeq = stored.seq + 1;
        lastSeq = stored.seq;
        entries += 1;
      }
      if (page.length < pageSize) break;
    }
    if (head instanceof Error) {
      problems.push({ seq: lastSeq, problem: head.message });
    } else if (head === undefined) {
      if (entries > 0) {
        problems.push({
          seq: lastSeq,
          problem: `${stationAuditHeadFile} is missing: removal of the newest rows cannot be ruled out`,
        });
      }
    } else if (!headSeen) {
      problems.push({
        seq: head.seq,
        problem:
          head.seq > lastSeq
            ? `rows ${lastSeq + 1}–${head.seq} are missing: ${stationAuditHeadFile} anchors row ${head.seq}, the log ends at row ${lastSeq}`
            : `row ${head.seq}, which ${stationAuditHeadFile} anchors, is missing`,
      });
    }
    problems.sort((a, b) => a.seq - b.seq);
    return { ok: problems.length === 0, entries, lastHash: previousHash, problems };
  } finally {
    connection.closeSync();
  }
}

/**
 * Reads the station's audit log, newest first: at most `limit` rows, optionally older than `before` and
 * only of one event (or the events under it).
 */
export async function listStationAudit(
  store: StationStore,
  options: ListStationAuditOptions,
): Promise<StationAuditRecord[]> {
  const connection = await store.instance.connect();
  try {
    await ensureStationAuditTable(connection);
    const limit = Math.max(0, Math.min(10_000, Math.floor(options.limit)));
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    if (options.before !== undefined) {
      where.push('seq < $before');
      params['before'] = Math.floor(options.before);
    }
    if (options.event !== undefined) {
      where.push(`(event = $event OR starts_with(event, $eventPrefix))`);
      params['event'] = options.event;
      params['eventPrefix'] = `${options.event}.`;
    }
    const rows = (
      await connection.runAndReadAll(
        `SELECT ${selectColumns} FROM polder.audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY seq DESC LIMIT ${limit}`,
        params,
      )
    ).getRowObjectsJS();
    return rows.map(toRecord);
  } finally {
    connection.closeSync();
  }
}

/** SHA-256 (hex) over the previous row's hash followed by the canonical JSON of the row's other fields. */
export function hashStationAuditRow(row: Omit<StationAuditRecord, 'hash'>): string {
  const content = canonicalJson({
    seq: row.seq,
    occurredAt: row.occurredAt,
    event: row.event,
    action: row.action,
    outcome: row.outcome,
    actorId: row.actorId,
    actorName: row.actorName,
    onBehalfOf: row.onBehalfOf,
    purpose: row.purpose,
    objectType: row.objectType,
    objectId: row.objectId,
    sourceIp: row.sourceIp,
    client: row.client,
    details: row.details,
  });
  return createHash('sha256').update(row.prevHash).update(content).digest('hex');
}

/** Creates `polder.audit_log` if it is not there (idempotent). */
export async function ensureStationAuditTable(connection: DuckDBConnection): Promise<void> {
  await connection.run('CREATE SCHEMA IF NOT EXISTS polder');
  await connection.run(auditTableDdl);
}

function toRecord(raw: Record<string, unknown>): StationAuditRecord {
  const text = (name: string): string | null => {
    const value = raw[name];
    return value === null || value === undefined ? null : String(value);
  };
  return {
    seq: Number(raw['seq']),
    occurredAt: new Date(Number(raw['occurred_ms'])).toISOString(),
    event: text('event') ?? '',
    action: text('action') as StationAuditAction,
    outcome: text('outcome') as StationAuditOutcome,
    actorId: text('actor_id'),
    actorName: text('actor_name'),
    onBehalfOf: text('on_behalf_of'),
    purpose: text('purpose'),
    objectType: text('object_type'),
    objectId: text('object_id'),
    sourceIp: text('source_ip'),
    client: text('client'),
    details: text('details') ?? '',
    prevHash: text('prev_hash') ?? '',
    hash: text('hash') ?? '',
  };
}

async function readHead(dir: string): Promise<AuditHead | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, stationAuditHeadFile), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Cannot read ${stationAuditHeadFile}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`Cannot read ${stationAuditHeadFile}: it is not JSON`, { cause: error });
  }
  const head = parsed as Partial<AuditHead> | null;
  if (
    head === null ||
    typeof head !== 'object' ||
    !Number.isSafeInteger(head.seq) ||
    typeof head.hash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(head.hash)
  ) {
    throw new Error(`Cannot read ${stationAuditHeadFile}: it holds no { seq, hash }`);
  }
  return { seq: head.seq as number, hash: head.hash };
}

async function writeHead(dir: string, head: AuditHead): Promise<void> {
  const path = join(dir, stationAuditHeadFile);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ ...head, writtenAt: new Date().toISOString() })}\n`);
  await rename(temporary, path);
}

function clip(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  return value.length <= maxText ? value : value.slice(0, maxText);
}
