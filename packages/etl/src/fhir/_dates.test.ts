import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDate, parseFhirDateTime } from './_dates.ts';

describe('parseFhirDateTime()', () => {
  it('reads every FHIR precision as the instant it starts', () => {
    expect(parseFhirDateTime('2020')).toBe(Date.UTC(2020, 0, 1));
    expect(parseFhirDateTime('2020-02')).toBe(Date.UTC(2020, 1, 1));
    expect(parseFhirDateTime('2020-02-29')).toBe(Date.UTC(2020, 1, 29));
    expect(parseFhirDateTime('2020-02-29T10:20')).toBe(Date.UTC(2020, 1, 29, 10, 20));
    expect(parseFhirDateTime('2020-02-29T10:20:30.5Z')).toBe(Date.UTC(2020, 1, 29, 10, 20, 30, 500));
    expect(parseFhirDateTime('2020-02-29T10:20:30-05:00')).toBe(Date.UTC(2020, 1, 29, 15, 20, 30));
  });

  it('rejects what is not a FHIR date', () => {
    for (const bad of [
      '',
      '20',
      '2020-1',
      '2021-02-29',
      '2020-13-01',
      '2020/01/01',
      '2020-01-01T',
      '2020-01-01T10:00:00+5',
      '2020-01-01 10:00',
      'yesterday',
    ]) {
      expect(parseFhirDateTime(bad), bad).toBeNaN();
    }
  });

  it('agrees with Date.parse on ISO date-times', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2199-12-31'), noInvalidDate: true }),
        (d) => {
          const iso = d.toISOString();
          expect(parseFhirDateTime(iso)).toBe(Date.parse(iso));
          expect(parseFhirDateTime(iso.slice(0, 10))).toBe(Date.parse(iso.slice(0, 10)));
        },
      ),
    );
  });
});

describe('checkDate()', () => {
  const bounds = { nowMs: Date.UTC(2026, 0, 1), earliestYear: 1900 };
  it('says what is wrong in the steward’s words', () => {
    expect(() => checkDate('2199-01-01', 'Patient.birthDate', bounds)).toThrow(
      'Patient.birthDate 2199-01-01 lies in the future',
    );
    expect(() => checkDate('1899-12-31', 'Patient.birthDate', bounds)).toThrow(
      'Patient.birthDate 1899-12-31 lies before 1900',
    );
    expect(() => checkDate('31-12-1999', 'Condition.onsetDateTime', bounds)).toThrow(
      'Condition.onsetDateTime "31-12-1999" is not a valid FHIR date or dateTime',
    );
    expect(checkDate('2025-12-31T23:59:59Z', 'x', bounds)).toBe(Date.UTC(2025, 11, 31, 23, 59, 59));
  });
});
