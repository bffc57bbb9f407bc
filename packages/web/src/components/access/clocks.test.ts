import { describe, expect, it } from 'vitest';
import type { ApplicationSummary, Deadlines } from './access-api.ts';
import { byUrgency, daysUntil, describeClock, runningClock } from './clocks.ts';

const now = new Date('2026-03-08T23:00:00Z');

const noClock: Deadlines = {
  completenessDue: null,
  decisionDue: null,
  completionDue: null,
  extended: false,
  dueAt: null,
  dueKind: null,
  daysLeft: null,
};

function application(
  id: string,
  deadlines: Partial<Deadlines> = {},
  overrides: Partial<ApplicationSummary> = {},
): ApplicationSummary {
  return {
    id,
    kind: 'permit',
    title: id,
    applicant: { id: 'u', name: 'Rosa', organisation: 'UvA' },
    state: 'submitted',
    createdAt: '2026-01-01T00:00:00Z',
    receivedAt: null,
    submittedAt: null,
    deadlines: { ...noClock, ...deadlines },
    overdue: false,
    datasets: [],
    ...overrides,
  };
}

describe('daysUntil()', () => {
  it('counts calendar days in UTC, whatever the time of day', () => {
    expect(daysUntil('2026-03-10T00:30:00Z', now)).toBe(2);
    expect(daysUntil('2026-03-08T01:00:00Z', now)).toBe(0);
    expect(daysUntil('2026-03-05T23:59:00Z', now)).toBe(-3);
  });
});

describe('runningClock()', () => {
  it('runs the deadline the hub says the procedure waits on, with the days it counted', () => {
    const item = application('a', { dueAt: '2026-03-01T00:00:00Z', dueKind: 'completion', daysLeft: -7 });
    expect(runningClock({ ...item, overdue: true }, now)).toMatchObject({
      kind: 'completion',
      daysLeft: -7,
      overdue: true,
    });
  });

  it('counts the days itself when the hub sent none', () => {
    const item = application('a', { dueAt: '2026-03-20T00:00:00Z', dueKind: 'decision' });
    expect(runningClock(item, now)).toMatchObject({ kind: 'decision', daysLeft: 12, overdue: false });
  });

  it('runs no clock for a draft or a decided application', () => {
    expect(runningClock(application('a', { decisionDue: '2026-03-20T00:00:00Z' }), now)).toBeNull();
  });
});

describe('describeClock()', () => {
  it('says how many days are left or overdue', () => {
    expect(describeClock({ daysLeft: 1, overdue: false })).toBe('1 day left');
    expect(describeClock({ daysLeft: 0, overdue: false })).toBe('due today');
    expect(describeClock({ daysLeft: -3, overdue: true })).toBe('3 days overdue');
  });
});

describe('byUrgency()', () => {
  it('puts overdue first, then the fewest days left, then applications without a clock', () => {
    const items = [
      application('no-clock', {}, { submittedAt: '2026-01-01T00:00:00Z' }),
      application('ten-days', { dueAt: '2026-03-18T00:00:00Z', dueKind: 'decision', daysLeft: 10 }),
      application('overdue', { dueAt: '2026-03-02T00:00:00Z', dueKind: 'completion', daysLeft: -6 }),
      application('two-days', { dueAt: '2026-03-10T00:00:00Z', dueKind: 'completeness', daysLeft: 2 }),
    ];
    expect(byUrgency(items, now).map((i) => i.id)).toEqual(['overdue', 'two-days', 'ten-days', 'no-clock']);
  });
});
