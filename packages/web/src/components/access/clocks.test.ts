import { describe, expect, it } from 'vitest';
import type { ApplicationSummary } from './access-api.ts';
import { byUrgency, daysUntil, describeClock, runningClock } from './clocks.ts';

const now = new Date('2026-03-08T23:00:00Z');

function application(id: string, overrides: Partial<ApplicationSummary> = {}): ApplicationSummary {
  return {
    id,
    kind: 'permit',
    title: id,
    applicant: { id: 'u', name: 'Rosa' },
    state: 'submitted',
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
  const deadlines = { decisionDue: '2026-03-20T00:00:00Z', completionDue: '2026-03-01T00:00:00Z' };

  it("runs the applicant's completion clock while the application is returned", () => {
    const clock = runningClock(application('a', { state: 'returned', deadlines }), now);
    expect(clock).toMatchObject({ kind: 'completion', daysLeft: -7, overdue: true });
  });

  it('runs the decision clock once the application was marked complete', () => {
    const clock = runningClock(application('a', { deadlines }), now);
    expect(clock).toMatchObject({ kind: 'decision', daysLeft: 12, overdue: false });
  });

  it('runs no clock before completeness, nor after a decision', () => {
    expect(runningClock(application('a'), now)).toBeNull();
    expect(runningClock(application('a', { state: 'approved', deadlines }), now)).toBeNull();
  });

  it('prefers the days and the overdue flag the hub counted', () => {
    const item = { ...application('a', { deadlines, overdue: true }), daysToDecision: -1 };
    expect(runningClock(item, now)).toMatchObject({ daysLeft: -1, overdue: true });
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
      application('no-clock', { submittedAt: '2026-01-01T00:00:00Z' }),
      application('ten-days', { deadlines: { decisionDue: '2026-03-18T00:00:00Z' } }),
      application('overdue', { state: 'returned', deadlines: { completionDue: '2026-03-02T00:00:00Z' } }),
      application('two-days', { deadlines: { decisionDue: '2026-03-10T00:00:00Z' } }),
    ];
    expect(byUrgency(items, now).map((i) => i.id)).toEqual(['overdue', 'two-days', 'ten-days', 'no-clock']);
  });
});
