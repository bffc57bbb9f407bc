import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import {
  CohortDefinitionSchema,
  domainOf,
  valueDomains,
  variableNamePattern,
  type CohortDefinition,
  type CohortWindow,
  type ConceptSelector,
} from './cohort-definition.ts';

/** One problem of a cohort definition: where (a JSON pointer into the input) and what to change. */
export interface CohortProblem {
  readonly path: string;
  readonly message: string;
}

/** The result of {@link validateCohortDefinition}. */
export type CohortValidation =
  | { readonly ok: true; readonly definition: CohortDefinition }
  | { readonly ok: false; readonly errors: readonly CohortProblem[] };

/** Column names every compiled cohort has; no variable may take them. */
export const cohortBaseColumns = ['person_id', 'index_date', 'end_date'] as const;

/** Longest variable name: `<name>_event` (daysToEvent's twin) must fit PostgreSQL's 63 characters too. */
const maxVariableNameWithTwin = 63 - '_event'.length;

/**
 * Checks that `input` is a cohort definition the compiler can use: its shape (the TypeBox schemas), and what a
 * schema cannot say — concept sets that are referenced exist, windows do not end before they start, variable
 * names are valid column names that do not collide (DuckDB compares names case-insensitively). Every problem
 * is reported, each with the JSON pointer of the offending value.
 *
 * @example
 * const checked = validateCohortDefinition(JSON.parse(text));
 * if (!checked.ok) for (const e of checked.errors) console.log(`${e.path}: ${e.message}`);
 */
export function validateCohortDefinition(input: unknown): CohortValidation {
  // The schema read as the plain JSON Schema it is (TypeBox's types are too precise to walk generically).
  const structural = checkSchema(CohortDefinitionSchema as unknown as JsonSchema, input, '');
  if (structural.length > 0) return { ok: false, errors: structural };
  const definition = structuredClone(input) as CohortDefinition;
  const errors = checkMeaning(definition);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, definition };
}

// ---------------------------------------------------------------------------------------------------------
// Shape. TypeBox's own errors for a union list every branch's complaint ("must have required properties
// procedure", "must not have additional properties" …, nine times over); a person needs to hear which
// branch they meant and what is wrong with it, so the walk below picks the branch by its identifying keys.

interface JsonSchema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly patternProperties?: Readonly<Record<string, JsonSchema>>;
  readonly maxProperties?: number;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly anyOf?: readonly JsonSchema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
}

/** A JSON pointer segment (RFC 6901). */
function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

const leafValidators = new WeakMap<object, ReturnType<typeof Compile>>();

function checkLeaf(schema: JsonSchema, value: unknown, path: string): CohortProblem[] {
  if (schema.enum !== undefined) {
    return schema.enum.includes(value)
      ? []
      : [{ path, message: `must be one of ${quoteList(schema.enum)}, not ${describe(value)}` }];
  }
  if (schema.const !== undefined) {
    return value === schema.const
      ? []
      : [{ path, message: `must be ${JSON.stringify(schema.const)}, not ${describe(value)}` }];
  }
  let validator = leafValidators.get(schema);
  if (validator === undefined) {
    validator = Compile(schema as TSchema);
    leafValidators.set(schema, validator);
  }
  if (validator.Check(value)) return [];
  const first = validator.Errors(value)[0];
  const expected = schema.type === 'integer' ? 'a whole number' : `a ${schema.type ?? 'value'}`;
  const message =
    first === undefined || first.keyword === 'type'
      ? `must be ${expected}, not ${describe(value)}`
      : `${first.message} (is ${describe(value)})`;
  return [{ path, message }];
}

/** Keys required by exactly one branch of a union: the keys that say which branch was meant. */
function identifyingKeys(branches: readonly JsonSchema[]): string[][] {
  const counts = new Map<string, number>();
  for (const branch of branches)
    for (const key of branch.required ?? []) counts.set(key, (counts.get(key) ?? 0) + 1);
  return branches.map((branch) => (branch.required ?? []).filter((key) => counts.get(key) === 1));
}

function checkUnion(schema: JsonSchema, branches: readonly JsonSchema[], value: unknown, path: string) {
  const objectBranches = branches.every((b) => b.type === 'object' && b.properties !== undefined);
  if (!objectBranches) {
    const literals: unknown[] = branches.map((b) => b.const);
    if (!literals.includes(undefined) && !literals.includes(value)) {
      return [{ path, message: `must be one of ${quoteList(literals)}, not ${describe(value)}` }];
    }
    return checkLeaf(schema, value, path);
  }
  if (!isPlainObject(value)) return [{ path, message: `must be an object, not ${describe(value)}` }];
  const identifying = identifyingKeys(branches);
  const present = Object.keys(value);
  const meant = branches.filter((_, i) => identifying[i]?.some((key) => present.includes(key)));
  if (meant.length === 1 && meant[0] !== undefined) return checkSchema(meant[0], value, path);
  const allKeys = [...new Set(identifying.flat())];
  if (meant.length > 1) {
    const clash = allKeys.filter((key) => present.includes(key));
    return [{ path, message: `has ${quoteList(clash)}: give exactly one of them` }];
  }
  const open = branches.filter((_, i) => identifying[i]?.length === 0);
  if (open.length === 1 && open[0] !== undefined) return checkSchema(open[0], value, path);
  return [{ path, message: `must have one of ${quoteList(allKeys)}` }];
}

function checkObject(schema: JsonSchema, value: unknown, path: string): CohortProblem[] {
  if (!isPlainObject(value)) return [{ path, message: `must be an object, not ${describe(value)}` }];
  const problems: CohortProblem[] = [];
  if (schema.patternProperties !== undefined) {
    const entries = Object.entries(value);
    if (schema.maxProperties !== undefined && entries.length > schema.maxProperties) {
      problems.push({
        path,
        message: `has ${entries.length} entries; at most ${schema.maxProperties} allowed`,
      });
    }
    const itemSchema = Object.values(schema.patternProperties)[0];
    if (itemSchema !== undefined)
      for (const [key, item] of entries) problems.push(...checkSchema(itemSchema, item, pointer(path, key)));
    return problems;
  }
  const properties = schema.properties ?? {};
  for (const key of schema.required ?? []) {
    if (!Object.hasOwn(value, key)) problems.push({ path, message: `is missing ${JSON.stringify(key)}` });
  }
  for (const [key, item] of Object.entries(value)) {
    const propertySchema = properties[key];
    if (propertySchema === undefined) {
      problems.push({
        path: pointer(path, key),
        message: `is not a known property here (expected ${quoteList(Object.keys(properties))})`,
      });
      continue;
    }
    problems.push(...checkSchema(propertySchema, item, pointer(path, key)));
  }
  return problems;
}

function checkSchema(schema: JsonSchema, value: unknown, path: string): CohortProblem[] {
  if (schema.anyOf !== undefined) return checkUnion(schema, schema.anyOf, value, path);
  if (schema.type === 'object') return checkObject(schema, value, path);
  if (schema.type === 'array') {
    if (!Array.isArray(value)) return [{ path, message: `must be an array, not ${describe(value)}` }];
    const problems: CohortProblem[] = [];
    if (schema.minItems !== undefined && value.length < schema.minItems)
      problems.push({ path, message: `must have at least ${schema.minItems} item(s)` });
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      problems.push({ path, message: `must have at most ${schema.maxItems} items, not ${value.length}` });
    const items = schema.items;
    if (items !== undefined)
      value.forEach((item, i) => problems.push(...checkSchema(items, item, pointer(path, i))));
    return problems;
  }
  return checkLeaf(schema, value, path);
}

// ---------------------------------------------------------------------------------------------------------
// Meaning.

function checkMeaning(definition: CohortDefinition): CohortProblem[] {
  const problems: CohortProblem[] = [];
  const conceptSets = definition.conceptSets ?? {};
  const setNames = Object.keys(conceptSets);

  for (const [name, items] of Object.entries(conceptSets)) {
    const path = pointer('/conceptSets', name);
    if (name.length > 200) problems.push({ path, message: 'concept set name is longer than 200 characters' });
    if (!items.some((item) => item.exclude !== true)) {
      problems.push({ path, message: 'has only excluded concepts; add at least one concept to include' });
    }
  }

  const checkSelector = (selector: ConceptSelector, path: string) => {
    if (selector.conceptSet !== undefined && selector.concept !== undefined) {
      problems.push({ path, message: 'has both "conceptSet" and "concept": give one of them' });
    }
    if (selector.descendants !== undefined && selector.concept === undefined) {
      problems.push({
        path: `${path}/descendants`,
        message: 'applies only with "concept"; for a concept set, set "descendants" on its items',
      });
    }
    if (selector.conceptSet !== undefined && !Object.hasOwn(conceptSets, selector.conceptSet)) {
      const known = setNames.length === 0 ? 'none is defined' : `defined: ${quoteList(setNames)}`;
      problems.push({
        path: `${path}/conceptSet`,
        message: `refers to concept set ${JSON.stringify(selector.conceptSet)}, which "conceptSets" does not define (${known})`,
      });
    }
  };

  const entry = definition.entry;
  const indexAt = entry.indexAt ?? 'start';
  if ('anyOf' in entry) {
    entry.anyOf.forEach((criterion, i) => {
      const found = domainOf(criterion);
      if (found !== undefined) checkSelector(found.selector, `/entry/anyOf/${i}/${found.domain}`);
    });
  } else {
    const found = domainOf(entry);
    if (found !== undefined) checkSelector(found.selector, `/entry/${found.domain}`);
  }

  const checkWindow = (window: CohortWindow, path: string) => {
    if ('from' in window) {
      const rank = { 'entry.start': 0, index: indexAt === 'start' ? 0 : 2, 'entry.end': 2 } as const;
      if (rank[window.from] > rank[window.to]) {
        problems.push({
          path,
          message: `starts at ${window.from} and ends at ${window.to}, which comes before it (index is the entry's ${indexAt})`,
        });
      }
    } else if (
      window.fromDays !== undefined &&
      window.toDays !== undefined &&
      window.fromDays > window.toDays
    ) {
      problems.push({
        path,
        message: `starts after it ends (fromDays ${window.fromDays} > toDays ${window.toDays}); swap them`,
      });
    }
  };

  const ruleNames = new Map<string, number>();
  (definition.inclusion ?? []).forEach((rule, i) => {
    const path = `/inclusion/${i}`;
    const earlier = ruleNames.get(rule.name);
    if (earlier !== undefined) {
      problems.push({
        path: `${path}/name`,
        message: `repeats the name of inclusion rule ${earlier} (${JSON.stringify(rule.name)}); rule names must differ`,
      });
    } else ruleNames.set(rule.name, i);
    if ('age' in rule) {
      const { min, max } = rule.age;
      if (min === undefined && max === undefined)
        problems.push({ path: `${path}/age`, message: 'needs "min", "max" or both' });
      if (min !== undefined && max !== undefined && min > max)
        problems.push({ path: `${path}/age`, message: `min ${min} is above max ${max}` });
      return;
    }
    if ('sex' in rule) return;
    const found = domainOf(rule);
    if (found === undefined) return;
    checkSelector(found.selector, `${path}/${found.domain}`);
    if (rule.window !== undefined) checkWindow(rule.window, `${path}/window`);
    const min = rule.occurrences?.min ?? 1;
    const max = rule.occurrences?.max;
    if (max !== undefined && min > max)
      problems.push({ path: `${path}/occurrences`, message: `min ${min} is above max ${max}` });
    if (min === 0 && max === undefined)
      problems.push({
        path: `${path}/occurrences`,
        message: 'min 0 without max is always met; give a max, or use "negate": true for "none"',
      });
  });

  const columns = new Map<string, string>(cohortBaseColumns.map((c) => [c, 'a column every cohort has']));
  const claim = (column: string, owner: string, path: string) => {
    const key = column.toLowerCase();
    const taken = columns.get(key);
    if (taken !== undefined) {
      problems.push({
        path,
        message: `column ${JSON.stringify(column)} clashes with ${taken} (column names are compared ignoring case)`,
      });
    } else columns.set(key, owner);
  };
  for (const [name, variable] of Object.entries(definition.variables ?? {})) {
    const path = pointer('/variables', name);
    if (!variableNamePattern.test(name)) {
      problems.push({
        path,
        message: `variable name ${JSON.stringify(name.slice(0, 70))} must start with a lower-case letter and contain only letters, digits and _ (at most 63 characters)`,
      });
      continue;
    }
    claim(name, `variable ${JSON.stringify(name)}`, path);
    if ('age' in variable || 'sex' in variable) continue;
    const found = domainOf(variable);
    if (found === undefined) continue;
    checkSelector(found.selector, `${path}/${found.domain}`);
    const value = variable.value;
    if (value === 'daysToEvent') {
      claim(`${name}_event`, `the event column of variable ${JSON.stringify(name)}`, path);
      if (name.length > maxVariableNameWithTwin)
        problems.push({
          path,
          message: `a daysToEvent variable's name may have at most ${maxVariableNameWithTwin} characters, so that "${name.slice(0, 10)}…_event" fits`,
        });
      if (variable.censorAtDays === undefined)
        problems.push({ path, message: 'daysToEvent needs "censorAtDays" (the longest follow-up in days)' });
      const window = variable.window;
      if (window !== undefined && ('from' in window || window.toDays !== undefined)) {
        problems.push({
          path: `${path}/window`,
          message:
            'daysToEvent takes only "fromDays" (the first day events count, 0 = the index date); follow-up ends at censorAtDays',
        });
      } else if (window?.fromDays !== undefined && window.fromDays < 0) {
        problems.push({
          path: `${path}/window/fromDays`,
          message: 'daysToEvent counts events from the index date on: fromDays must be 0 or more',
        });
      }
      continue;
    }
    if (variable.censorAtDays !== undefined)
      problems.push({
        path: `${path}/censorAtDays`,
        message: `applies only to "daysToEvent", not to "${value}"`,
      });
    if (variable.window === undefined) {
      problems.push({
        path,
        message: `needs a "window" (e.g. { "fromDays": -365, "toDays": 0 }) saying when records count for "${value}"`,
      });
    } else checkWindow(variable.window, `${path}/window`);
    if (
      value !== 'exists' &&
      value !== 'count' &&
      !(valueDomains as readonly string[]).includes(found.domain)
    ) {
      problems.push({
        path: `${path}/value`,
        message: `"${value}" needs numeric values, which only ${quoteList(valueDomains)} have; use "exists" or "count" for ${found.domain}`,
      });
    }
  }
  return problems;
}
