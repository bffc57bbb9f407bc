import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileDateFormat, daysInMonth, DateParser, formatDate } from './_date-format.ts';

const PATTERNS = [
  'dd-mm-yyyy',
  'dd-mm-yyyy HH:mm',
  'dd/mm/yyyy HH:mm:ss',
  'mm/dd/yyyy',
  'yyyymmdd',
  'yyyymmddHHmmss',
  'yyyy-mm-dd HH:mm',
  'dd.mm.yyyy',
];

/** Local date-times with whole seconds, years 1000–2999 (the format has four year digits). */
const localDateTime = fc
  .date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 19));

describe('compileDateFormat()', () => {
  it('round-trips formatted dates in every pattern', () => {
    fc.assert(
      fc.property(localDateTime, fc.constantFrom(...PATTERNS), (iso, pattern) => {
        const hasTime = pattern.includes('HH');
        const hasSeconds = pattern.includes('ss');
        const expected = hasTime ? (hasSeconds ? iso : `${iso.slice(0, 16)}:00`) : iso.slice(0, 10);
        expect(compileDateFormat(pattern).parse(formatDate(iso, pattern))).toBe(expected);
      }),
    );
  });

  it('round-trips ISO dates and date-times', () => {
    fc.assert(
      fc.property(localDateTime, fc.constantFrom('', 'Z', '+01:00', '-05:30'), (iso, offset) => {
        const iso8601 = compileDateFormat('iso');
        expect(iso8601.parse(iso.slice(0, 10))).toBe(iso.slice(0, 10));
        expect(iso8601.parse(iso + offset)).toBe(iso + offset);
      }),
    );
  });

  it('rejects a day past the end of its month, and says why', () => {
    const day = fc
      .record({ y: fc.integer({ min: 1000, max: 2999 }), m: fc.integer({ min: 1, max: 12 }) })
      .chain(({ y, m }) =>
        fc.record({
          y: fc.constant(y),
          m: fc.constant(m),
          d: fc.integer({ min: daysInMonth(y, m) + 1, max: 99 }),
        }),
      );
    fc.assert(
      fc.property(day, fc.constantFrom(...PATTERNS, 'iso'), ({ y, m, d }, pattern) => {
        const iso = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T10:20:30`;
        const text = pattern === 'iso' ? iso.slice(0, 10) : formatDate(iso, pattern);
        const format = compileDateFormat(pattern);
        expect(format.parse(text)).toBeUndefined();
        expect(format.explain(text)).toMatch(/has (28|29|30|31) days, not day/);
      }),
    );
  });

  it('rejects month 0, months above 12 and day 0', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 2999 }),
        fc.oneof(fc.constant(0), fc.integer({ min: 13, max: 99 })),
        fc.constantFrom(...PATTERNS),
        (y, m, pattern) => {
          const iso = `${y}-${String(m).padStart(2, '0')}-15T10:20:30`;
          expect(compileDateFormat(pattern).parse(formatDate(iso, pattern))).toBeUndefined();
          const dayZero = `${y}-01-00T10:20:30`;
          expect(compileDateFormat(pattern).parse(formatDate(dayZero, pattern))).toBeUndefined();
        },
      ),
    );
  });

  it('knows leap years', () => {
    const f = compileDateFormat('dd-mm-yyyy');
    expect(f.parse('29-02-2020')).toBe('2020-02-29');
    expect(f.parse('29-02-2000')).toBe('2000-02-29');
    expect(f.parse('29-02-1900')).toBeUndefined();
    expect(f.explain('31-02-2020')).toBe('February 2020 has 29 days, not day 31');
  });

  it('rejects values of another shape and bad times', () => {
    const f = compileDateFormat('dd-mm-yyyy HH:mm');
    for (const v of [
      '1-2-2020 10:00',
      '01-02-2020',
      '01-02-2020 24:00',
      '01-02-2020 10:60',
      '01/02/2020 10:00',
      'ab-02-2020 10:00',
    ]) {
      expect(f.parse(v), v).toBeUndefined();
    }
  });

  it('rejects patterns without year, month or day, or with unknown letters', () => {
    expect(() => compileDateFormat('dd-mm')).toThrow(/has no year/);
    expect(() => compileDateFormat('dd-mm-yy')).toThrow(/'y'/);
    expect(() => compileDateFormat('yyyy-mm-dd HH')).toThrow(/both hours/);
  });
});

describe('DateParser', () => {
  it('tries formats in order and describes them', () => {
    const p = new DateParser(['dd-mm-yyyy HH:mm', 'dd-mm-yyyy']);
    expect(p.parse('03-02-2021 14:05')).toBe('2021-02-03T14:05:00');
    expect(p.parse('03-02-2021')).toBe('2021-02-03');
    expect(p.parse('2021-02-03')).toBeUndefined();
    expect(p.describe()).toBe('a valid date in any of the formats dd-mm-yyyy HH:mm, dd-mm-yyyy');
    expect(new DateParser(['dd-mm-yyyy']).describe()).toBe('a valid dd-mm-yyyy date');
  });
});
