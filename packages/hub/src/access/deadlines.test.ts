import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addCalendarMonths,
  daysLeft,
  decisionDueAfter,
  completionDueAfter,
  dueReminder,
  isOverdue,
} from './deadlines.ts';

const at = (iso: string) => new Date(iso);

describe('deadlines', () => {
  it('addCalendarMonths() clamps to the last day of a shorter month: 31 Jan + 3 months = 30 Apr, not 1 May', () => {
    expect(addCalendarMonths(at('2027-01-31T10:00:00Z'), 3).toISOString()).toBe('2027-04-30T10:00:00.000Z');
    expect(addCalendarMonths(at('2027-11-30T10:00:00Z'), 3).toISOString()).toBe('2028-02-29T10:00:00.000Z');
    expect(addCalendarMonths(at('2026-11-30T10:00:00Z'), 3).toISOString()).toBe('2027-02-28T10:00:00.000Z');
    expect(addCalendarMonths(at('2027-10-31T23:59:00Z'), 3).toISOString()).toBe('2028-01-31T23:59:00.000Z');
    expect(addCalendarMonths(at('2027-03-15T00:00:00Z'), 12).toISOString()).toBe('2028-03-15T00:00:00.000Z');
  });

  it('addCalendarMonths() never runs past the calendar month it names, and keeps the time of day', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 120 }),
        (date, months) => {
          const result = addCalendarMonths(date, months);
          const monthIndex = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
          expect(result.getUTCFullYear() * 12 + result.getUTCMonth()).toBe(monthIndex);
          expect(result.getUTCDate()).toBeLessThanOrEqual(date.getUTCDate());
          expect(result.getTime() % 86_400_000).toBe(date.getTime() % 86_400_000);
        },
      ),
    );
  });

  it('the extended decision deadline counts six months from completion, not three from the clamped deadline', () => {
    const completed = at('2027-01-31T09:00:00Z');
    expect(decisionDueAfter(completed, false).toISOString()).toBe('2027-04-30T09:00:00.000Z');
    expect(decisionDueAfter(completed, true).toISOString()).toBe('2027-07-31T09:00:00.000Z');
  });

  it('a returned application is due four weeks later', () => {
    expect(completionDueAfter(at('2027-02-01T12:00:00Z')).toISOString()).toBe('2027-03-01T12:00:00.000Z');
  });

  it('a deadline is overdue from its instant on; days left are rounded up', () => {
    const due = at('2027-04-30T09:00:00Z');
    expect(isOverdue(due, at('2027-04-30T08:59:59Z'))).toBe(false);
    expect(isOverdue(due, due)).toBe(true);
    expect(daysLeft(due, at('2027-04-29T09:00:00Z'))).toBe(1);
    expect(daysLeft(due, at('2027-04-29T10:00:00Z'))).toBe(1);
    expect(daysLeft(due, at('2027-05-01T09:00:00Z'))).toBe(-1);
  });

  it('dueReminder() gives the latest reminder reached: none before 14 days, 14 days, then 2 days, none once passed', () => {
    const due = at('2027-04-30T09:00:00Z');
    expect(dueReminder(due, at('2027-04-16T08:59:00Z'))).toBeNull();
    expect(dueReminder(due, at('2027-04-16T09:00:00Z'))?.daysBefore).toBe(14);
    expect(dueReminder(due, at('2027-04-28T08:00:00Z'))?.daysBefore).toBe(14);
    expect(dueReminder(due, at('2027-04-28T09:00:00Z'))?.daysBefore).toBe(2);
    expect(dueReminder(due, due)).toBeNull();
  });
});
