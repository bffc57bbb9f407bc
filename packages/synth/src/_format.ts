/** Formatting of times and numbers, shared by the writers. All times are UTC milliseconds. */

const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/** ISO 8601 date-time to the second, UTC: "2021-03-04T05:06:07Z". */
export function isoDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** ISO 8601 date: "2021-03-04". */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Dutch date: "04-03-2021". */
export function dutchDate(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getUTCDate())}-${pad2(d.getUTCMonth() + 1)}-${d.getUTCFullYear()}`;
}

/** Dutch date and time to the minute: "04-03-2021 05:06". */
export function dutchDateTime(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getUTCDate())}-${pad2(d.getUTCMonth() + 1)}-${d.getUTCFullYear()} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
}

/** A number with a decimal comma ("3,5"), as Dutch systems write it. */
export function decimalComma(x: number): string {
  return String(x).replace('.', ',');
}
