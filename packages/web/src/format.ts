/*
 * Number and date formats of the app. Counts come from the stations already rounded (to 5) or
 * suppressed (null); the app rounds further for display and never shows more precision than it got.
 */

const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });

/**
 * A rounded count for a card: '≈ 12,300' for large counts (3 significant digits), the count itself below
 * 1,000, 'suppressed' when the station withheld it.
 *
 * @example formatApproximateCount(12_345) // '≈ 12,300'
 */
export function formatApproximateCount(count: number | null | undefined): string {
  if (count === null || count === undefined) return 'suppressed';
  if (count < 1_000) return integer.format(count);
  const magnitude = 10 ** (Math.floor(Math.log10(count)) - 2);
  return `≈ ${integer.format(Math.round(count / magnitude) * magnitude)}`;
}

/** A count as released ('suppressed' when withheld). */
export function formatCount(count: number | null | undefined): string {
  return count === null || count === undefined ? 'suppressed' : integer.format(count);
}

/** A data-quality score in percent, one decimal ('not assessed' without one). */
export function formatQualityScore(score: number | null | undefined): string {
  if (score === null || score === undefined) return 'not assessed';
  return `${score.toFixed(1)}%`;
}

/** A YYYY-MM month as 'Jan 2015'. */
export function formatMonth(yearMonth: string): string {
  const [year, month] = yearMonth.split('-').map(Number);
  if (year === undefined || month === undefined || Number.isNaN(year) || Number.isNaN(month))
    return yearMonth;
  return new Date(Date.UTC(year, month - 1, 1)).toLocaleDateString('en-GB', {
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** An ISO instant as a date, '23 Nov 2026'. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 3 });

/** A count for a chart label: '25.1K', '1.49M'. */
export function formatCompactCount(count: number): string {
  return compact.format(count);
}
