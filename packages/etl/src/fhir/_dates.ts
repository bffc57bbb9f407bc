/**
 * FHIR date / dateTime / instant checking without regular expressions (this runs several times per
 * resource). Accepted: "YYYY", "YYYY-MM", "YYYY-MM-DD", and "YYYY-MM-DDThh:mm[:ss[.fff]][Z|±hh:mm]". The
 * time zone is optional here although FHIR requires it with a time: sources omit it often enough, and the
 * loader only keeps the local date and time anyway.
 */
import { FhirValidationError } from './_fhir-json.ts';

/** The bounds an event or birth date must lie within. */
export interface DateBounds {
  /** Epoch ms of the reference "now": a date whose start lies after it is in the future. */
  readonly nowMs: number;
  /** Dates in years before this one are rejected (OMOP's DQ plausibility floor). */
  readonly earliestYear: number;
}

const NOT_A_DATE = Number.NaN;

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The instant a FHIR date or dateTime starts, as epoch ms (UTC; a date without zone is read as UTC), or
 * NaN when the text is not a valid FHIR date/dateTime.
 */
export function parseFhirDateTime(s: string): number {
  const len = s.length;
  if (len < 4) return NOT_A_DATE;
  const year = digits(s, 0, 4);
  if (year < 0) return NOT_A_DATE;
  if (len === 4) return Date.UTC(year, 0, 1);
  if (len < 7 || s.charCodeAt(4) !== 45) return NOT_A_DATE;
  const month = digits(s, 5, 2);
  if (month < 1 || month > 12) return NOT_A_DATE;
  if (len === 7) return Date.UTC(year, month - 1, 1);
  if (len < 10 || s.charCodeAt(7) !== 45) return NOT_A_DATE;
  const day = digits(s, 8, 2);
  if (day < 1 || day > daysInMonth(year, month)) return NOT_A_DATE;
  if (len === 10) return Date.UTC(year, month - 1, day);
  // Time part: Thh:mm[:ss[.fff…]][zone]
  if (len < 16 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58) return NOT_A_DATE;
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  if (hour < 0 || hour > 24 || minute < 0 || minute > 59) return NOT_A_DATE;
  let i = 16;
  let second = 0;
  let ms = 0;
  if (i < len && s.charCodeAt(i) === 58) {
    second = digits(s, i + 1, 2);
    if (i + 3 > len || second < 0 || second > 60) return NOT_A_DATE;
    i += 3;
    if (i < len && s.charCodeAt(i) === 46) {
      i++;
      const fracStart = i;
      let scale = 100;
      while (i < len) {
        const c = s.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        ms += c * scale;
        scale /= 10;
        i++;
      }
      if (i === fracStart) return NOT_A_DATE;
    }
  }
  let offsetMinutes = 0;
  if (i < len) {
    const z = s.charCodeAt(i);
    if (z === 90 /* Z */) {
      if (i + 1 !== len) return NOT_A_DATE;
    } else if (z === 43 /* + */ || z === 45 /* - */) {
      if (i + 6 !== len || s.charCodeAt(i + 3) !== 58) return NOT_A_DATE;
      const oh = digits(s, i + 1, 2);
      const om = digits(s, i + 4, 2);
      if (oh < 0 || oh > 14 || om < 0 || om > 59) return NOT_A_DATE;
      offsetMinutes = (z === 45 ? -1 : 1) * (oh * 60 + om);
    } else {
      return NOT_A_DATE;
    }
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(ms)) - offsetMinutes * 60_000;
}

/**
 * Checks a date element and returns its epoch ms. Throws a FhirValidationError for malformed text, a date
 * in the future or one before the earliest year, phrased for a steward: "Patient.birthDate 2199-01-01 lies
 * in the future".
 */
export function checkDate(value: string, path: string, bounds: DateBounds): number {
  const ms = parseFhirDateTime(value);
  if (Number.isNaN(ms)) {
    throw new FhirValidationError(`${path} ${JSON.stringify(value)} is not a valid FHIR date or dateTime`);
  }
  if (ms > bounds.nowMs) throw new FhirValidationError(`${path} ${value} lies in the future`);
  // The year is the first four characters: compare it rather than ms so that time zones cannot move
  // "1900-01-01T00:30:00+01:00" before the floor.
  if (digits(value, 0, 4) < bounds.earliestYear) {
    throw new FhirValidationError(`${path} ${value} lies before ${bounds.earliestYear}`);
  }
  return ms;
}
