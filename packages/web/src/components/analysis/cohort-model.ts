/*
 * The cohort language as the builder edits it (packages/omop/README.md, "Cohort language"): the shapes of
 * `cohort-definition.ts`, spelt out for the web app, which knows the hub only through its API (the hub keeps
 * definitions as JSON and validates them with the language's own validator when they are saved).
 */

/** The OMOP domains a criterion can name. */
export const domains = [
  'condition',
  'drug',
  'procedure',
  'measurement',
  'observation',
  'visit',
  'visitDetail',
  'device',
  'death',
] as const;
export type Domain = (typeof domains)[number];

/** Domains whose records carry a numeric value (value_as_number). */
export const valueDomains: readonly Domain[] = ['measurement', 'observation'];

/** The domains, in words. */
export const domainNames: Readonly<Record<Domain, string>> = {
  condition: 'Condition',
  drug: 'Drug exposure',
  procedure: 'Procedure',
  measurement: 'Measurement',
  observation: 'Observation',
  visit: 'Visit',
  visitDetail: 'Visit detail (e.g. ICU stay)',
  device: 'Device exposure',
  death: 'Death',
};

/** One item of a concept set. */
export interface ConceptSetItem {
  concept: number;
  descendants?: boolean | undefined;
  exclude?: boolean | undefined;
}

/** Which records of a domain: a named concept set, one concept, or (empty) every record. */
export interface ConceptSelector {
  conceptSet?: string | undefined;
  concept?: number | undefined;
  descendants?: boolean | undefined;
}

/** A window in days relative to the index date, or between points of the entry event. */
export type CohortWindow =
  { fromDays?: number | undefined; toDays?: number | undefined } | { from: WindowAnchor; to: WindowAnchor };

export const windowAnchors = ['entry.start', 'entry.end', 'index'] as const;
export type WindowAnchor = (typeof windowAnchors)[number];

/** A cohort definition (shape of the language; the hub checks the meaning). */
export interface CohortDefinition {
  name: string;
  conceptSets?: Record<string, ConceptSetItem[]> | undefined;
  entry: Record<string, unknown>;
  inclusion?: Record<string, unknown>[] | undefined;
  exit?: { endOfObservation: true } | { fixedDays: number; from?: 'start' | 'end' | undefined } | undefined;
  variables?: Record<string, Record<string, unknown>> | undefined;
}

/** What a variable computes from its domain's records. */
export const variableValues = [
  'exists',
  'count',
  'first',
  'last',
  'mean',
  'min',
  'max',
  'daysToEvent',
] as const;
export type VariableValue = (typeof variableValues)[number];

/** The values that read value_as_number (measurement and observation only). */
export const numericValues: readonly VariableValue[] = ['first', 'last', 'mean', 'min', 'max'];

export const variableValueNames: Readonly<Record<VariableValue, string>> = {
  exists: 'Exists (0/1)',
  count: 'Number of records',
  first: 'First value',
  last: 'Last value',
  mean: 'Mean value',
  min: 'Lowest value',
  max: 'Highest value',
  daysToEvent: 'Days to event (with censoring)',
};

/** The pattern of a variable name (a safe column name). */
export const variableNamePattern = /^[a-z][a-zA-Z0-9_]{0,62}$/;

/** A new, minimal definition to start from: every inpatient visit, with age and sex. */
export function newCohortDefinition(): CohortDefinition {
  return {
    name: 'New cohort',
    conceptSets: {},
    entry: { visit: { concept: 9201 }, first: true },
    inclusion: [],
    exit: { endOfObservation: true },
    variables: { age: { age: 'index' }, sex: { sex: 'label' } },
  };
}

/** The domain a criterion names (its one domain key) and its selector, if it names one. */
export function domainOf(criterion: object): { domain: Domain; selector: ConceptSelector } | undefined {
  for (const domain of domains) {
    if (Object.hasOwn(criterion, domain)) {
      const selector = (criterion as Record<string, unknown>)[domain];
      return {
        domain,
        selector: typeof selector === 'object' && selector !== null ? (selector as ConceptSelector) : {},
      };
    }
  }
  return undefined;
}

/** `criterion` with its domain key replaced by `domain` (keeping the selector and the other keys, in order). */
export function withDomain<T extends Record<string, unknown>>(
  criterion: T,
  domain: Domain,
  selector?: ConceptSelector,
): Record<string, unknown> {
  const current = domainOf(criterion);
  const result: Record<string, unknown> = {};
  let placed = false;
  for (const [key, value] of Object.entries(criterion)) {
    if ((domains as readonly string[]).includes(key)) {
      result[domain] = selector ?? current?.selector ?? {};
      placed = true;
    } else result[key] = value;
  }
  if (!placed) return { [domain]: selector ?? {}, ...result };
  return result;
}

/** `record` without the keys whose value is undefined (the language's objects are strict). */
export function compact<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}

/** The columns a cohort's variables give the cohort table: a daysToEvent variable adds its `<name>_event` twin. */
export function variableColumns(variables: Readonly<Record<string, unknown>> | undefined): string[] {
  const columns: string[] = [];
  for (const [name, variable] of Object.entries(variables ?? {})) {
    columns.push(name);
    if ((variable as { value?: unknown } | null)?.value === 'daysToEvent') columns.push(`${name}_event`);
  }
  return columns;
}

/** The variable names the cohort table has, with what each holds, for pickers. */
export function describeVariables(
  variables: Readonly<Record<string, unknown>> | undefined,
): { name: string; description: string }[] {
  const described: { name: string; description: string }[] = [];
  for (const [name, raw] of Object.entries(variables ?? {})) {
    const variable = (raw ?? {}) as Record<string, unknown>;
    if ('age' in variable) described.push({ name, description: 'age at index' });
    else if ('sex' in variable) described.push({ name, description: 'sex' });
    else {
      const domain = domainOf(variable)?.domain;
      const value = typeof variable['value'] === 'string' ? variable['value'] : '';
      const what = `${domain === undefined ? '' : domainNames[domain].toLowerCase()} ${
        variableValueNames[value as VariableValue]?.toLowerCase() ?? value
      }`.trim();
      described.push({ name, description: what });
      if (value === 'daysToEvent')
        described.push({ name: `${name}_event`, description: `event of ${name} (0/1)` });
    }
  }
  return described;
}

/** A problem the hub found in a definition: where (a JSON pointer) and what to change. */
export interface DefinitionProblem {
  readonly path: string;
  readonly message: string;
}

/** The problems at `path` exactly. */
export function problemsAt(problems: readonly DefinitionProblem[], path: string): string[] {
  return problems.filter((problem) => problem.path === path).map((problem) => problem.message);
}

/** The problems at `path` or below it. */
export function problemsUnder(problems: readonly DefinitionProblem[], path: string): string[] {
  return problems
    .filter((problem) => problem.path === path || problem.path.startsWith(`${path}/`))
    .map((problem) => problem.message);
}

/** The id of the form field that edits the value at a JSON pointer (so a problem can link to its field). */
export function fieldIdOf(prefix: string, pointer: string): string {
  return `${prefix}${pointer.replace(/[^a-zA-Z0-9_-]/g, (c) => (c === '/' ? '--' : `_${c.charCodeAt(0)}`))}`;
}

/**
 * Parses the text of the JSON view: the definition when it is a JSON object with a name and an entry,
 * otherwise why not (the hub checks the rest when it is saved).
 */
export function parseCohortJson(
  text: string,
): { ok: true; definition: CohortDefinition } | { ok: false; message: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `Cannot read the JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, message: 'Cannot use the JSON: a cohort definition is an object' };
  }
  const record = parsed as Record<string, unknown>;
  if (typeof record['name'] !== 'string') {
    return { ok: false, message: 'Cannot use the JSON: the definition needs a "name" (text)' };
  }
  if (typeof record['entry'] !== 'object' || record['entry'] === null || Array.isArray(record['entry'])) {
    return { ok: false, message: 'Cannot use the JSON: the definition needs an "entry" event (an object)' };
  }
  return { ok: true, definition: record as unknown as CohortDefinition };
}
