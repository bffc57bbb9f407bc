import { describe, expect, it } from 'vitest';
import { formatApproximateCount, formatCompactCount, formatMonth, formatQualityScore } from './format.ts';

describe('formatApproximateCount()', () => {
  it('rounds large counts to three significant digits and shows small ones as released', () => {
    expect(formatApproximateCount(12_345)).toBe('≈ 12,300');
    expect(formatApproximateCount(1_250_000)).toBe('≈ 1,250,000');
    expect(formatApproximateCount(995)).toBe('995');
    expect(formatApproximateCount(0)).toBe('0');
  });

  it('says a suppressed count is suppressed', () => {
    expect(formatApproximateCount(null)).toBe('suppressed');
  });
});

describe('formatQualityScore() and formatMonth()', () => {
  it('formats a score and a month, and says when there is none', () => {
    expect(formatQualityScore(97.25)).toBe('97.3%');
    expect(formatQualityScore(null)).toBe('not assessed');
    expect(formatMonth('2015-01')).toBe('Jan 2015');
  });
});

describe('formatCompactCount()', () => {
  it('shortens large counts for chart labels', () => {
    expect(formatCompactCount(25_100)).toBe('25.1K');
    expect(formatCompactCount(1_490_000)).toBe('1.49M');
    expect(formatCompactCount(395)).toBe('395');
  });
});
