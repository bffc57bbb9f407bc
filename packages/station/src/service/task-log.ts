import type { DuckDBConnection } from '@duckdb/node-api';
import type { SignedTaskOffer, SignedTaskResult } from '@polder/protocol';

/**
 * Where a task stands at the station:
 * - `received`: recorded, checks not finished (a process that died here re-runs it on restart);
 * - `running`: checks passed, the computation started (re-run on restart: results are deterministic);
 * - `pending-approval`: waits for the steward; `approved` / `declined`: the steward decided, not yet acted on;
 * - `done`: a final signed result is stored in `signed_result` and is the only answer ever given again.
 */
export type TaskLogStatus = 'received' | 'running' | 'pending-approval' | 'approved' | 'declined' | 'done';

/** One row of `polder.task_log`. */
export interface TaskLogEntry {
  readonly taskId: string;
  readonly runId: string;
  readonly projectId: string;
  /** `name@version`. */
  readonly algorithm: string;
  readonly round: number;
  readonly requestedBy: string;
  readonly receivedAt: string;
  readonly status: TaskLogStatus;
  /** How often the station started to compute the task (more than 1 after a crash mid-task). */
  readonly attempts: number;
  readonly offer: SignedTaskOffer;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionReason: string | null;
  /** completed, refused or failed, once done. */
  readonly resultStatus: string | null;
  readonly signedResult: SignedTaskResult | null;
  readonly completedAt: string | null;
  /** When the hub accepted the result (200, or 409: it holds a result already); null until then. */
  readonly postedAt: string | null;
}

const ddl = [
  'CREATE SCHEMA IF NOT EXISTS polder',
  `CREATE TABLE IF NOT EXISTS polder.task_log (
    task_id VARCHAR PRIMARY KEY,
    run_id VARCHAR NOT NULL,
    project_id VARCHAR NOT NULL,
    algorithm VARCHAR NOT NULL,
    round INTEGER NOT NULL,
    requested_by VARCHAR NOT NULL,
    received_at VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    offer VARCHAR NOT NULL,
    decided_by VARCHAR,
    decided_at VARCHAR,
    decision_reason VARCHAR,
    result_status VARCHAR,
    signed_result VARCHAR,
    completed_at VARCHAR,
    posted_at VARCHAR
  )`,
];

/** Creates `polder.task_log` if it is missing (idempotent). */
export async function createTaskLogTable(connection: DuckDBConnection): Promise<void> {
  for (const statement of ddl) await connection.run(statement);
}

const columns =
  'task_id, run_id, project_id, algorithm, round, requested_by, received_at, status, attempts, offer, ' +
  'decided_by, decided_at, decision_reason, result_status, signed_result, completed_at, posted_at';

function entryOf(row: Record<string, unknown>): TaskLogEntry {
  const text = (key: string): string | null => {
    const value = row[key];
    return value === null || value === undefined ? null : String(value);
  };
  const signed = text('signed_result');
  return {
    taskId: String(row['task_id']),
    runId: String(row['run_id']),
    projectId: String(row['project_id']),
    algorithm: String(row['algorithm']),
    round: Number(row['round']),
    requestedBy: String(row['requested_by']),
    receivedAt: String(row['received_at']),
    status: String(row['status']) as TaskLogStatus,
    attempts: Number(row['attempts']),
    offer: JSON.parse(String(row['offer'])) as SignedTaskOffer,
    decidedBy: text('decided_by'),
    decidedAt: text('decided_at'),
    decisionReason: text('decision_reason'),
    resultStatus: text('result_status'),
    signedResult: signed === null ? null : (JSON.parse(signed) as SignedTaskResult),
    completedAt: text('completed_at'),
    postedAt: text('posted_at'),
  };
}

async function select(
  connection: DuckDBConnection,
  where: string,
  params: readonly (string | number)[],
): Promise<TaskLogEntry[]> {
  const reader = await connection.runAndReadAll(
    `SELECT ${columns} FROM polder.task_log ${where} ORDER BY received_at, task_id`,
    [...params],
  );
  return reader.getRowObjectsJS().map((row) => entryOf(row as Record<string, unknown>));
}

/** The task's log entry, or undefined when the station has never seen it. */
export async function findTaskLogEntry(
  connection: DuckDBConnection,
  taskId: string,
): Promise<TaskLogEntry | undefined> {
  return (await select(connection, 'WHERE task_id = $1', [taskId]))[0];
}

/** Every entry of the task log, oldest first; optionally only those in one of `statuses`. */
export async function listTaskLog(
  connection: DuckDBConnection,
  options: { readonly statuses?: readonly TaskLogStatus[] } = {},
): Promise<TaskLogEntry[]> {
  const statuses = options.statuses;
  if (statuses === undefined) return select(connection, '', []);
  if (statuses.length === 0) return [];
  const placeholders = statuses.map((_, i) => `$${i + 1}`).join(', ');
  return select(connection, `WHERE status IN (${placeholders})`, statuses);
}

/**
 * Records a task the station received (once: an offer seen again leaves the row as it is) and returns its
 * entry. The signed offer is kept so that a task approved later, or interrupted, can be run from the log.
 */
export async function recordReceivedTask(
  connection: DuckDBConnection,
  offer: SignedTaskOffer,
  receivedAt: string,
): Promise<TaskLogEntry> {
  return (await receiveTask(connection, offer, receivedAt)).entry;
}

/**
 * {@link recordReceivedTask}, telling also whether the station had seen the task before. A new task costs
 * one INSERT (its entry is known without reading it back); only an offer seen before, which the primary key
 * refuses, reads the row it already has. On a task's critical path this is a third of look-up, insert and
 * read-back.
 */
export async function receiveTask(
  connection: DuckDBConnection,
  offer: SignedTaskOffer,
  receivedAt: string,
): Promise<{ readonly entry: TaskLogEntry; readonly seenBefore: boolean }> {
  const entry = newTaskLogEntry(offer, receivedAt);
  try {
    await connection.run(
      `INSERT INTO polder.task_log (task_id, run_id, project_id, algorithm, round, requested_by, received_at,
         status, offer)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', $8)`,
      [
        entry.taskId,
        entry.runId,
        entry.projectId,
        entry.algorithm,
        entry.round,
        entry.requestedBy,
        receivedAt,
        JSON.stringify(offer),
      ],
    );
  } catch (error) {
    // The primary key refused it: the task is in the log already, and its row stays as it is.
    const existing = await findTaskLogEntry(connection, entry.taskId);
    if (existing === undefined) throw error;
    return { entry: existing, seenBefore: true };
  }
  return { seenBefore: false, entry };
}

/** The entry {@link receiveTask} writes for a task the station has not seen before. */
export function newTaskLogEntry(offer: SignedTaskOffer, receivedAt: string): TaskLogEntry {
  const task = offer.payload;
  return {
    taskId: task.taskId,
    runId: task.runId,
    projectId: task.projectId,
    algorithm: `${task.algorithm.name}@${task.algorithm.version}`,
    round: task.round,
    requestedBy: `${task.requestedBy.name} (${task.requestedBy.userId})`,
    receivedAt,
    status: 'received',
    attempts: 0,
    offer,
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
    resultStatus: null,
    signedResult: null,
    completedAt: null,
    postedAt: null,
  };
}

/** Moves a task that is not done to another status; `running` also counts an attempt. */
export async function setTaskStatus(
  connection: DuckDBConnection,
  taskId: string,
  status: Exclude<TaskLogStatus, 'done' | 'approved' | 'declined'>,
): Promise<void> {
  await connection.run(
    `UPDATE polder.task_log SET status = $2, attempts = attempts + CASE WHEN $2 = 'running' THEN 1 ELSE 0 END
     WHERE task_id = $1 AND status <> 'done'`,
    [taskId, status],
  );
}

/**
 * Stores a task's final signed result and marks it done, in one statement (so a task is never done without
 * its result, nor has a result without being done). A task already done keeps its first result, which is
 * returned: the answer given once is the only one ever given.
 */
export async function storeTaskResult(
  connection: DuckDBConnection,
  result: SignedTaskResult,
): Promise<SignedTaskResult> {
  const payload = result.payload;
  const updated = await connection.run(
    `UPDATE polder.task_log SET status = 'done', result_status = $2, signed_result = $3, completed_at = $4
     WHERE task_id = $1 AND status <> 'done'`,
    [payload.taskId, payload.status, JSON.stringify(result), payload.completedAt],
  );
  // Stored now: the result given is the one kept, so there is nothing to read back.
  if (updated.rowsChanged === 1) return result;
  const entry = await findTaskLogEntry(connection, payload.taskId);
  if (entry?.signedResult == null) {
    throw new Error(`Cannot store the result of task ${payload.taskId}: the task is not in the task log`);
  }
  return entry.signedResult;
}

/** Notes that the hub has the task's result (it answered 200, or 409 because it holds one already). */
export async function markResultPosted(
  connection: DuckDBConnection,
  taskId: string,
  postedAt: string,
): Promise<void> {
  await connection.run('UPDATE polder.task_log SET posted_at = $2 WHERE task_id = $1 AND posted_at IS NULL', [
    taskId,
    postedAt,
  ]);
}

/**
 * Records the steward's decision on a task waiting for approval. Returns false when the task is not
 * waiting (unknown, decided already, or done).
 */
export async function recordApprovalDecision(
  connection: DuckDBConnection,
  taskId: string,
  decision: {
    readonly approved: boolean;
    readonly by: string;
    readonly at: string;
    readonly reason?: string;
  },
): Promise<boolean> {
  const reader = await connection.runAndReadAll(
    `UPDATE polder.task_log SET status = $2, decided_by = $3, decided_at = $4, decision_reason = $5
     WHERE task_id = $1 AND status = 'pending-approval' RETURNING task_id`,
    [taskId, decision.approved ? 'approved' : 'declined', decision.by, decision.at, decision.reason ?? null],
  );
  return reader.getRows().length === 1;
}
