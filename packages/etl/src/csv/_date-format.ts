/**
 * Date parsing for CSV cells. A pattern such as "dd-mm-yyyy HH:mm" is compiled once into fixed offsets, so
 * that parsing a cell is a length check and a few character-code reads (CSV files have millions of dates).
 */

type Part = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second';

interface Slot {
  readonly part: Part;
  readonly offset: number;
  readonly width: number;
}

/** A compiled date format: `parse` returns an ISO 8601 string, or undefined when the value does not fit. */
export interface CompiledDateFormat {
  readonly pattern: string;
  parse(value: string): string | undefined;
  /** Why `value` does not fit, for an error message ("February 2020 has 29 days"); undefined if it fits. */
  explain(value: string): string | undefined;
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in `month` (1–12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Explains why the parts are not a valid date-time, or returns undefined when they are. */
function explainParts(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
): string | undefined {
  if (y < 1) return `year ${y} does not exist`;
  if (mo < 1 || mo > 12) return `there is no month ${mo}`;
  const days = daysInMonth(y, mo);
  if (d < 1 || d > days) return `${MONTH_NAMES[mo - 1] ?? ''} ${y} has ${days} days, not day ${d}`;
  if (h > 23) return `hour ${h} is not 00–23`;
  if (mi > 59) return `minute ${mi} is not 00–59`;
  if (s > 59) return `second ${s} is not 00–59`;
  return undefined;
}

function readDigits(value: string, offset: number, width: number): number {
  let n = 0;
  for (let i = offset; i < offset + width; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

function compileIso(): CompiledDateFormat {
  const fields = (value: string) => {
    const m = ISO_PATTERN.exec(value);
    if (m === null) return undefined;
    const num = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
    return { m, y: num(1), mo: num(2), d: num(3), h: num(4), mi: num(5), s: num(6) };
  };
  return {
    pattern: 'iso',
    parse(value) {
      const f = fields(value);
      if (f === undefined || explainParts(f.y, f.mo, f.d, f.h, f.mi, f.s) !== undefined) return undefined;
      const { m } = f;
      const date = `${m[1]}-${m[2]}-${m[3]}`;
      if (m[4] === undefined) return date;
      return `${date}T${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}${m[8] ?? ''}`;
    },
    explain(value) {
      const f = fields(value);
      if (f === undefined) return 'it does not have the form yyyy-mm-dd or yyyy-mm-ddTHH:mm[:ss][offset]';
      return explainParts(f.y, f.mo, f.d, f.h, f.mi, f.s);
    },
  };
}

const TOKENS: readonly (readonly [string, Part | 'month-or-minute'])[] = [
  ['yyyy', 'year'],
  ['dd', 'day'],
  ['HH', 'hour'],
  ['ss', 'second'],
  ['mm', 'month-or-minute'],
];

/**
 * Compiles a date format ("iso" or a pattern such as "dd-mm-yyyy HH:mm"; see `DateFormat`).
 * @throws Error with a message naming what is wrong with the pattern.
 */
export function compileDateFormat(pattern: string): CompiledDateFormat {
  if (pattern === 'iso') return compileIso();
  const slots: Slot[] = [];
  const literals: { offset: number; code: number }[] = [];
  let i = 0;
  while (i < pattern.length) {
    const token = TOKENS.find(([t]) => pattern.startsWith(t, i));
    if (token === undefined) {
      const ch = pattern.charAt(i);
      if (/[A-Za-z0-9]/.test(ch)) {
        throw new Error(
          `date format '${pattern}' has '${ch}' at position ${i + 1}; use yyyy, mm, dd, HH, mm (minutes after HH), ss and separators`,
        );
      }
      literals.push({ offset: i, code: pattern.charCodeAt(i) });
      i += 1;
      continue;
    }
    const [text, kind] = token;
    const part: Part =
      kind === 'month-or-minute' ? (slots.some((s) => s.part === 'hour') ? 'minute' : 'month') : kind;
    if (slots.some((s) => s.part === part)) throw new Error(`date format '${pattern}' has the ${part} twice`);
    slots.push({ part, offset: i, width: text.length });
    i += text.length;
  }
  for (const needed of ['year', 'month', 'day'] as const) {
    if (!slots.some((s) => s.part === needed)) throw new Error(`date format '${pattern}' has no ${needed}`);
  }
  const hasHour = slots.some((s) => s.part === 'hour');
  if (hasHour !== slots.some((s) => s.part === 'minute')) {
    throw new Error(
      `date format '${pattern}' must have both hours (HH) and minutes (mm after HH), or neither`,
    );
  }
  if (slots.some((s) => s.part === 'second') && !hasHour) {
    throw new Error(`date format '${pattern}' has seconds but no hours`);
  }
  const at = (part: Part) => slots.find((s) => s.part === part);
  const year = at('year');
  const month = at('month');
  const day = at('day');
  const hour = at('hour');
  const minute = at('minute');
  const second = at('second');
  const length = pattern.length;

  /** Reads the parts; undefined when the value does not have the pattern's shape. */
  const read = (value: string) => {
    if (value.length !== length) return undefined;
    for (const lit of literals) if (value.charCodeAt(lit.offset) !== lit.code) return undefined;
    const parts = [year, month, day, hour, minute, second].map((slot) =>
      slot === undefined ? 0 : readDigits(value, slot.offset, slot.width),
    ) as [number, number, number, number, number, number];
    return parts.some((p) => p < 0) ? undefined : parts;
  };

  // The hot path: no allocation but the result, built from the value's own digits.
  const yo = year?.offset ?? 0;
  const moo = month?.offset ?? 0;
  const dof = day?.offset ?? 0;
  const ho = hour?.offset ?? 0;
  const mio = minute?.offset ?? 0;
  const so = second?.offset ?? -1;
  const literalOffsets = literals.map((l) => l.offset);
  const literalCodes = literals.map((l) => l.code);
  const digitOffsets = slots.flatMap((s) => Array.from({ length: s.width }, (_, k) => s.offset + k));

  return {
    pattern,
    parse(value) {
      if (value.length !== length) return undefined;
      for (let k = 0; k < literalOffsets.length; k++) {
        if (value.charCodeAt(literalOffsets[k] as number) !== literalCodes[k]) return undefined;
      }
      for (let k = 0; k < digitOffsets.length; k++) {
        const c = value.charCodeAt(digitOffsets[k] as number);
        if (c < 48 || c > 57) return undefined;
      }
      const y = readDigits(value, yo, 4);
      const mo = readDigits(value, moo, 2);
      const d = readDigits(value, dof, 2);
      if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
      const date = `${value.slice(yo, yo + 4)}-${value.slice(moo, moo + 2)}-${value.slice(dof, dof + 2)}`;
      if (hour === undefined) return date;
      if (readDigits(value, ho, 2) > 23 || readDigits(value, mio, 2) > 59) return undefined;
      if (so >= 0 && readDigits(value, so, 2) > 59) return undefined;
      return `${date}T${value.slice(ho, ho + 2)}:${value.slice(mio, mio + 2)}:${so >= 0 ? value.slice(so, so + 2) : '00'}`;
    },
    explain(value) {
      const p = read(value);
      if (p === undefined) return `it does not have the form ${pattern}`;
      return explainParts(...p);
    },
  };
}

/** Formats an ISO date ("2020-01-31") or local date-time ("2020-01-31T12:30:00") in a pattern (for tests and tools). */
export function formatDate(iso: string, pattern: string): string {
  const y = iso.slice(0, 4);
  const mo = iso.slice(5, 7);
  const d = iso.slice(8, 10);
  const h = iso.slice(11, 13) || '00';
  const mi = iso.slice(14, 16) || '00';
  const s = iso.slice(17, 19) || '00';
  let seenHour = false;
  return pattern.replace(/yyyy|dd|HH|ss|mm/g, (t) => {
    if (t === 'yyyy') return y;
    if (t === 'dd') return d;
    if (t === 'ss') return s;
    if (t === 'HH') {
      seenHour = true;
      return h;
    }
    return seenHour ? mi : mo;
  });
}

/** A list of formats tried in order. */
export class DateParser {
  readonly formats: readonly CompiledDateFormat[];
  constructor(patterns: readonly string[]) {
    this.formats = patterns.map(compileDateFormat);
  }
  parse(value: string): string | undefined {
    for (const f of this.formats) {
      const iso = f.parse(value);
      if (iso !== undefined) return iso;
    }
    return undefined;
  }
  /** What a valid value looks like: "a valid dd-mm-yyyy date" or "a valid date in any of the formats …". */
  describe(): string {
    const names = this.formats.map((f) => f.pattern);
    return names.length === 1
      ? `a valid ${names[0] ?? ''} date`
      : `a valid date in any of the formats ${names.join(', ')}`;
  }
  /** Why a value failed: the explanation of the first format whose shape it has, if any. */
  explain(value: string): string | undefined {
    for (const f of this.formats) {
      const why = f.explain(value);
      if (why !== undefined && !why.startsWith('it does not have the form')) return why;
    }
    return undefined;
  }
}
