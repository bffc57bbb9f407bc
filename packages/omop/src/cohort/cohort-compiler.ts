import { quoteIdentifier } from '../cdm-ddl.ts';
import { wellKnownConcepts } from '../well-known-concepts.ts';
import {
  domainOf,
  variableNamePattern,
  type CohortDefinition,
  type CohortWindow,
  type ConceptSelector,
  type ConceptSetItem,
  type OccurrenceDomain,
} from './cohort-definition.ts';
import { validateCohortDefinition, type CohortProblem } from './validate-cohort-definition.ts';

/** Options of {@link compileCohort}. */
export interface CompileCohortOptions {
  /** Schema of the OMOP CDM tables (incl. concept_ancestor and observation_period). @default 'cdm' */
  readonly schema?: string;
}

/** The type of an output column, as an analytics algorithm reads it. */
export type CohortColumnType = 'integer' | 'double' | 'boolean' | 'date' | 'varchar';

/** One output column of a compiled cohort. `integer` columns are BIGINT, `double` DOUBLE, `date` DATE. */
export interface CohortColumn {
  readonly name: string;
  readonly type: CohortColumnType;
}

/** A cohort compiled to one parameterised SELECT. */
export interface CompiledCohort {
  /** DuckDB SQL with positional parameters `$1 … $n`; no value of the definition is written into it. */
  readonly sql: string;
  /** The values of `$1 … $n`, in order (concept ids, days, ages): numbers only. */
  readonly params: readonly number[];
  /** person_id, index_date, end_date, then each variable (daysToEvent: `<name>` and `<name>_event`). */
  readonly columns: readonly CohortColumn[];
}

/** A cohort definition the compiler cannot use; `errors` says what to change and where. */
export class CohortDefinitionError extends Error {
  override readonly name = 'CohortDefinitionError';
  readonly code: 'invalid-definition' | 'invalid-schema';
  readonly errors: readonly CohortProblem[];
  constructor(code: CohortDefinitionError['code'], errors: readonly CohortProblem[]) {
    const lines = errors.map((e) => `  - ${e.path || '/'}: ${e.message}`).join('\n');
    super(`Cannot compile cohort: the definition is not valid\n${lines}`);
    this.code = code;
    this.errors = errors;
  }
}

interface DomainTable {
  readonly table: string;
  readonly concept: string;
  readonly start: string;
  readonly end: string | undefined;
  readonly value: string | undefined;
}

/** Where each domain's records live in CDM 5.4. A record without an end date ends on its start date. */
const domainTables: Readonly<Record<OccurrenceDomain, DomainTable>> = {
  condition: {
    table: 'condition_occurrence',
    concept: 'condition_concept_id',
    start: 'condition_start_date',
    end: 'condition_end_date',
    value: undefined,
  },
  drug: {
    table: 'drug_exposure',
    concept: 'drug_concept_id',
    start: 'drug_exposure_start_date',
    end: 'drug_exposure_end_date',
    value: undefined,
  },
  procedure: {
    table: 'procedure_occurrence',
    concept: 'procedure_concept_id',
    start: 'procedure_date',
    end: 'procedure_end_date',
    value: undefined,
  },
  measurement: {
    table: 'measurement',
    concept: 'measurement_concept_id',
    start: 'measurement_date',
    end: undefined,
    value: 'value_as_number',
  },
  observation: {
    table: 'observation',
    concept: 'observation_concept_id',
    start: 'observation_date',
    end: undefined,
    value: 'value_as_number',
  },
  visit: {
    table: 'visit_occurrence',
    concept: 'visit_concept_id',
    start: 'visit_start_date',
    end: 'visit_end_date',
    value: undefined,
  },
  visitDetail: {
    table: 'visit_detail',
    concept: 'visit_detail_concept_id',
    start: 'visit_detail_start_date',
    end: 'visit_detail_end_date',
    value: undefined,
  },
  device: {
    table: 'device_exposure',
    concept: 'device_concept_id',
    start: 'device_exposure_start_date',
    end: 'device_exposure_end_date',
    value: undefined,
  },
  death: {
    table: 'death',
    concept: 'cause_concept_id',
    start: 'death_date',
    end: undefined,
    value: undefined,
  },
};

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/i;

/** Bound parameters: every number of the definition enters the SQL as `CAST($n AS type)`, never as text. */
class Params {
  readonly values: number[] = [];
  add(value: number, type: 'BIGINT' | 'INTEGER'): string {
    this.values.push(value);
    return `CAST($${this.values.length} AS ${type})`;
  }
}

/**
 * Compiles a cohort definition to one parameterised DuckDB SELECT that returns one row per person in the
 * cohort: `person_id BIGINT, index_date DATE, end_date DATE`, then one column per variable, named after it
 * (daysToEvent adds `<name>_event`). Throws {@link CohortDefinitionError} when the definition is not valid.
 *
 * How the SELECT decides:
 * - Entry events are the domain's records whose concept is in the set (concept sets with `descendants`
 *   expand through concept_ancestor when the query runs; `exclude` removes concepts, with their descendants
 *   when the excluded item has `descendants`). The index date is the event's start (or end, `indexAt`). An
 *   event counts only when an observation period holds its index date with `priorDays` before and
 *   `postDays` after it. `first: true` keeps each person's earliest such event before the rules are applied.
 * - An event stays when it passes every inclusion rule; each person then enters once, with the earliest
 *   event that stays (ties broken by start, then end date).
 * - Windows compare a record's start date with the index date (or the entry's start/end), ends inclusive.
 *   Age is the index year minus year_of_birth (OHDSI's convention).
 * - end_date is the end of the observation period, or `fixedDays` after the entry's start/end capped by it.
 * - daysToEvent: days from the index date to the first record on or after `fromDays` (0 for death, else 1
 *   so that the entry record itself does not count), censored at min(index + censorAtDays, end of the
 *   observation period); `<name>_event` is 1 when the record falls within that time, else 0.
 *
 * @example
 * const { sql, params } = compileCohort(definition);
 * await connection.run(`CREATE TEMP TABLE cohort_1 AS ${sql}`, [...params]);
 */
export function compileCohort(
  definition: CohortDefinition,
  options: CompileCohortOptions = {},
): CompiledCohort {
  const schema = options.schema ?? 'cdm';
  if (!schemaPattern.test(schema)) {
    throw new CohortDefinitionError('invalid-schema', [
      { path: '', message: `schema name ${JSON.stringify(schema.slice(0, 70))} is not a plain SQL name` },
    ]);
  }
  const checked = validateCohortDefinition(definition);
  if (!checked.ok) throw new CohortDefinitionError('invalid-definition', checked.errors);
  return new CohortCompiler(checked.definition, quoteIdentifier(schema)).compile();
}

class CohortCompiler {
  private readonly params = new Params();
  private readonly ctes: string[] = [];
  private readonly conceptSetCtes = new Map<string, string>();
  private readonly eventCtes = new Map<string, string>();
  private readonly setNames: string[];

  constructor(
    private readonly definition: CohortDefinition,
    private readonly schema: string,
  ) {
    this.setNames = Object.keys(definition.conceptSets ?? {});
  }

  private table(name: string): string {
    return `${this.schema}.${quoteIdentifier(name)}`;
  }

  compile(): CompiledCohort {
    const entriesCte = this.compileEntries();
    this.compileInclusion(entriesCte);
    const columns: CohortColumn[] = [
      { name: 'person_id', type: 'integer' },
      { name: 'index_date', type: 'date' },
      { name: 'end_date', type: 'date' },
    ];
    const select = [
      'CAST(c.person_id AS BIGINT) AS person_id',
      'CAST(c.index_date AS DATE) AS index_date',
      `CAST(${this.exitDate()} AS DATE) AS end_date`,
    ];
    const joins: string[] = [];
    Object.entries(this.definition.variables ?? {}).forEach(([name, variable], i) => {
      // The validator guarantees the pattern; checked again because this is where a name becomes SQL.
      if (!variableNamePattern.test(name)) throw new Error(`Cannot compile cohort: bad variable name`);
      const column = quoteIdentifier(name);
      if ('age' in variable) {
        select.push(`CAST(EXTRACT(YEAR FROM c.index_date) - p.year_of_birth AS BIGINT) AS ${column}`);
        columns.push({ name, type: 'integer' });
        return;
      }
      if ('sex' in variable) {
        if (variable.sex === 'concept') {
          select.push(`CAST(p.gender_concept_id AS BIGINT) AS ${column}`);
          columns.push({ name, type: 'integer' });
        } else {
          select.push(
            `CAST(CASE WHEN p.gender_concept_id = ${wellKnownConcepts.male} THEN 'male' ` +
              `WHEN p.gender_concept_id = ${wellKnownConcepts.female} THEN 'female' ` +
              `WHEN coalesce(p.gender_concept_id, 0) = 0 THEN 'unknown' ELSE 'other' END AS VARCHAR) AS ${column}`,
          );
          columns.push({ name, type: 'varchar' });
        }
        return;
      }
      const found = domainOf(variable);
      if (found === undefined) throw new Error('Cannot compile cohort: a variable names no domain');
      const events = this.events(found.domain, found.selector);
      const alias = `v${i + 1}`;
      const window = (col: string) =>
        variable.window === undefined ? 'TRUE' : this.window(variable.window, col, 'c');
      const join = `LEFT JOIN ${alias} ON ${alias}.person_id = c.person_id`;
      switch (variable.value) {
        case 'exists':
        case 'count': {
          this.ctes.push(
            `${alias} AS (SELECT c.person_id, count(*) AS n FROM cohort c JOIN ${events} x ` +
              `ON x.person_id = c.person_id AND ${window('x.start_date')} GROUP BY c.person_id)`,
          );
          select.push(
            variable.value === 'count'
              ? `CAST(coalesce(${alias}.n, 0) AS BIGINT) AS ${column}`
              : `CAST(CASE WHEN ${alias}.n > 0 THEN 1 ELSE 0 END AS BIGINT) AS ${column}`,
          );
          columns.push({ name, type: 'integer' });
          break;
        }
        case 'mean':
        case 'min':
        case 'max': {
          const aggregate = variable.value === 'mean' ? 'avg' : variable.value;
          this.ctes.push(
            `${alias} AS (SELECT c.person_id, ${aggregate}(x.value) AS v FROM cohort c JOIN ${events} x ` +
              `ON x.person_id = c.person_id AND ${window('x.start_date')} WHERE x.value IS NOT NULL GROUP BY c.person_id)`,
          );
          select.push(`CAST(${alias}.v AS DOUBLE) AS ${column}`);
          columns.push({ name, type: 'double' });
          break;
        }
        case 'first':
        case 'last': {
          const order = variable.value === 'first' ? 'ASC' : 'DESC';
          // Ties on the same day are broken by the value, so that the result does not depend on row order.
          this.ctes.push(
            `${alias} AS (SELECT person_id, v FROM (SELECT c.person_id, x.value AS v, row_number() OVER ` +
              `(PARTITION BY c.person_id ORDER BY x.start_date ${order}, x.value ${order}) AS ordinal ` +
              `FROM cohort c JOIN ${events} x ON x.person_id = c.person_id AND ${window('x.start_date')} ` +
              `WHERE x.value IS NOT NULL) AS ranked WHERE ordinal = 1)`,
          );
          select.push(`CAST(${alias}.v AS DOUBLE) AS ${column}`);
          columns.push({ name, type: 'double' });
          break;
        }
        case 'daysToEvent': {
          const window = variable.window;
          const fromDays =
            (window !== undefined && 'fromDays' in window ? window.fromDays : undefined) ??
            (found.domain === 'death' ? 0 : 1);
          const from = this.params.add(fromDays, 'INTEGER');
          const censorAtDays = variable.censorAtDays;
          if (censorAtDays === undefined)
            throw new Error('Cannot compile cohort: daysToEvent without censorAtDays');
          const censor = `least(c.index_date + ${this.params.add(censorAtDays, 'INTEGER')}, c.op_end)`;
          this.ctes.push(
            `${alias} AS (SELECT c.person_id, min(x.start_date) AS event_date FROM cohort c JOIN ${events} x ` +
              `ON x.person_id = c.person_id AND x.start_date >= c.index_date + ${from} GROUP BY c.person_id)`,
          );
          const happened = `${alias}.event_date IS NOT NULL AND ${alias}.event_date <= ${censor}`;
          select.push(
            `CAST(CASE WHEN ${happened} THEN ${alias}.event_date - c.index_date ELSE ${censor} - c.index_date END AS BIGINT) AS ${column}`,
            `CAST(CASE WHEN ${happened} THEN 1 ELSE 0 END AS BIGINT) AS ${quoteIdentifier(`${name}_event`)}`,
          );
          columns.push({ name, type: 'integer' }, { name: `${name}_event`, type: 'integer' });
          break;
        }
      }
      joins.push(join);
    });

    const sql =
      `WITH ${this.ctes.join(',\n')}\n` +
      `SELECT ${select.join(',\n  ')}\n` +
      `FROM cohort c\nJOIN ${this.table('person')} p ON p.person_id = c.person_id\n` +
      joins.map((j) => `${j}\n`).join('') +
      'ORDER BY c.person_id';
    return { sql, params: Object.freeze([...this.params.values]), columns: Object.freeze(columns) };
  }

  /** The CTE of a concept set's concept ids, compiled once per set. */
  private conceptSet(key: string, items: readonly ConceptSetItem[]): string {
    const known = this.conceptSetCtes.get(key);
    if (known !== undefined) return known;
    const name = `cs${this.conceptSetCtes.size + 1}`;
    const rows = items.map(
      (item) =>
        `(${this.params.add(item.concept, 'BIGINT')}, ${item.descendants === true ? 'TRUE' : 'FALSE'}, ` +
        `${item.exclude === true ? 'TRUE' : 'FALSE'})`,
    );
    this.ctes.push(`${name}_items(concept_id, descendants, excluded) AS (VALUES ${rows.join(', ')})`);
    const descendants = items.some((item) => item.descendants === true)
      ? ` UNION ALL SELECT ca.descendant_concept_id, i.excluded FROM ${name}_items i ` +
        `JOIN ${this.table('concept_ancestor')} ca ON ca.ancestor_concept_id = i.concept_id WHERE i.descendants`
      : '';
    // A concept is in the set when an included item reaches it and no excluded item does.
    this.ctes.push(
      `${name} AS (SELECT concept_id FROM (SELECT concept_id, excluded FROM ${name}_items${descendants}) AS expanded ` +
        `GROUP BY concept_id HAVING NOT bool_or(excluded))`,
    );
    this.conceptSetCtes.set(key, name);
    return name;
  }

  /** The CTE of a domain's records that match a selector: person_id, start_date, end_date, value. */
  private events(domain: OccurrenceDomain, selector: ConceptSelector): string {
    let setCte: string | undefined;
    if (selector.conceptSet !== undefined) {
      const items = this.definition.conceptSets?.[selector.conceptSet];
      if (items === undefined) throw new Error('Cannot compile cohort: unknown concept set');
      setCte = this.conceptSet(`set:${this.setNames.indexOf(selector.conceptSet)}`, items);
    } else if (selector.concept !== undefined) {
      const item = { concept: selector.concept, descendants: selector.descendants === true };
      setCte = this.conceptSet(`concept:${item.concept}:${item.descendants}`, [item]);
    }
    const key = `${domain}:${setCte ?? '*'}`;
    const known = this.eventCtes.get(key);
    if (known !== undefined) return known;
    const name = `ev${this.eventCtes.size + 1}`;
    const t = domainTables[domain];
    const end = t.end === undefined ? t.start : `coalesce(${t.end}, ${t.start})`;
    const value = t.value === undefined ? 'CAST(NULL AS DOUBLE)' : `CAST(${t.value} AS DOUBLE)`;
    const filter = setCte === undefined ? '' : ` AND ${t.concept} IN (SELECT concept_id FROM ${setCte})`;
    this.ctes.push(
      `${name} AS (SELECT person_id, CAST(${t.start} AS DATE) AS start_date, CAST(${end} AS DATE) AS end_date, ` +
        `${value} AS value FROM ${this.table(t.table)} WHERE ${t.start} IS NOT NULL${filter})`,
    );
    this.eventCtes.set(key, name);
    return name;
  }

  /** SQL that is true when `column` (a date) lies in the window around the entry row `row`. */
  private window(window: CohortWindow, column: string, row: string): string {
    if ('from' in window) {
      const anchor = {
        'entry.start': `${row}.start_date`,
        'entry.end': `${row}.end_date`,
        index: `${row}.index_date`,
      };
      return `${column} >= ${anchor[window.from]} AND ${column} <= ${anchor[window.to]}`;
    }
    const parts: string[] = [];
    if (window.fromDays !== undefined)
      parts.push(`${column} >= ${row}.index_date + ${this.params.add(window.fromDays, 'INTEGER')}`);
    if (window.toDays !== undefined)
      parts.push(`${column} <= ${row}.index_date + ${this.params.add(window.toDays, 'INTEGER')}`);
    return parts.length === 0 ? 'TRUE' : parts.join(' AND ');
  }

  private compileEntries(): string {
    const entry = this.definition.entry;
    const criteria = 'anyOf' in entry ? entry.anyOf : [entry];
    const sources = criteria.map((criterion) => {
      const found = domainOf(criterion);
      if (found === undefined) throw new Error('Cannot compile cohort: an entry criterion names no domain');
      return `SELECT person_id, start_date, end_date FROM ${this.events(found.domain, found.selector)}`;
    });
    const index = entry.indexAt === 'end' ? 'e.end_date' : 'e.start_date';
    const prior = this.params.add(entry.observationWindow?.priorDays ?? 0, 'INTEGER');
    const post = this.params.add(entry.observationWindow?.postDays ?? 0, 'INTEGER');
    this.ctes.push(
      `entries AS (SELECT e.person_id, e.start_date, e.end_date, ${index} AS index_date, ` +
        `op.observation_period_start_date AS op_start, op.observation_period_end_date AS op_end ` +
        `FROM (${sources.join(' UNION ')}) AS e JOIN ${this.table('observation_period')} op ` +
        `ON op.person_id = e.person_id AND ${index} >= op.observation_period_start_date + ${prior} ` +
        `AND ${index} + ${post} <= op.observation_period_end_date)`,
    );
    if (entry.first !== true) return 'entries';
    this.ctes.push(
      `first_entries AS (SELECT person_id, start_date, end_date, index_date, op_start, op_end FROM (` +
        `SELECT *, row_number() OVER (PARTITION BY person_id ORDER BY index_date, start_date, end_date) AS ordinal ` +
        `FROM entries) AS ranked WHERE ordinal = 1)`,
    );
    return 'first_entries';
  }

  private compileInclusion(entries: string): void {
    const conditions = (this.definition.inclusion ?? []).map((rule) => {
      if ('age' in rule) {
        const age = 'EXTRACT(YEAR FROM e.index_date) - p.year_of_birth';
        const parts: string[] = [];
        if (rule.age.min !== undefined) parts.push(`${age} >= ${this.params.add(rule.age.min, 'INTEGER')}`);
        if (rule.age.max !== undefined) parts.push(`${age} <= ${this.params.add(rule.age.max, 'INTEGER')}`);
        return `(${parts.join(' AND ')})`;
      }
      if ('sex' in rule) {
        const concept =
          rule.sex === 'male'
            ? wellKnownConcepts.male
            : rule.sex === 'female'
              ? wellKnownConcepts.female
              : rule.sex;
        return `p.gender_concept_id = ${this.params.add(concept, 'BIGINT')}`;
      }
      const found = domainOf(rule);
      if (found === undefined) throw new Error('Cannot compile cohort: an inclusion rule names no domain');
      const events = this.events(found.domain, found.selector);
      const inWindow = rule.window === undefined ? 'TRUE' : this.window(rule.window, 'x.start_date', 'e');
      const min = rule.occurrences?.min ?? 1;
      const max = rule.occurrences?.max;
      const matching = `FROM ${events} x WHERE x.person_id = e.person_id AND ${inWindow}`;
      let met: string;
      if (min === 1 && max === undefined) met = `EXISTS (SELECT 1 ${matching})`;
      else {
        const count = `(SELECT count(*) ${matching})`;
        met =
          max === undefined
            ? `${count} >= ${this.params.add(min, 'INTEGER')}`
            : `${count} BETWEEN ${this.params.add(min, 'INTEGER')} AND ${this.params.add(max, 'INTEGER')}`;
      }
      return rule.negate === true ? `NOT (${met})` : `(${met})`;
    });
    this.ctes.push(
      `qualified AS (SELECT e.person_id, e.start_date, e.end_date, e.index_date, e.op_start, e.op_end ` +
        `FROM ${entries} e JOIN ${this.table('person')} p ON p.person_id = e.person_id` +
        (conditions.length === 0 ? '' : ` WHERE ${conditions.join('\n    AND ')}`) +
        ')',
      `cohort AS (SELECT person_id, start_date, end_date, index_date, op_start, op_end FROM (` +
        `SELECT *, row_number() OVER (PARTITION BY person_id ORDER BY index_date, start_date, end_date) AS ordinal ` +
        `FROM qualified) AS ranked WHERE ordinal = 1)`,
    );
  }

  private exitDate(): string {
    const exit = this.definition.exit;
    if (exit === undefined || 'endOfObservation' in exit) return 'c.op_end';
    const from = exit.from === 'end' ? 'c.end_date' : 'c.start_date';
    return `least(${from} + ${this.params.add(exit.fixedDays, 'INTEGER')}, c.op_end)`;
  }
}
