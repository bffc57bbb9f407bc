/**
 * Turns the rows of one CSV file into events, as one file mapping of the config says. Everything that can
 * be decided once per file (column positions, date parsers, fixed concepts, reference prefixes) is decided
 * in `compileRowMapper`; mapping a row then only reads cells.
 */
import type {
  CareSiteEvent,
  ClinicalEvent,
  DomainHint,
  InvalidRecord,
  PersonEvent,
  ReaderOutput,
  SkippedRecord,
  SourceCoding,
  SourceConcept,
  SourceLocation,
  SourceEvent,
  SourceValue,
  VisitDetailEvent,
  VisitEvent,
} from '../source-event.ts';
import type {
  CodedColumn,
  ConceptColumns,
  CsvEventKind,
  CsvFileMapping,
  CsvFormatOptions,
  DateColumn,
  FixedConcept,
  FixedValues,
  RefColumn,
} from './csv-mapping-config.ts';
import { DateParser } from './_date-format.ts';
import type { CsvRow } from './_read-csv-rows.ts';
import { REF_TARGET } from './_validate-config.ts';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** What a row mapper needs to know besides the file mapping. */
export interface RowMapperContext {
  readonly mapping: CsvFileMapping;
  /** Index of the mapping in the config's `files`, for messages ("files[2]"). */
  readonly mappingIndex: number;
  /** File name of the config, for messages ("mapping.json"). */
  readonly configName: string;
  /** Path of the CSV file, as it goes into `location.file`. */
  readonly file: string;
  /** Name of the CSV file in messages (its path relative to the config). */
  readonly fileName: string;
  /** The config's top-level format options, which the mapping may override. */
  readonly defaults: CsvFormatOptions;
  /** The id prefix of each kind's files, where the kind has exactly one. */
  readonly refPrefixes: ReadonlyMap<CsvEventKind, string>;
  /** Today as yyyy-mm-dd: dates after it are invalid. */
  readonly today: string;
  /** Dates in years before this one are invalid. */
  readonly earliestYear: number;
}

/**
 * A SkippedRecord as the CSV reader yields it (a row that a `skip` rule matched): with the row's identity and
 * the reason, as the FHIR readers' skipped records have. A plain SkippedRecord to anyone else.
 */
export interface CsvSkippedRecord extends SkippedRecord {
  /** The row's `sourceId`, when its id columns are filled. */
  readonly recordId?: string;
  /** Which rule matched ("column 'status' is 'cancelled' (a skip rule of mapping.json)"). */
  readonly reason: string;
}

/** A column the mapping names but the file lacks, or has more than once. */
export interface MissingColumn {
  readonly column: string;
  /** Where the config names it ("columns.start", "id"). */
  readonly setting: string;
  /** How often the header has it: 0, or 2 and more (which one is meant cannot be told). */
  readonly occurrences: number;
}

export type RowMapper = (row: CsvRow) => ReaderOutput;

/** Problems found in one row; the row becomes an `InvalidRecord` when there is any. */
type Problems = string[];

interface Column {
  readonly name: string;
  readonly index: number;
  /** The event field it feeds, for messages ("personRef"). */
  readonly field: string;
}

const DOMAIN_HINTS: ReadonlySet<string> = new Set([
  'condition',
  'measurement',
  'observation',
  'drug',
  'procedure',
  'device',
]);
const OPERATORS: ReadonlySet<string> = new Set(['<', '<=', '>=', '>']);
const COMPARATOR_PREFIX = /^(<=|>=|<|>)\s*/;
const NUMBER_POINT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NUMBER_COMMA = /^[+-]?(?:\d+(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?$/;

function escapeIdPart(value: string): string {
  return value.includes('|') || value.includes('%')
    ? value.replace(/%/g, '%25').replace(/\|/g, '%7C')
    : value;
}

/** Compiles the mapping of one file against the file's header, or lists the columns the file lacks. */
export function compileRowMapper(
  context: RowMapperContext,
  header: readonly string[],
): { readonly mapRow: RowMapper } | { readonly missing: readonly MissingColumn[] } {
  const { mapping, file, today, earliestYear } = context;
  const earliest = `${String(earliestYear).padStart(4, '0')}-01-01`;
  const missing: MissingColumn[] = [];
  const nulls = new Set(mapping.nullValues ?? context.defaults.nullValues ?? []);
  const decimalComma = mapping.decimalComma ?? context.defaults.decimalComma ?? false;
  const fileDates = new DateParser(mapping.dateFormats ?? context.defaults.dateFormats ?? ['iso']);
  const resourceType = mapping.resourceType;
  const idPrefix = `${mapping.idPrefix ?? resourceType}/`;

  const trimmedHeader = header.map((h) => h.trim());
  const column = (name: string, setting: string, field: string): Column => {
    let index = trimmedHeader.indexOf(name);
    const occurrences = trimmedHeader.filter((h) => h === name).length;
    if (occurrences > 1) {
      missing.push({ column: name, setting, occurrences });
      return { name, index, field };
    }
    if (index < 0) {
      // Tolerate a difference in case only ("Datum" for "datum"), when it is unambiguous.
      const lower = name.toLowerCase();
      const matches = trimmedHeader.flatMap((h, i) => (h.toLowerCase() === lower ? [i] : []));
      if (matches.length === 1) index = matches[0] ?? -1;
    }
    if (index < 0) missing.push({ column: name, setting, occurrences: 0 });
    return { name, index, field };
  };

  const cell = (fields: readonly string[], col: Column): string | undefined => {
    const v = fields[col.index];
    if (v === undefined || v === '') return undefined;
    const t = v.trim();
    return t === '' || nulls.has(t) ? undefined : t;
  };

  // --- field compilers; each returns a reader of one row's value, pushing problems it finds ---

  const text = (name: string | undefined, field: string) => {
    if (name === undefined) return undefined;
    const col = column(name, `columns.${field}`, field);
    return (fields: readonly string[]) => cell(fields, col);
  };

  const parseNumber = (value: string): number | undefined => {
    if (decimalComma) {
      if (!NUMBER_COMMA.test(value)) return undefined;
      return Number(value.replace(',', '.'));
    }
    return NUMBER_POINT.test(value) ? Number(value) : undefined;
  };
  const numberProblem = (col: Column, value: string) =>
    `column '${col.name}' value '${value}' is not a number${
      decimalComma ? ' with a decimal comma (the config says this file uses a decimal comma)' : ''
    }`;

  const number = (name: string | undefined, field: string) => {
    if (name === undefined) return undefined;
    const col = column(name, `columns.${field}`, field);
    return (fields: readonly string[], problems: Problems): number | undefined => {
      const v = cell(fields, col);
      if (v === undefined) return undefined;
      const n = parseNumber(v);
      if (n === undefined) problems.push(numberProblem(col, v));
      return n;
    };
  };

  const date = (spec: DateColumn | undefined, field: string, required: boolean) => {
    if (spec === undefined) return undefined;
    const name = typeof spec === 'string' ? spec : spec.column;
    const formats = typeof spec === 'string' ? undefined : spec.dateFormats;
    const parser = formats === undefined ? fileDates : new DateParser(formats);
    const col = column(name, `columns.${field}`, field);
    const timeName = typeof spec === 'string' ? undefined : spec.timeColumn;
    const timeCol =
      timeName === undefined ? undefined : column(timeName, `columns.${field}.timeColumn`, field);
    const columns =
      timeCol === undefined ? `column '${col.name}'` : `columns '${col.name}' + '${timeCol.name}'`;
    const label = field.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
    const empty =
      field === 'birthDate'
        ? `column '${col.name}' (birthDate) is empty; OMOP needs a year of birth`
        : `column '${col.name}' (${field}) is empty`;
    return (fields: readonly string[], problems: Problems): string | undefined => {
      const d = cell(fields, col);
      if (d === undefined) {
        if (required) problems.push(empty);
        return undefined;
      }
      const t = timeCol === undefined ? undefined : cell(fields, timeCol);
      const v = t === undefined ? d : `${d} ${t}`;
      const iso = parser.parse(v);
      if (iso === undefined) {
        const why = parser.explain(v);
        problems.push(
          `${columns} value '${v}' is not ${parser.describe()}${why === undefined ? '' : ` (${why})`}`,
        );
        return undefined;
      }
      const day = iso.slice(0, 10);
      if (day > today) problems.push(`${label} ${day} (${columns}) lies in the future`);
      else if (day < earliest) problems.push(`${label} ${day} (${columns}) lies before ${earliestYear}`);
      return iso;
    };
  };

  const ref = (spec: RefColumn | undefined, field: string, required: boolean, fixed?: string) => {
    if (fixed !== undefined) return () => fixed;
    if (spec === undefined) return undefined;
    const name = typeof spec === 'string' ? spec : spec.column;
    const target = REF_TARGET[field] ?? 'person';
    // The validator guarantees a prefix for a bare column name.
    const prefix = `${typeof spec === 'string' ? (context.refPrefixes.get(target) ?? target) : spec.refPrefix}/`;
    const col = column(name, `columns.${field}`, field);
    return (fields: readonly string[], problems: Problems): string | undefined => {
      const v = cell(fields, col);
      if (v === undefined) {
        if (required) problems.push(`column '${col.name}' (${field}) is empty`);
        return undefined;
      }
      return prefix + v;
    };
  };

  const coding = (spec: CodedColumn, field: string) => {
    const codeCol = column(spec.column, `columns.${field}`, field);
    const displayCol =
      spec.display === undefined ? undefined : column(spec.display, `columns.${field}.display`, field);
    const fixedSystem = 'system' in spec ? spec.system : undefined;
    const systemCol =
      'systemColumn' in spec ? column(spec.systemColumn, `columns.${field}.systemColumn`, field) : undefined;
    const systems = 'systems' in spec ? (spec.systems ?? {}) : {};
    return (fields: readonly string[], problems: Problems): SourceCoding | undefined => {
      const code = cell(fields, codeCol);
      if (code === undefined) return undefined;
      let system = fixedSystem;
      if (systemCol !== undefined) {
        const s = cell(fields, systemCol);
        if (s === undefined) {
          problems.push(`column '${systemCol.name}' (the code system of ${field} '${code}') is empty`);
          return undefined;
        }
        system = systems[s] ?? s;
      }
      const display = displayCol === undefined ? undefined : cell(fields, displayCol);
      const result: Writable<SourceCoding> = { system: system ?? '', code };
      if (display !== undefined) result.display = display;
      return result;
    };
  };

  const fixedCodings = (fixed: FixedConcept): SourceCoding[] =>
    (Array.isArray(fixed) ? (fixed as readonly SourceCoding[]) : [fixed as SourceCoding]).map((c) => ({
      ...c,
    }));

  const concept = (
    spec: ConceptColumns | undefined,
    fixed: FixedConcept | undefined,
    field: string,
    required: boolean,
  ) => {
    if (fixed !== undefined) {
      const value: SourceConcept = Object.freeze({ codings: Object.freeze(fixedCodings(fixed)) });
      return () => value;
    }
    if (spec === undefined) return undefined;
    const parts = (Array.isArray(spec) ? (spec as readonly CodedColumn[]) : [spec as CodedColumn]).map((s) =>
      coding(s, field),
    );
    const names = (Array.isArray(spec) ? (spec as readonly CodedColumn[]) : [spec as CodedColumn]).map(
      (s) => `'${s.column}'`,
    );
    return (fields: readonly string[], problems: Problems): SourceConcept | undefined => {
      const codings: SourceCoding[] = [];
      const known = problems.length;
      for (const part of parts) {
        const c = part(fields, problems);
        if (c !== undefined) codings.push(c);
      }
      if (codings.length === 0) {
        if (required && problems.length === known)
          problems.push(`column ${names.join(' / ')} (${field}) is empty`);
        return undefined;
      }
      return { codings };
    };
  };

  // --- id ---
  const idColumns = (typeof mapping.id === 'string' ? [mapping.id] : mapping.id).map((name) =>
    column(name, 'id', 'id'),
  );
  const readId = (fields: readonly string[], problems: Problems): string | undefined => {
    if (idColumns.length === 1) {
      const col = idColumns[0] as Column;
      const v = cell(fields, col);
      if (v === undefined) problems.push(`column '${col.name}' (the row's id) is empty`);
      return v === undefined ? undefined : idPrefix + v;
    }
    // Parts of a composite id may be empty (a condition without an end date); not all of them.
    const parts: string[] = [];
    let empty = 0;
    for (const col of idColumns) {
      const v = cell(fields, col);
      if (v === undefined) empty += 1;
      parts.push(v === undefined ? '' : escapeIdPart(v));
    }
    if (empty === idColumns.length) {
      problems.push(`columns ${idColumns.map((c) => `'${c.name}'`).join(', ')} (the row's id) are all empty`);
      return undefined;
    }
    return idPrefix + parts.join('|');
  };

  const skipRules = (mapping.skip ?? []).map((rule, i) => ({
    col: column(rule.column, `skip[${i}].column`, 'skip'),
    values: new Set(rule.values),
  }));

  const buildEvent = compileKind(context, {
    text,
    number,
    date,
    ref,
    concept,
    coding,
    cell,
    parseNumber,
    numberProblem,
    column,
  });
  if (missing.length > 0) return { missing };

  const headerLength = header.length;
  const utf8 = (mapping.encoding ?? context.defaults.encoding ?? 'utf-8') === 'utf-8';
  return {
    mapRow(row: CsvRow): ReaderOutput {
      const location: SourceLocation = { file, line: row.line };
      const { fields } = row;
      if (utf8 && row.raw.includes('\uFFFD')) {
        return invalid(
          context,
          row,
          location,
          undefined,
          `the row has bytes that are not UTF-8 (shown as \uFFFD); if the file is in latin1 or windows-1252, set "encoding" in ${context.configName}`,
        );
      }
      if (fields.length !== headerLength) {
        return invalid(
          context,
          row,
          location,
          undefined,
          `the row has ${fields.length} fields but the header has ${headerLength}${
            fields.length > headerLength ? ' (is there an unquoted delimiter inside a value?)' : ''
          }`,
        );
      }
      for (const rule of skipRules) {
        const v = cell(fields, rule.col);
        if (v !== undefined && rule.values.has(v)) {
          const skipped: Writable<CsvSkippedRecord> = {
            kind: 'skipped',
            resourceType,
            location,
            reason: `column '${rule.col.name}' is '${v}' (a skip rule of ${context.configName})`,
          };
          const sourceId = readId(fields, []);
          if (sourceId !== undefined) skipped.recordId = sourceId;
          return skipped;
        }
      }
      const problems: Problems = [];
      const sourceId = readId(fields, problems);
      const event = buildEvent(fields, problems);
      if (problems.length > 0 || sourceId === undefined)
        return invalid(context, row, location, sourceId, problems.join('; '));
      event.sourceId = sourceId;
      event.recordId = sourceId;
      event.resourceType = resourceType;
      event.location = location;
      event.raw = row.raw;
      checkOrder(event, problems);
      if (problems.length > 0) return invalid(context, row, location, sourceId, problems.join('; '));
      return event as ReaderOutput;
    },
  };
}

function invalid(
  context: RowMapperContext,
  row: CsvRow,
  location: SourceLocation,
  recordId: string | undefined,
  reason: string,
): InvalidRecord {
  const result: Writable<InvalidRecord> = {
    kind: 'invalid',
    resourceType: context.mapping.resourceType,
    location,
    raw: row.raw,
    reason: `${context.fileName} line ${row.line}: ${reason}`,
  };
  if (recordId !== undefined) result.recordId = recordId;
  return result;
}

/** True when instant `a` lies before `b`; a date without time compares by day. */
function isBefore(a: string, b: string): boolean {
  if (a.length === 10 || b.length === 10) return a.slice(0, 10) < b.slice(0, 10);
  return Date.parse(a) < Date.parse(b);
}

function checkOrder(event: SourceEvent, problems: Problems): void {
  if (event.kind === 'person') {
    if (
      event.birthDate !== undefined &&
      event.deathDate !== undefined &&
      isBefore(event.deathDate, event.birthDate)
    ) {
      problems.push(`death date ${event.deathDate} lies before birth date ${event.birthDate}`);
    }
  } else if (event.kind !== 'careSite' && event.end !== undefined && isBefore(event.end, event.start)) {
    problems.push(`end ${event.end} lies before start ${event.start}`);
  }
}

/** The field compilers of `compileRowMapper`, handed to the kind-specific part. */
interface Compilers {
  text(
    name: string | undefined,
    field: string,
  ): ((fields: readonly string[]) => string | undefined) | undefined;
  number(
    name: string | undefined,
    field: string,
  ): ((fields: readonly string[], problems: Problems) => number | undefined) | undefined;
  date(
    spec: DateColumn | undefined,
    field: string,
    required: boolean,
  ): ((fields: readonly string[], problems: Problems) => string | undefined) | undefined;
  ref(
    spec: RefColumn | undefined,
    field: string,
    required: boolean,
    fixed?: string,
  ): ((fields: readonly string[], problems: Problems) => string | undefined) | undefined;
  concept(
    spec: ConceptColumns | undefined,
    fixed: FixedConcept | undefined,
    field: string,
    required: boolean,
  ): ((fields: readonly string[], problems: Problems) => SourceConcept | undefined) | undefined;
  coding(
    spec: CodedColumn,
    field: string,
  ): (fields: readonly string[], problems: Problems) => SourceCoding | undefined;
  cell(fields: readonly string[], col: Column): string | undefined;
  parseNumber(value: string): number | undefined;
  numberProblem(col: Column, value: string): string;
  column(name: string, setting: string, field: string): Column;
}

function compileKind(
  context: RowMapperContext,
  c: Compilers,
): (
  fields: readonly string[],
  problems: Problems,
) => Writable<PersonEvent | VisitEvent | VisitDetailEvent | ClinicalEvent | CareSiteEvent> {
  const { mapping } = context;
  const fixed: FixedValues = mapping.fixed ?? {};
  switch (mapping.kind) {
    case 'person': {
      const col = mapping.columns;
      const birthDate = c.date(col.birthDate, 'birthDate', true);
      const deathDate = c.date(col.deathDate, 'deathDate', false);
      const gender = c.concept(col.gender, fixed.gender, 'gender', false);
      const race = c.concept(col.race, fixed.race, 'race', false);
      const ethnicity = c.concept(col.ethnicity, fixed.ethnicity, 'ethnicity', false);
      const careSiteRef = c.ref(col.careSiteRef, 'careSiteRef', false, fixed.careSiteRef);
      return (f, p) => {
        const e = { kind: 'person' } as Writable<PersonEvent>;
        set(e, 'birthDate', birthDate?.(f, p));
        set(e, 'deathDate', deathDate?.(f, p));
        set(e, 'gender', gender?.(f, p));
        set(e, 'race', race?.(f, p));
        set(e, 'ethnicity', ethnicity?.(f, p));
        set(e, 'careSiteRef', careSiteRef?.(f, p));
        return e;
      };
    }
    case 'visit': {
      const col = mapping.columns;
      const personRef = c.ref(col.personRef, 'personRef', true);
      const visitClass = c.concept(col.visitClass, fixed.visitClass, 'visitClass', true);
      const start = c.date(col.start, 'start', true);
      const end = c.date(col.end, 'end', false);
      const careSiteRef = c.ref(col.careSiteRef, 'careSiteRef', false, fixed.careSiteRef);
      const dischargeTo = c.concept(col.dischargeTo, fixed.dischargeTo, 'dischargeTo', false);
      const partOfRef = c.ref(col.partOfRef, 'partOfRef', false);
      return (f, p) => {
        const e = { kind: 'visit' } as Writable<VisitEvent>;
        set(e, 'personRef', personRef?.(f, p));
        set(e, 'visitClass', visitClass?.(f, p));
        set(e, 'start', start?.(f, p));
        set(e, 'end', end?.(f, p));
        set(e, 'careSiteRef', careSiteRef?.(f, p));
        set(e, 'dischargeTo', dischargeTo?.(f, p));
        set(e, 'partOfRef', partOfRef?.(f, p));
        return e;
      };
    }
    case 'visitDetail': {
      const col = mapping.columns;
      const personRef = c.ref(col.personRef, 'personRef', true);
      const visitRef = c.ref(col.visitRef, 'visitRef', true);
      const detailType = c.concept(col.detailType, fixed.detailType, 'detailType', true);
      const start = c.date(col.start, 'start', true);
      const end = c.date(col.end, 'end', false);
      const careSiteRef = c.ref(col.careSiteRef, 'careSiteRef', false, fixed.careSiteRef);
      return (f, p) => {
        const e = { kind: 'visitDetail' } as Writable<VisitDetailEvent>;
        set(e, 'personRef', personRef?.(f, p));
        set(e, 'visitRef', visitRef?.(f, p));
        set(e, 'detailType', detailType?.(f, p));
        set(e, 'start', start?.(f, p));
        set(e, 'end', end?.(f, p));
        set(e, 'careSiteRef', careSiteRef?.(f, p));
        return e;
      };
    }
    case 'clinical':
      return compileClinical(context, c, fixed);
    case 'careSite': {
      const col = mapping.columns;
      const name = c.text(col.name, 'name');
      const placeOfService = c.concept(col.placeOfService, fixed.placeOfService, 'placeOfService', false);
      return (f, p) => {
        const e = { kind: 'careSite' } as Writable<CareSiteEvent>;
        set(e, 'name', name?.(f) ?? fixed.name);
        set(e, 'placeOfService', placeOfService?.(f, p));
        return e;
      };
    }
  }
}

function compileClinical(
  context: RowMapperContext,
  c: Compilers,
  fixed: FixedValues,
): (fields: readonly string[], problems: Problems) => Writable<ClinicalEvent> {
  if (context.mapping.kind !== 'clinical') throw new Error('unreachable');
  const col = context.mapping.columns;
  const personRef = c.ref(col.personRef, 'personRef', true);
  const visitRef = c.ref(col.visitRef, 'visitRef', false);
  const concept = c.concept(col.concept, fixed.concept, 'concept', true);
  const domainCol =
    col.domainHint === undefined ? undefined : c.column(col.domainHint, 'columns.domainHint', 'domainHint');
  const start = c.date(col.start, 'start', true);
  const end = c.date(col.end, 'end', false);
  const valueNumberCol =
    col.valueNumber === undefined
      ? undefined
      : c.column(col.valueNumber, 'columns.valueNumber', 'valueNumber');
  const valueText = c.text(col.valueText, 'valueText');
  const valueAnyCol =
    col.valueNumberOrText === undefined
      ? undefined
      : c.column(col.valueNumberOrText, 'columns.valueNumberOrText', 'valueNumberOrText');
  const valueConcept = c.concept(col.valueConcept, fixed.valueConcept, 'valueConcept', false);
  const unitFixed = fixed.unit === undefined ? undefined : Object.freeze({ ...fixed.unit });
  const unit = col.unit === undefined ? undefined : c.coding(col.unit, 'unit');
  const operatorCol =
    col.operator === undefined ? undefined : c.column(col.operator, 'columns.operator', 'operator');
  const rangeLow = c.number(col.rangeLow, 'rangeLow');
  const rangeHigh = c.number(col.rangeHigh, 'rangeHigh');
  const route = c.concept(col.route, fixed.route, 'route', false);
  const quantity = c.number(col.quantity, 'quantity');
  const daysSupply = c.number(col.daysSupply, 'daysSupply');
  const status = c.text(col.status, 'status');
  const fixedDomain = fixed.domainHint;

  return (f, p) => {
    const e = { kind: 'clinical' } as Writable<ClinicalEvent>;
    set(e, 'personRef', personRef?.(f, p));
    set(e, 'visitRef', visitRef?.(f, p));
    set(e, 'concept', concept?.(f, p));
    if (domainCol !== undefined) {
      const d = c.cell(f, domainCol);
      if (d === undefined) p.push(`column '${domainCol.name}' (domainHint) is empty`);
      else if (!DOMAIN_HINTS.has(d)) {
        p.push(`column '${domainCol.name}' value '${d}' is not one of ${[...DOMAIN_HINTS].join(', ')}`);
      } else e.domainHint = d as DomainHint;
    } else if (fixedDomain !== undefined) e.domainHint = fixedDomain;
    set(e, 'start', start?.(f, p));
    set(e, 'end', end?.(f, p));

    const value: Writable<SourceValue> = {};
    let hasValue = false;
    if (valueNumberCol !== undefined) {
      const v = c.cell(f, valueNumberCol);
      if (v !== undefined) {
        const m = COMPARATOR_PREFIX.exec(v);
        const digits = m === null ? v : v.slice(m[0].length);
        const n = c.parseNumber(digits);
        if (n === undefined) p.push(c.numberProblem(valueNumberCol, v));
        else {
          value.number = n;
          if (m !== null) value.operator = m[1] as string;
          hasValue = true;
        }
      }
    }
    if (valueAnyCol !== undefined) {
      const v = c.cell(f, valueAnyCol);
      if (v !== undefined) {
        const m = COMPARATOR_PREFIX.exec(v);
        const n = c.parseNumber(m === null ? v : v.slice(m[0].length));
        if (n === undefined) value.text = v;
        else {
          value.number = n;
          if (m !== null) value.operator = m[1] as string;
        }
        hasValue = true;
      }
    }
    const t = valueText?.(f);
    if (t !== undefined) {
      value.text = t;
      hasValue = true;
    }
    const vc = valueConcept?.(f, p);
    if (vc !== undefined) {
      value.concept = vc;
      hasValue = true;
    }
    if (hasValue) {
      const u = unit === undefined ? unitFixed : unit(f, p);
      if (u !== undefined) value.unit = u;
    }
    if (operatorCol !== undefined) {
      const op = c.cell(f, operatorCol);
      if (op !== undefined) {
        if (!OPERATORS.has(op))
          p.push(`column '${operatorCol.name}' value '${op}' is not one of <, <=, >=, >`);
        else value.operator = op;
      }
    }
    const low = rangeLow?.(f, p);
    if (low !== undefined) value.rangeLow = low;
    const high = rangeHigh?.(f, p);
    if (high !== undefined) value.rangeHigh = high;
    if (hasValue || low !== undefined || high !== undefined) e.value = value;

    set(e, 'route', route?.(f, p));
    set(e, 'quantity', quantity?.(f, p));
    set(e, 'daysSupply', daysSupply?.(f, p));
    set(e, 'status', status?.(f) ?? fixed.status);
    return e;
  };
}

/** Sets an optional property only when it has a value (exactOptionalPropertyTypes: no `undefined` members). */
function set<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
