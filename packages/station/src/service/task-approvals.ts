import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StationStore } from '../station-store.ts';
import { recordStationAudit } from '../audit/station-audit-log.ts';
import { createTaskLogTable, listTaskLog, recordApprovalDecision } from './task-log.ts';

/** A task waiting for the steward, as the console and `polder station approvals list` show it. */
export interface PendingApproval {
  readonly taskId: string;
  readonly projectId: string;
  readonly runId: string;
  /** `name@version`. */
  readonly algorithm: string;
  readonly round: number;
  /** The researcher who asked, `name (user id)`. */
  readonly requestedBy: string;
  readonly receivedAt: string;
  /** The cohort definition's name, if it has one. */
  readonly cohortName: string | undefined;
  readonly parameters: unknown;
}

/** A steward's decision on a pending task. */
export interface ApprovalDecision {
  /** Who decides (the steward's name or account), for the audit log. */
  readonly steward: string;
  /** Why; shown to the researcher when a task is declined. */
  readonly reason?: string;
}

/** The steward's decision did not apply: the task is not waiting for approval. */
export class ApprovalError extends Error {
  override readonly name = 'ApprovalError';
}

/** Tasks waiting for the steward's approval, oldest first. */
export async function listPendingApprovals(store: StationStore): Promise<PendingApproval[]> {
  await createTaskLogTable(store.connection);
  const entries = await listTaskLog(store.connection, { statuses: ['pending-approval'] });
  return entries.map((entry) => {
    const cohort = entry.offer.payload.cohort as { name?: unknown } | null;
    return {
      taskId: entry.taskId,
      projectId: entry.projectId,
      runId: entry.runId,
      algorithm: entry.algorithm,
      round: entry.round,
      requestedBy: entry.requestedBy,
      receivedAt: entry.receivedAt,
      cohortName: typeof cohort?.name === 'string' ? cohort.name : undefined,
      parameters: entry.offer.payload.parameters,
    };
  });
}

async function decide(
  store: StationStore,
  taskId: string,
  approved: boolean,
  decision: ApprovalDecision,
): Promise<void> {
  await createTaskLogTable(store.connection);
  const applied = await recordApprovalDecision(store.connection, taskId, {
    approved,
    by: decision.steward,
    at: new Date().toISOString(),
    ...(decision.reason === undefined ? {} : { reason: decision.reason }),
  });
  await recordStationAudit(store, {
    event: approved ? 'task.approve' : 'task.decline',
    action: 'update',
    outcome: applied ? 'success' : 'refused',
    actor: { id: decision.steward, name: decision.steward },
    objectType: 'task',
    objectId: taskId,
    ...(decision.reason === undefined ? {} : { details: { reason: decision.reason } }),
  });
  if (!applied) {
    throw new ApprovalError(
      `Cannot ${approved ? 'approve' : 'decline'} task ${taskId}: it is not waiting for approval`,
    );
  }
}

/**
 * Approves a task that waits for the steward; the running station service runs it next (within a second or
 * two) and posts its result.
 * @throws ApprovalError when the task is not waiting for approval
 */
export function approveTask(store: StationStore, taskId: string, decision: ApprovalDecision): Promise<void> {
  return decide(store, taskId, true, decision);
}

/**
 * Declines a task that waits for the steward; the station service posts it as refused (step `approval`)
 * with the reason.
 * @throws ApprovalError when the task is not waiting for approval
 */
export function declineTask(store: StationStore, taskId: string, decision: ApprovalDecision): Promise<void> {
  return decide(store, taskId, false, decision);
}

// ---------------------------------------------------------------------------------------------------------
// A running service holds the station's DuckDB file (one process at a time may open it), so a steward's
// command in another process leaves its decision as a file in `approval-inbox/`, which the service applies.

const inboxDir = 'approval-inbox';
const pendingFile = 'pending-approvals.json';

/** A decision left for the running service by another process. */
export interface InboxDecision extends ApprovalDecision {
  readonly taskId: string;
  readonly approved: boolean;
}

/** Leaves a decision for the running service (`polder station approvals` while `station run` runs). */
export async function submitApprovalDecision(
  station: { readonly dir: string },
  decision: InboxDecision,
): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(decision.taskId)) {
    throw new ApprovalError(`Cannot decide on task ${decision.taskId}: it is not a task id`);
  }
  const dir = join(station.dir, inboxDir);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${decision.taskId}.json`);
  await writeFile(`${path}.tmp`, JSON.stringify(decision));
  await rename(`${path}.tmp`, path);
}

/** Applies (and removes) the decisions left in the inbox; returns how many applied. */
export async function applyApprovalInbox(store: StationStore): Promise<number> {
  const dir = join(store.dir, inboxDir);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let applied = 0;
  for (const name of names) {
    const path = join(dir, name);
    try {
      const decision = JSON.parse(await readFile(path, 'utf8')) as InboxDecision;
      const details = {
        steward: String(decision.steward),
        ...(typeof decision.reason === 'string' ? { reason: decision.reason } : {}),
      };
      await (decision.approved === true ? approveTask : declineTask)(store, String(decision.taskId), details);
      applied += 1;
    } catch (error) {
      if (!(error instanceof ApprovalError) && !(error instanceof SyntaxError)) throw error;
    } finally {
      await rm(path, { force: true });
    }
  }
  return applied;
}

/** Writes the pending approvals beside the store, for readers in other processes. */
export async function writePendingApprovalsSnapshot(store: StationStore): Promise<void> {
  const path = join(store.dir, pendingFile);
  await writeFile(`${path}.tmp`, `${JSON.stringify(await listPendingApprovals(store), null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

/** The pending approvals as the running service last wrote them (empty when it wrote none). */
export async function readPendingApprovalsSnapshot(station: {
  readonly dir: string;
}): Promise<PendingApproval[]> {
  try {
    return JSON.parse(await readFile(join(station.dir, pendingFile), 'utf8')) as PendingApproval[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
