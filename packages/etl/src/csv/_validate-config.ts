import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CsvEventKind, CsvMappingConfig } from './csv-mapping-config.ts';
import { compileDateFormat } from './_date-format.ts';
import { didYouMean } from './_did-you-mean.ts';

/** A mapping config that cannot be used; `issues` lists every problem found, each with its JSON path. */
export class CsvMappingConfigError extends Error {
  readonly code: 'invalid-mapping-config' | 'unreadable-mapping-config';
  readonly configPath: string;
  readonly issues: readonly string[];
  constructor(
    configPath: string,
    issues: readonly string[],
    options: { code?: CsvMappingConfigError['code']; cause?: unknown } = {},
  ) {
    const name = basename(configPath);
    super(
      issues.length === 1
        ? `${name}: ${issues[0] ?? ''}`
        : `${name} has ${issues.length} problems:\n${issues.map((i) => `  ${name}: ${i}`).join('\n')}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'CsvMappingConfigError';
    this.code = options.code ?? 'invalid-mapping-config';
    this.configPath = configPath;
    this.issues = issues;
  }
}

type FieldType = 'date' | 'ref' | 'concept' | 'coding' | 'column';

/** The fields each kind of file may map, and their types. */
export const FIELDS: Readonly<Record<CsvEventKind, Readonly<Record<string, FieldType>>>> = {
  person: {
    birthDate: 'date',
    deathDate: 'date',
    gender: 'concept',
    race: 'concept',
    ethnicity: 'concept',
    careSiteRef: 'ref',
  },
  visit: {
    personRef: 'ref',
    visitClass: 'concept',
    start: 'date',
    end: 'date',
    careSiteRef: 'ref',
    dischargeTo: 'concept',
    partOfRef: 'ref',
  },
  visitDetail: {
    personRef: 'ref',
    visitRef: 'ref',
    detailType: 'concept',
    start: 'date',
    end: 'date',
    careSiteRef: 'ref',
  },
  clinical: {
    personRef: 'ref',
    visitRef: 'ref',
    concept: 'concept',
    domainHint: 'column',
    start: 'date',
    end: 'date',
    valueNumber: 'column',
    valueText: 'column',
    valueNumberOrText: 'column',
    valueConcept: 'concept',
    unit: 'coding',
    operator: 'column',
    rangeLow: 'column',
    rangeHigh: 'column',
    route: 'concept',
    quantity: 'column',
    daysSupply: 'column',
    status: 'column',
  },
  careSite: { name: 'column', placeOfService: 'concept' },
};

/** Fields every row needs, from `columns` or `fixed`. */
export const REQUIRED_FIELDS: Readonly<Record<CsvEventKind, readonly string[]>> = {
  person: ['birthDate'],
  visit: ['personRef', 'start', 'visitClass'],
  visitDetail: ['personRef', 'visitRef', 'start', 'detailType'],
  clinical: ['personRef', 'start', 'concept', 'domainHint'],
  careSite: [],
};

/** Which kind of record a reference field points to. */
export const REF_TARGET: Readonly<Record<string, CsvEventKind>> = {
  personRef: 'person',
  visitRef: 'visit',
  partOfRef: 'visit',
  careSiteRef: 'careSite',
};

const KINDS = Object.keys(FIELDS) as CsvEventKind[];
const ENCODINGS = ['utf-8', 'latin1', 'windows-1252'];
const DOMAIN_HINTS = ['condition', 'measurement', 'observation', 'drug', 'procedure', 'device'];
const FIXED_STRING_FIELDS = ['status', 'name', 'careSiteRef'];
const FORMAT_KEYS = ['delimiter', 'encoding', 'dateFormats', 'decimalComma', 'nullValues'];
const TOP_KEYS = ['source', 'description', 'dataDir', 'codeMaps', 'files', ...FORMAT_KEYS];
const FILE_KEYS = [
  'path',
  'description',
  'kind',
  'resourceType',
  'id',
  'idPrefix',
  'columnNames',
  'columns',
  'fixed',
  'skip',
  ...FORMAT_KEYS,
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}
function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

class Issues {
  readonly list: string[] = [];
  add(path: string, message: string): void {
    this.list.push(`${path} ${message}`);
  }
  unknownKeys(obj: Record<string, unknown>, path: string, known: readonly string[], what: string): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) {
        this.add(`${path}.${key}`, `is not a ${what}${didYouMean(key, known)}; known: ${known.join(', ')}`);
      }
    }
  }
  string(obj: Record<string, unknown>, key: string, path: string, required: boolean): void {
    const v = obj[key];
    if (v === undefined) {
      if (required) this.add(`${path}.${key}`, 'is missing');
    } else if (!isNonEmptyString(v)) {
      this.add(`${path}.${key}`, `must be a non-empty string (got ${show(v)})`);
    }
  }
  stringList(obj: Record<string, unknown>, key: string, path: string, allowEmpty: boolean): void {
    const v = obj[key];
    if (v === undefined) return;
    if (!Array.isArray(v) || (!allowEmpty && v.length === 0) || !v.every((x) => typeof x === 'string')) {
      this.add(
        `${path}.${key}`,
        `must be ${allowEmpty ? 'a' : 'a non-empty'} list of strings (got ${show(v)})`,
      );
    }
  }
}

function checkFormat(obj: Record<string, unknown>, path: string, issues: Issues): void {
  const { delimiter, encoding, dateFormats, decimalComma } = obj;
  if (delimiter !== undefined) {
    if (
      typeof delimiter !== 'string' ||
      delimiter.length !== 1 ||
      delimiter === '"' ||
      /[\r\n]/.test(delimiter)
    ) {
      issues.add(
        `${path}.delimiter`,
        `must be one character other than a quote or newline (got ${show(delimiter)})`,
      );
    }
  }
  if (encoding !== undefined && (typeof encoding !== 'string' || !ENCODINGS.includes(encoding))) {
    issues.add(`${path}.encoding`, `must be one of ${ENCODINGS.join(', ')} (got ${show(encoding)})`);
  }
  if (dateFormats !== undefined) checkDateFormats(dateFormats, `${path}.dateFormats`, issues);
  if (decimalComma !== undefined && typeof decimalComma !== 'boolean') {
    issues.add(`${path}.decimalComma`, `must be true or false (got ${show(decimalComma)})`);
  }
  issues.stringList(obj, 'nullValues', path, true);
}

function checkDateFormats(v: unknown, path: string, issues: Issues): void {
  if (!Array.isArray(v) || v.length === 0) {
    issues.add(
      path,
      `must be a non-empty list of date formats such as ["dd-mm-yyyy", "iso"] (got ${show(v)})`,
    );
    return;
  }
  v.forEach((f, i) => {
    if (typeof f !== 'string') {
      issues.add(`${path}[${i}]`, `must be a string (got ${show(f)})`);
      return;
    }
    try {
      compileDateFormat(f);
    } catch (e) {
      issues.add(`${path}[${i}]`, `is not a date format: ${(e as Error).message}`);
    }
  });
}

function checkCodedColumn(v: unknown, path: string, issues: Issues): void {
  if (!isRecord(v)) {
    issues.add(
      path,
      `must be an object such as { "column": "code", "system": "http://loinc.org" } (got ${show(v)})`,
    );
    return;
  }
  issues.unknownKeys(
    v,
    path,
    ['column', 'system', 'systemColumn', 'systems', 'display'],
    'coded-column setting',
  );
  issues.string(v, 'column', path, true);
  issues.string(v, 'display', path, false);
  if (v['system'] === undefined && v['systemColumn'] === undefined) {
    issues.add(path, 'needs "system" (a system URI or local code system name) or "systemColumn"');
  } else if (v['system'] !== undefined && v['systemColumn'] !== undefined) {
    issues.add(path, 'has both "system" and "systemColumn"; give one');
  }
  issues.string(v, 'system', path, false);
  issues.string(v, 'systemColumn', path, false);
  const systems = v['systems'];
  if (systems !== undefined) {
    if (v['systemColumn'] === undefined) issues.add(`${path}.systems`, 'only applies with "systemColumn"');
    if (!isRecord(systems) || !Object.values(systems).every(isNonEmptyString)) {
      issues.add(`${path}.systems`, `must map column values to system names (got ${show(systems)})`);
    }
  }
}

function checkFixedCoding(v: unknown, path: string, issues: Issues): void {
  if (!isRecord(v)) {
    issues.add(path, `must be a coding such as { "system": "…", "code": "…" } (got ${show(v)})`);
    return;
  }
  issues.unknownKeys(v, path, ['system', 'code', 'display'], 'coding field');
  issues.string(v, 'system', path, true);
  issues.string(v, 'code', path, true);
  issues.string(v, 'display', path, false);
}

interface RefContext {
  /** id prefixes of the files of each kind. */
  readonly prefixes: ReadonlyMap<CsvEventKind, ReadonlySet<string>>;
}

function checkColumn(
  field: string,
  type: FieldType,
  v: unknown,
  path: string,
  issues: Issues,
  refs: RefContext,
) {
  switch (type) {
    case 'column':
      if (!isNonEmptyString(v)) issues.add(path, `must name a column (got ${show(v)})`);
      return;
    case 'date':
      if (typeof v === 'string') {
        if (!isNonEmptyString(v)) issues.add(path, 'must name a column');
      } else if (isRecord(v)) {
        issues.unknownKeys(v, path, ['column', 'dateFormats', 'timeColumn'], 'date-column setting');
        issues.string(v, 'column', path, true);
        issues.string(v, 'timeColumn', path, false);
        if (v['dateFormats'] === undefined && v['timeColumn'] === undefined)
          issues.add(path, 'needs "dateFormats" or "timeColumn" (or give the column name alone)');
        else if (v['dateFormats'] !== undefined)
          checkDateFormats(v['dateFormats'], `${path}.dateFormats`, issues);
      } else {
        issues.add(
          path,
          `must name a column or be { "column", "dateFormats", "timeColumn" } (got ${show(v)})`,
        );
      }
      return;
    case 'ref': {
      const target = REF_TARGET[field] ?? 'person';
      const prefixes = refs.prefixes.get(target) ?? new Set<string>();
      if (typeof v === 'string') {
        if (!isNonEmptyString(v)) issues.add(path, 'must name a column');
        else if (prefixes.size !== 1) {
          issues.add(
            path,
            prefixes.size === 0
              ? `refers to a ${target} but no file of kind '${target}' is in this config; write { "column": ${JSON.stringify(v)}, "refPrefix": "<idPrefix of the ${target} records>" }`
              : `refers to a ${target} but the ${target} files have different id prefixes (${[...prefixes].join(', ')}); write { "column": ${JSON.stringify(v)}, "refPrefix": "…" }`,
          );
        }
      } else if (isRecord(v)) {
        issues.unknownKeys(v, path, ['column', 'refPrefix'], 'reference setting');
        issues.string(v, 'column', path, true);
        issues.string(v, 'refPrefix', path, true);
      } else {
        issues.add(path, `must name a column or be { "column", "refPrefix" } (got ${show(v)})`);
      }
      return;
    }
    case 'coding':
      checkCodedColumn(v, path, issues);
      return;
    case 'concept':
      if (Array.isArray(v)) {
        if (v.length === 0) issues.add(path, 'must not be an empty list');
        v.forEach((c, i) => checkCodedColumn(c, `${path}[${i}]`, issues));
      } else {
        checkCodedColumn(v, path, issues);
      }
      return;
  }
}

function checkFixed(kind: CsvEventKind, v: unknown, path: string, issues: Issues): void {
  if (!isRecord(v)) {
    issues.add(path, `must be an object (got ${show(v)})`);
    return;
  }
  const fields = FIELDS[kind];
  for (const [key, value] of Object.entries(v)) {
    const type = fields[key];
    const p = `${path}.${key}`;
    if (key === 'domainHint' && type !== undefined) {
      if (typeof value !== 'string' || !DOMAIN_HINTS.includes(value)) {
        issues.add(p, `must be one of ${DOMAIN_HINTS.join(', ')} (got ${show(value)})`);
      }
    } else if (FIXED_STRING_FIELDS.includes(key) && type !== undefined) {
      if (!isNonEmptyString(value)) issues.add(p, `must be a non-empty string (got ${show(value)})`);
    } else if (type === 'coding') {
      checkFixedCoding(value, p, issues);
    } else if (type === 'concept') {
      if (Array.isArray(value)) {
        if (value.length === 0) issues.add(p, 'must not be an empty list');
        value.forEach((c, i) => checkFixedCoding(c, `${p}[${i}]`, issues));
      } else {
        checkFixedCoding(value, p, issues);
      }
    } else {
      const allowed = Object.entries(fields)
        .filter(
          ([f, t]) =>
            t === 'concept' || t === 'coding' || f === 'domainHint' || FIXED_STRING_FIELDS.includes(f),
        )
        .map(([f]) => f);
      issues.add(
        p,
        `cannot be fixed in a file of kind '${kind}'; fixed values it may have: ${allowed.join(', ')}`,
      );
    }
  }
}

function checkFile(v: unknown, path: string, issues: Issues, refs: RefContext): void {
  if (!isRecord(v)) {
    issues.add(path, `must be an object (got ${show(v)})`);
    return;
  }
  issues.unknownKeys(v, path, FILE_KEYS, 'file setting');
  issues.string(v, 'path', path, true);
  issues.string(v, 'resourceType', path, true);
  issues.string(v, 'idPrefix', path, false);
  issues.string(v, 'description', path, false);
  checkFormat(v, path, issues);
  issues.stringList(v, 'columnNames', path, false);
  const id = v['id'];
  if (id === undefined)
    issues.add(`${path}.id`, 'is missing: name the column(s) whose values identify a row');
  else if (!(isNonEmptyString(id) || (Array.isArray(id) && id.length > 0 && id.every(isNonEmptyString)))) {
    issues.add(`${path}.id`, `must name a column or a non-empty list of columns (got ${show(id)})`);
  }
  const skip = v['skip'];
  if (skip !== undefined) {
    if (!Array.isArray(skip))
      issues.add(`${path}.skip`, `must be a list of { "column", "values" } (got ${show(skip)})`);
    else
      skip.forEach((rule, i) => {
        const p = `${path}.skip[${i}]`;
        if (!isRecord(rule)) return issues.add(p, `must be { "column", "values" } (got ${show(rule)})`);
        issues.unknownKeys(rule, p, ['column', 'values'], 'skip setting');
        issues.string(rule, 'column', p, true);
        if (rule['values'] === undefined) issues.add(`${p}.values`, 'is missing');
        issues.stringList(rule, 'values', p, false);
      });
  }
  const kind = v['kind'];
  if (typeof kind !== 'string' || !(KINDS as string[]).includes(kind)) {
    issues.add(`${path}.kind`, `must be one of ${KINDS.join(', ')} (got ${show(kind)})`);
    return;
  }
  const k = kind as CsvEventKind;
  const fields = FIELDS[k];
  const columns = v['columns'] ?? {};
  const fixed = v['fixed'] ?? {};
  if (!isRecord(columns)) {
    issues.add(`${path}.columns`, `must be an object mapping fields to columns (got ${show(columns)})`);
    return;
  }
  for (const [field, spec] of Object.entries(columns)) {
    const type = fields[field];
    if (type === undefined) {
      issues.add(
        `${path}.columns.${field}`,
        `is not a field of a '${k}' event${didYouMean(field, Object.keys(fields))}; its fields: ${Object.keys(fields).join(', ')}`,
      );
    } else {
      checkColumn(field, type, spec, `${path}.columns.${field}`, issues, refs);
    }
  }
  checkFixed(k, fixed, `${path}.fixed`, issues);
  if (!isRecord(fixed)) return;
  for (const field of Object.keys(columns)) {
    if (field in fixed) issues.add(`${path}.fixed.${field}`, 'is also in "columns"; give a field one source');
  }
  for (const field of REQUIRED_FIELDS[k]) {
    if (!(field in columns) && !(field in fixed)) {
      issues.add(`${path}.columns.${field}`, `is missing: every '${k}' event needs a ${field}`);
    }
  }
  const values = ['valueNumber', 'valueText', 'valueNumberOrText'].filter((f) => f in columns);
  if (values.includes('valueNumberOrText') && values.length > 1) {
    issues.add(
      `${path}.columns.valueNumberOrText`,
      `cannot be combined with ${values.filter((f) => f !== 'valueNumberOrText').join(', ')}`,
    );
  }
}

/**
 * Whether parsed JSON looks like a CSV mapping config rather than FHIR: an object with a `source` string and
 * a `files` list and no top-level `resourceType` (file mappings have a `resourceType` of their own, so a
 * text search for "resourceType" cannot tell the two apart). It does not validate; `parseCsvMappingConfig` does.
 */
export function isCsvMappingConfig(json: unknown): boolean {
  return (
    isRecord(json) &&
    typeof json['source'] === 'string' &&
    Array.isArray(json['files']) &&
    !('resourceType' in json)
  );
}

/**
 * Validates a parsed mapping config and returns it typed and frozen.
 * @param json the parsed JSON of the config file
 * @param configPath path of the config, used in error messages
 * @throws CsvMappingConfigError listing every problem, each as "<config file>: <json path> <what is wrong>",
 *   e.g. "mapping.json: files[2].kind must be one of person, visit, visitDetail, clinical, careSite (got 'lab')".
 */
export function parseCsvMappingConfig(json: unknown, configPath: string): CsvMappingConfig {
  const issues = new Issues();
  if (!isRecord(json)) {
    throw new CsvMappingConfigError(configPath, [`must be a JSON object (got ${show(json)})`]);
  }
  issues.unknownKeys(json, 'config', TOP_KEYS, 'config setting');
  issues.string(json, 'source', 'config', true);
  issues.string(json, 'description', 'config', false);
  issues.string(json, 'dataDir', 'config', false);
  issues.stringList(json, 'codeMaps', 'config', true);
  checkFormat(json, 'config', issues);
  const files = json['files'];
  if (!Array.isArray(files) || files.length === 0) {
    issues.add('config.files', `must be a non-empty list of file mappings (got ${show(files)})`);
  } else {
    const prefixes = new Map<CsvEventKind, Set<string>>();
    const seen = new Map<string, number>();
    files.forEach((f, i) => {
      if (!isRecord(f) || typeof f['kind'] !== 'string') return;
      const prefix = f['idPrefix'] ?? f['resourceType'];
      if (typeof prefix !== 'string') return;
      const set = prefixes.get(f['kind'] as CsvEventKind) ?? new Set<string>();
      set.add(prefix);
      prefixes.set(f['kind'] as CsvEventKind, set);
      const key = `${String(f['path'])}\u0000${prefix}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        issues.add(
          `files[${i}]`,
          `maps the same path as files[${earlier}] with the same id prefix '${prefix}'; their ids would collide (set "idPrefix")`,
        );
      }
      seen.set(key, i);
    });
    files.forEach((f, i) => checkFile(f, `files[${i}]`, issues, { prefixes }));
  }
  if (issues.list.length > 0) {
    // "config.x" reads oddly for top-level keys; drop the prefix.
    throw new CsvMappingConfigError(
      configPath,
      issues.list.map((m) => m.replace(/^config\./, '')),
    );
  }
  return deepFreeze(json) as unknown as CsvMappingConfig;
}

/**
 * Reads and validates a mapping config file.
 * @throws CsvMappingConfigError when the file cannot be read, is not JSON, or is not a valid config.
 */
export async function readCsvMappingConfig(configPath: string): Promise<CsvMappingConfig> {
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (e) {
    throw new CsvMappingConfigError(configPath, [`cannot be read: ${(e as Error).message}`], {
      code: 'unreadable-mapping-config',
      cause: e,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new CsvMappingConfigError(configPath, [`is not valid JSON: ${(e as Error).message}`], { cause: e });
  }
  return parseCsvMappingConfig(json, configPath);
}
