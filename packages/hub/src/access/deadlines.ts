/**
 * The access procedure's clocks, pure: the caller passes the time in. All arithmetic is on UTC instants;
 * a deadline is the instant itself (the same time of day as the act that started the clock).
 */

/** How long the access body takes to check a new submission for completeness (a service level), in days. */
export const completenessCheckDays = 14;
/** Months from a complete application to the decision (EHDS: three months). */
export const decisionMonths = 3;
/** Months a decision deadline may be extended by, once. */
export const extensionMonths = 3;
/** Days the applicant has to complete a returned application (four weeks); after that it lapses. */
export const completionDays = 28;
/** Reminders go out this many days before a deadline. */
export const reminderDaysBefore: readonly number[] = [14, 2];

const dayMs = 86_400_000;

/** Which clock is running. */
export type DueKind = 'completeness' | 'decision' | 'completion';

/**
 * `date` plus `months` calendar months, keeping the time of day. When the day does not exist in the target
 * month it is clamped to that month's last day: 31 Jan + 3 months = 30 Apr (never 1 May), 30 Nov + 3 months
 * = 28 Feb (29 in a leap year). So a deadline never runs past the calendar month it names.
 *
 * @example addCalendarMonths(new Date('2027-01-31T10:00:00Z'), 3) // 2027-04-30T10:00:00Z
 */
export function addCalendarMonths(date: Date, months: number): Date {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const result = new Date(date.getTime());
  result.setUTCDate(1);
  result.setUTCFullYear(year, month, Math.min(date.getUTCDate(), lastDay));
  return result;
}

/** `date` plus `days` days of 24 hours. */
export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * dayMs);
}

/** The completeness-check deadline of a submission received at `submittedAt`. */
export function completenessDueAfter(submittedAt: Date): Date {
  return addDays(submittedAt, completenessCheckDays);
}

/**
 * The decision deadline: three calendar months after the application was marked complete, or six when
 * extended (counted from the completion, not from the clamped first deadline, so 31 Jan gives 30 Apr and
 * then 31 Jul).
 */
export function decisionDueAfter(completedAt: Date, extended: boolean): Date {
  return addCalendarMonths(completedAt, decisionMonths + (extended ? extensionMonths : 0));
}

/** The applicant's deadline to complete an application returned at `returnedAt`. */
export function completionDueAfter(returnedAt: Date): Date {
  return addDays(returnedAt, completionDays);
}

/** Whether a deadline has passed at `now` (the deadline instant itself counts as passed). */
export function isOverdue(due: Date, now: Date): boolean {
  return now.getTime() >= due.getTime();
}

/** Whole days left until `due` (rounded up; 0 on the day it falls due, negative once passed). */
export function daysLeft(due: Date, now: Date): number {
  return Math.ceil((due.getTime() - now.getTime()) / dayMs);
}

/** A reminder that has come due: `daysBefore` the deadline. */
export interface DueReminder {
  readonly daysBefore: number;
  /** When it was due to go out. */
  readonly at: Date;
}

/**
 * The reminders for a deadline that are due at `now` and the deadline not yet passed: the latest one only
 * (a clock job that ran late sends the 2-day reminder, not the 14-day one as well).
 */
export function dueReminder(due: Date, now: Date, daysBefore = reminderDaysBefore): DueReminder | null {
  if (isOverdue(due, now)) return null;
  let latest: DueReminder | null = null;
  for (const days of daysBefore) {
    const at = addDays(due, -days);
    if (now.getTime() >= at.getTime() && (latest === null || at.getTime() > latest.at.getTime())) {
      latest = { daysBefore: days, at };
    }
  }
  return latest;
}
