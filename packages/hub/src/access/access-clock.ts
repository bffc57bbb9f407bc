import { recordAudit } from '../audit/audit-log.ts';
import type { HubContext } from '../hub-context.ts';
import { HubError } from '../hub-error.ts';
import { deliverAccessOutbox } from './access-delivery.ts';
import { deadlineOwners, notify, runCommand } from './access-service.ts';
import { loadEvents } from './application-store.ts';
import { addDays, dueReminder, reminderDaysBefore } from './deadlines.ts';
import { clockActor, replay, type Command } from './workflow.ts';

/** What one run of the access clock did. */
export interface AccessClockReport {
  readonly expired: number;
  readonly lapsed: number;
  readonly overdue: number;
  readonly reminders: number;
  readonly delivered: number;
  readonly failedDeliveries: number;
}

/**
 * The access procedure's clock, run every minute by the hub (and by tests with a moved clock): expires
 * permits whose validity ended (event `permit-expired`, `permits.status` = expired), lapses returned
 * applications not completed in four weeks, records missed deadlines (event `deadline-missed`), sends the
 * reminders due (14 and 2 days before a deadline; each once), then delivers queued e-mails and webhooks.
 * Safe to run concurrently and repeatedly: the workflow refuses a second expiry, and reminders are deduplicated.
 */
export async function runAccessClock(hub: HubContext, now: Date = hub.now()): Promise<AccessClockReport> {
  const expiring = await hub.db
    .selectFrom('permits')
    .select('application_id')
    .where('status', '=', 'active')
    .where('valid_until', '<=', now)
    .execute();
  const expired = await runAll(
    hub,
    expiring.map((r) => r.application_id),
    { type: 'expire-permit' },
    now,
  );

  const lapsing = await hub.db
    .selectFrom('applications')
    .select('id')
    .where('state', '=', 'returned')
    .where('completion_due', '<=', now)
    .execute();
  const lapsed = await runAll(
    hub,
    lapsing.map((r) => r.id),
    { type: 'lapse' },
    now,
  );

  const missed = await hub.db
    .selectFrom('applications')
    .select('id')
    .where('state', 'in', ['submitted', 'returned'])
    .where('due_at', '<=', now)
    .where('overdue', '=', false)
    .execute();
  const overdue = await runAll(
    hub,
    missed.map((r) => r.id),
    { type: 'note-overdue' },
    now,
  );

  const soon = await hub.db
    .selectFrom('applications')
    .select(['id', 'due_at', 'due_kind'])
    .where('state', 'in', ['submitted', 'returned'])
    .where('due_at', '>', now)
    .where('due_at', '<=', addDays(now, Math.max(...reminderDaysBefore)))
    .execute();
  let reminders = 0;
  for (const row of soon) {
    if (row.due_at === null || row.due_kind === null) continue;
    const due = new Date(row.due_at);
    const reminder = dueReminder(due, now);
    if (reminder === null) continue;
    const app = replay(await loadEvents(hub.db, row.id));
    if (app === null) continue;
    const owners = await deadlineOwners(hub.db, app, row.due_kind);
    const days = reminder.daysBefore;
    reminders += await notify(
      hub,
      hub.db,
      owners,
      row.id,
      'reminder',
      `Reminder: the ${row.due_kind} deadline of "${app.title}" is ${due.toISOString()} (in ${days} day${days === 1 ? '' : 's'})`,
      `reminder:${row.id}:${row.due_kind}:${due.toISOString()}:${days}`,
    );
  }
  const delivery = await deliverAccessOutbox(hub, now);
  return {
    expired,
    lapsed,
    overdue,
    reminders,
    delivered: delivery.delivered,
    failedDeliveries: delivery.failed,
  };
}

/** Runs a clock command on each application; one that another run got to first (409) is skipped. */
async function runAll(hub: HubContext, ids: readonly string[], command: Command, now: Date): Promise<number> {
  let done = 0;
  for (const id of ids) {
    try {
      await runCommand(hub, id, command, clockActor, {
        now,
        inTransaction: (trx, outcome) =>
          recordAudit(trx, {
            event: `application.${command.type}`,
            action: 'update',
            outcome: 'success',
            actor: { id: 'hub-clock', name: clockActor.name },
            objectType: 'application',
            objectId: id,
            details: { events: outcome.events.map((e) => e.type) },
            now,
          }),
      });
      done += 1;
    } catch (error) {
      if (error instanceof HubError && (error.code === 'conflict' || error.code === 'not_found')) continue;
      throw error;
    }
  }
  return done;
}

/**
 * Starts running the access clock every `intervalMs` (unref'd, so it never keeps the process alive); returns
 * a function that stops it. Errors are passed to `onError` and the clock goes on.
 */
export function startAccessClock(
  hub: HubContext,
  intervalMs: number,
  onError: (error: unknown) => void,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runAccessClock(hub)
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
