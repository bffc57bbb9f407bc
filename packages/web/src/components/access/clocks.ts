import type { ApplicationSummary, DueKind } from './access-api.ts';

/*
 * The legal clocks as the access pages show them. The hub says which deadline the procedure waits on
 * (completeness check, decision, or the applicant's completion of a returned application) and counts the
 * whole days left; the pages only put that into words and order by it.
 */

const dayMs = 24 * 60 * 60 * 1000;

/**
 * Whole calendar days (UTC) from `now` until `due`: 0 on the day itself, negative once past. For a deadline
 * the hub did not count (it always does for the running one).
 *
 * @example daysUntil('2026-03-10T12:00:00Z', new Date('2026-03-08T23:00:00Z')) // 2
 */
export function daysUntil(due: string, now: Date): number {
  const dueDay = Math.floor(new Date(due).getTime() / dayMs);
  const today = Math.floor(now.getTime() / dayMs);
  return dueDay - today;
}

/** The clock that runs for an application: which deadline, when, and how many days are left. */
export interface Clock {
  readonly kind: DueKind;
  readonly due: string;
  readonly daysLeft: number;
  readonly overdue: boolean;
}

/** Who must act before each deadline, in words. */
export const dueKindLabels: Readonly<Record<DueKind, string>> = {
  completeness: 'Completeness check',
  decision: 'Decision',
  completion: 'Completion by the applicant',
};

/** The running clock of an application, or null when none runs (a draft, or once decided or closed). */
export function runningClock(
  item: Pick<ApplicationSummary, 'deadlines' | 'overdue'>,
  now: Date,
): Clock | null {
  const { dueAt, dueKind, daysLeft } = item.deadlines;
  if (dueAt === null || dueKind === null) return null;
  const days = daysLeft ?? daysUntil(dueAt, now);
  return { kind: dueKind, due: dueAt, daysLeft: days, overdue: item.overdue || days < 0 };
}

/** A clock in words: '12 days left', 'due today', '3 days overdue'. */
export function describeClock(clock: Pick<Clock, 'daysLeft' | 'overdue'>): string {
  const days = (n: number) => `${n} ${n === 1 ? 'day' : 'days'}`;
  if (clock.daysLeft < 0) return `${days(-clock.daysLeft)} overdue`;
  if (clock.overdue) return 'overdue';
  if (clock.daysLeft === 0) return 'due today';
  return `${days(clock.daysLeft)} left`;
}

/**
 * Orders applications by urgency: overdue first (longest overdue first), then the fewest days left, then
 * those without a running clock; ties by the earlier deadline, then the earlier submission. The hub's
 * queue comes in this order already; lists that mix pages or states are ordered again with it.
 */
export function byUrgency<T extends Pick<ApplicationSummary, 'deadlines' | 'overdue' | 'submittedAt'>>(
  items: readonly T[],
  now: Date,
): T[] {
  const rank = (item: T) => runningClock(item, now)?.daysLeft ?? Number.POSITIVE_INFINITY;
  return items
    .map((item) => ({
      item,
      rank: rank(item),
      due: item.deadlines.dueAt ?? '',
      submitted: item.submittedAt ?? '',
    }))
    .sort((a, b) => a.rank - b.rank || a.due.localeCompare(b.due) || a.submitted.localeCompare(b.submitted))
    .map(({ item }) => item);
}

/** An ISO instant as date and time (UTC), '23 Nov 2026, 14:05 UTC'. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
  })} UTC`;
}
