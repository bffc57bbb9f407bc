import type { ApplicationSummary, QueueItem } from './access-api.ts';

/*
 * The legal clocks as the access pages show them: whole days left until a deadline, counted in UTC
 * calendar days, so that a deadline today reads "due today" all day and one yesterday "1 day overdue".
 */

const dayMs = 24 * 60 * 60 * 1000;

/**
 * Whole calendar days (UTC) from `now` until `due`: 0 on the day itself, negative once past.
 *
 * @example daysUntil('2026-03-10T12:00:00Z', new Date('2026-03-08T23:00:00Z')) // 2
 */
export function daysUntil(due: string, now: Date): number {
  const dueDay = Math.floor(new Date(due).getTime() / dayMs);
  const today = Math.floor(now.getTime() / dayMs);
  return dueDay - today;
}

/** The clock that runs for an application: whose turn it is, and how many days are left. */
export interface Clock {
  /** `decision`: the access body's 3 (or 6) months; `completion`: the applicant's 4 weeks. */
  readonly kind: 'decision' | 'completion';
  readonly due: string;
  readonly daysLeft: number;
  readonly overdue: boolean;
}

/**
 * The running clock of an application: the applicant's completion clock while it is returned, the
 * decision clock once it was marked complete and until a decision; null when no clock runs. Uses the days
 * the hub counted (queue items) when it sent them, else counts from the deadlines.
 */
export function runningClock(item: ApplicationSummary & Partial<QueueItem>, now: Date): Clock | null {
  const decided = ['approved', 'rejected', 'closed', 'active', 'expired', 'revoked'].includes(item.state);
  if (decided || item.state === 'draft') return null;
  const { decisionDue, completionDue } = item.deadlines ?? {};
  if (item.state === 'returned' && completionDue) {
    const daysLeft = item.daysToCompletion ?? daysUntil(completionDue, now);
    return { kind: 'completion', due: completionDue, daysLeft, overdue: item.overdue ?? daysLeft < 0 };
  }
  if (item.state !== 'returned' && decisionDue) {
    const daysLeft = item.daysToDecision ?? daysUntil(decisionDue, now);
    return { kind: 'decision', due: decisionDue, daysLeft, overdue: item.overdue ?? daysLeft < 0 };
  }
  return null;
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
 * those without a running clock, oldest submission first.
 */
export function byUrgency<T extends ApplicationSummary & Partial<QueueItem>>(
  items: readonly T[],
  now: Date,
): T[] {
  const rank = (item: T) => {
    const clock = runningClock(item, now);
    return clock === null ? Number.POSITIVE_INFINITY : clock.daysLeft;
  };
  return items
    .map((item) => ({ item, rank: rank(item), submitted: item.submittedAt ?? '' }))
    .sort((a, b) => a.rank - b.rank || a.submitted.localeCompare(b.submitted))
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
