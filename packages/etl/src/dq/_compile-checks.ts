/**
 * Turns the DQD check definitions into SQL for DuckDB. Every check becomes a numerator and a denominator
 * aggregate over a FROM clause, plus a query that lists its violating rows. Checks whose FROM clauses can
 * be merged (the same table with row-preserving joins, or the same union of per-field/per-concept parts)
 * share a batch id, so that the runner answers a whole table with one query.
 */
import { quoteIdentifier } from '@polder/omop';
import type {
  DqdBound,
  DqdCheckLevel,
  DqdCheckParameters,
  DqdCheckType,
  DqdConceptChecks,
  DqdFieldChecks,
  DqdTableChecks,
} from './_dqd-definitions.ts';
import {
  dqdCheckTypes,
  dqdConceptChecks,
  dqdFieldChecks,
  dqdTableChecks,
} from './dqd-thresholds.generated.ts';
import { observationPeriodChecks, polderCheckTypes } from './_polder-checks.ts';

/** Tables and their columns (lower-case name → DuckDB type) as found in the CDM schema. */
export type CdmCatalog = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** A join that keeps one output row per row of the checked table (its right side is unique on the key). */
export interface RowPreservingJoin {
  readonly id: string;
  readonly sql: string;
}

/** How a check's FROM clause is built; checks of one batch have the same kind and base. */
export type FromSpec =
  | { readonly kind: 'joins'; readonly base: string; readonly joins: readonly RowPreservingJoin[] }
  | {
      readonly kind: 'union';
      readonly prefix: string;
      readonly parts: readonly string[];
      readonly suffix: string;
    }
  | { readonly kind: 'plain'; readonly sql: string };

/** The SQL of one check. */
export interface CheckSql {
  readonly batchId: string;
  readonly from: FromSpec;
  /** Group key expression of the batch query; the check reads the row whose key equals `key`. */
  readonly groupBy?: string;
  readonly key?: string;
  readonly numerator: string;
  readonly denominator: string;
  readonly violatingRowsSql: string;
}

/** One check to run, before it has a result. */
export interface CompiledCheck {
  readonly checkId: string;
  readonly checkName: string;
  readonly level: DqdCheckLevel;
  readonly table: string;
  readonly field?: string;
  readonly conceptId?: number;
  readonly conceptName?: string;
  readonly unitConceptId?: number;
  readonly type: DqdCheckType;
  readonly description: string;
  readonly threshold: number;
  readonly notes?: string;
  /** Either SQL to run, a result known from the catalog (cdmTable, cdmField), or why it cannot run. */
  readonly plan:
    | { readonly kind: 'sql'; readonly sql: CheckSql }
    | {
        readonly kind: 'known';
        readonly numViolatedRows: number;
        readonly numDenominatorRows: number;
        readonly violatingRowsSql: string;
      }
    | { readonly kind: 'error'; readonly error: string };
}

const id = quoteIdentifier;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;
// count_if is several times faster in DuckDB than count(*) FILTER (WHERE …) when a query holds many.
const countWhere = (condition: string): string => `count_if(${condition})`;
const isDateType = (datatype: string): boolean => /^(date|datetime|timestamp)/i.test(datatype);
const integerTypes = new Set([
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'UHUGEINT',
]);

function checkType(name: string, level: DqdCheckLevel): DqdCheckType {
  const found =
    dqdCheckTypes.find((t) => t.name === name && t.level === level) ??
    polderCheckTypes.find((t) => t.name === name && t.level === level) ??
    dqdCheckTypes.find((t) => t.name === name);
  if (!found) throw new Error(`Cannot compile check ${name}: no description for it`);
  return found;
}

function boundSql(bound: DqdBound): string {
  if ('number' in bound) return String(bound.number);
  if ('date' in bound) return `DATE ${literal(bound.date)}`;
  if ('daysFromToday' in bound) return `(current_date + ${bound.daysFromToday})`;
  return `(year(current_date) + ${bound.yearsFromThisYear})`;
}

function boundText(bound: DqdBound): string {
  if ('number' in bound) return String(bound.number);
  if ('date' in bound) return bound.date;
  if ('daysFromToday' in bound) return `today + ${bound.daysFromToday} day(s)`;
  return `this year + ${bound.yearsFromThisYear}`;
}

/** Fills DQD's @placeholders of a description. */
function describe(type: DqdCheckType, values: Record<string, string | number | undefined>): string {
  return type.description.replace(/@(\w+)/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : String(value);
  });
}

/** Compiles the checks for a CDM schema as the catalog shows it. */
export class CheckCompiler {
  private readonly schema: string;
  private readonly catalog: CdmCatalog;
  private readonly uniqueKeys: ReadonlySet<string>;

  /** `uniqueKeys`: "table.column" of single-column primary keys and unique constraints in the schema. */
  constructor(schema: string, catalog: CdmCatalog, uniqueKeys: ReadonlySet<string> = new Set()) {
    this.schema = schema;
    this.catalog = catalog;
    this.uniqueKeys = uniqueKeys;
  }

  /**
   * Rows of a lookup table, one per key: as they are when the key is declared unique (DuckDB enforces it),
   * else aggregated per key so that a repeated key cannot multiply the checked rows.
   */
  private keyed(table: string, key: string, columns: readonly [string, string][]): string {
    if (this.uniqueKeys.has(`${table}.${key}`)) {
      const select = [id(key), ...columns.map(([expression, alias]) => `${expression} AS ${alias}`)];
      return `(SELECT ${select.join(', ')} FROM ${this.table(table)})`;
    }
    const select = [id(key), ...columns.map(([expression, alias]) => `min(${expression}) AS ${alias}`)];
    return `(SELECT ${select.join(', ')} FROM ${this.table(table)} GROUP BY ${id(key)})`;
  }

  private table(name: string): string {
    return `${id(this.schema)}.${id(name)}`;
  }

  private hasTable(name: string): boolean {
    return this.catalog.has(name);
  }

  private hasField(table: string, field: string): boolean {
    return this.catalog.get(table)?.has(field) ?? false;
  }

  /** Names the first table or field missing among those a check reads, if any. */
  private missing(reads: readonly (readonly [string, string?])[]): string | undefined {
    for (const [table, field] of reads) {
      if (!this.hasTable(table)) return `Table ${this.schema}.${table} does not exist`;
      if (field !== undefined && !this.hasField(table, field)) {
        return `Field ${this.schema}.${table}.${field} does not exist`;
      }
    }
    return undefined;
  }

  // Row-preserving joins against the checked table `t`, each on a key made unique first.
  private personJoin(): RowPreservingJoin {
    // Birth as DQD takes it: plausibleAfterBirth the first day of the month of birth when there is no
    // birth_datetime, plausibleTemporalAfter the middle of the year of birth.
    const person = this.keyed('person', 'person_id', [
      [
        `coalesce(CAST(birth_datetime AS DATE), TRY_CAST(printf('%04d-%02d-%02d', year_of_birth, coalesce(month_of_birth, 1), coalesce(day_of_birth, 1)) AS DATE))`,
        'birth_date',
      ],
      [
        `coalesce(CAST(birth_datetime AS DATE), TRY_CAST(printf('%04d-06-01', year_of_birth) AS DATE))`,
        'birth_mid_year',
      ],
    ]);
    return { id: 'p', sql: `LEFT JOIN ${person} p ON p.person_id = t.person_id` };
  }

  private deathJoin(): RowPreservingJoin {
    const death = this.keyed('death', 'person_id', [['CAST(death_date AS DATE)', 'death_date']]);
    return { id: 'de', sql: `LEFT JOIN ${death} de ON de.person_id = t.person_id` };
  }

  private visitJoin(): RowPreservingJoin {
    const visit = this.keyed('visit_occurrence', 'visit_occurrence_id', [
      ['CAST(visit_start_date AS DATE)', 'visit_start_date'],
      ['CAST(visit_end_date AS DATE)', 'visit_end_date'],
    ]);
    return { id: 'vo', sql: `LEFT JOIN ${visit} vo ON vo.visit_occurrence_id = t.visit_occurrence_id` };
  }

  /** The join that finds a foreign key's target; person and visit share the joins of other checks. */
  private foreignKeyJoin(
    field: string,
    fkTable: string,
    fkField: string,
  ): { join: RowPreservingJoin; found: string } {
    if (field === 'person_id' && fkTable === 'person' && fkField === 'person_id') {
      return { join: this.personJoin(), found: 'p.person_id' };
    }
    if (
      field === 'visit_occurrence_id' &&
      fkTable === 'visit_occurrence' &&
      fkField === 'visit_occurrence_id'
    ) {
      return { join: this.visitJoin(), found: 'vo.visit_occurrence_id' };
    }
    const alias = id(`fk_${field}`);
    const keys = this.uniqueKeys.has(`${fkTable}.${fkField}`)
      ? `(SELECT ${id(fkField)} AS k FROM ${this.table(fkTable)})`
      : `(SELECT DISTINCT ${id(fkField)} AS k FROM ${this.table(fkTable)})`;
    return {
      join: { id: `fk_${field}`, sql: `LEFT JOIN ${keys} ${alias} ON ${alias}.k = t.${id(field)}` },
      found: `${alias}.k`,
    };
  }

  /**
   * A check on the rows of one table: `considered` selects the denominator rows (null: all rows),
   * `violation` the violating ones among them.
   */
  private scan(
    table: string,
    considered: string | null,
    violation: string,
    joins: readonly RowPreservingJoin[] = [],
  ): CheckSql {
    const from: FromSpec = { kind: 'joins', base: `${this.table(table)} t`, joins };
    const where = considered === null ? violation : `(${considered}) AND (${violation})`;
    return {
      batchId: `scan:${table}`,
      from,
      numerator: violation === 'false' ? '0' : countWhere(where),
      denominator: considered === null ? 'count(*)' : countWhere(considered),
      violatingRowsSql: `SELECT t.* FROM ${fromSql(from)} WHERE ${where}`,
    };
  }

  /** All checks that apply to the schema. */
  compileAll(): CompiledCheck[] {
    return [
      ...dqdTableChecks.flatMap((row) => this.compileTable(row)),
      ...dqdFieldChecks.flatMap((row) => this.compileField(row)),
      ...observationPeriodChecks.map((row) =>
        this.compileFieldCheck(
          'withinObservationPeriod',
          { table: row.table, field: row.field, datatype: 'date', checks: {} },
          { threshold: row.threshold },
        ),
      ),
      ...dqdConceptChecks.flatMap((row) => this.compileConcept(row)),
    ];
  }

  private compileTable(row: DqdTableChecks): CompiledCheck[] {
    return Object.entries(row.checks).map(([name, parameters]) => {
      const type = checkType(name, 'TABLE');
      const base = {
        checkId: `${name}.${row.table}`,
        checkName: name,
        level: 'TABLE' as const,
        table: row.table,
        type,
        description: describe(type, { cdmTableName: row.table.toUpperCase() }),
        threshold: parameters.threshold ?? 0,
        ...(parameters.notes ? { notes: parameters.notes } : {}),
      };
      return { ...base, plan: this.tablePlan(name, row.table) };
    });
  }

  private tablePlan(name: string, table: string): CompiledCheck['plan'] {
    if (name === 'cdmTable') {
      return {
        kind: 'known',
        numViolatedRows: this.hasTable(table) ? 0 : 1,
        numDenominatorRows: 1,
        violatingRowsSql: `SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = ${literal(this.schema)} AND table_name = ${literal(table)}`,
      };
    }
    if (name === 'measurePersonCompleteness') {
      const error = this.missing([
        ['person', 'person_id'],
        [table, 'person_id'],
      ]);
      if (error) return { kind: 'error', error };
      const from = `${this.table('person')} p LEFT JOIN (SELECT DISTINCT person_id FROM ${this.table(table)}) x ON x.person_id = p.person_id`;
      return sqlPlan({
        batchId: `personCompleteness:${table}`,
        from: { kind: 'plain', sql: from },
        numerator: countWhere('x.person_id IS NULL'),
        denominator: 'count(*)',
        violatingRowsSql: `SELECT p.* FROM ${this.table('person')} p WHERE NOT EXISTS (SELECT 1 FROM ${this.table(table)} x WHERE x.person_id = p.person_id)`,
      });
    }
    if (name === 'measureConditionEraCompleteness') {
      const error = this.missing([
        ['condition_occurrence', 'person_id'],
        [table, 'person_id'],
      ]);
      if (error) return { kind: 'error', error };
      const occurrences = `(SELECT DISTINCT person_id FROM ${this.table('condition_occurrence')})`;
      return sqlPlan({
        batchId: `conditionEraCompleteness:${table}`,
        from: {
          kind: 'plain',
          sql: `${occurrences} co LEFT JOIN (SELECT DISTINCT person_id FROM ${this.table(table)}) x ON x.person_id = co.person_id`,
        },
        numerator: countWhere('x.person_id IS NULL'),
        denominator: 'count(*)',
        violatingRowsSql: `SELECT co.person_id FROM ${occurrences} co WHERE NOT EXISTS (SELECT 1 FROM ${this.table(table)} x WHERE x.person_id = co.person_id)`,
      });
    }
    if (name === 'measureObservationPeriodOverlap') {
      const error = this.missing([
        [table, 'person_id'],
        [table, 'observation_period_start_date'],
        [table, 'observation_period_end_date'],
      ]);
      if (error) return { kind: 'error', error };
      // A period overlaps or touches an earlier one when it starts at most one day after the latest end so far.
      const periods = `(SELECT person_id, observation_period_id, observation_period_start_date AS start_date,
        max(observation_period_end_date) OVER (PARTITION BY person_id ORDER BY observation_period_start_date, observation_period_id
          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_end
        FROM ${this.table(table)})`;
      const persons = `(SELECT person_id, bool_or(coalesce(start_date <= previous_end + 1, false)) AS overlapping FROM ${periods} GROUP BY person_id)`;
      return sqlPlan({
        batchId: `observationPeriodOverlap:${table}`,
        from: { kind: 'plain', sql: `${persons} x` },
        numerator: countWhere('x.overlapping'),
        denominator: 'count(*)',
        violatingRowsSql: `SELECT op.* FROM ${this.table(table)} op WHERE op.person_id IN (SELECT person_id FROM ${persons} x WHERE x.overlapping) ORDER BY op.person_id, op.observation_period_start_date`,
      });
    }
    return { kind: 'error', error: `Check ${name} is not implemented in Polder` };
  }

  private compileField(row: DqdFieldChecks): CompiledCheck[] {
    return Object.entries(row.checks).map(([name, parameters]) =>
      this.compileFieldCheck(name, row, parameters),
    );
  }

  private compileFieldCheck(
    name: string,
    row: DqdFieldChecks,
    parameters: DqdCheckParameters,
  ): CompiledCheck {
    const type = checkType(name, 'FIELD');
    const values: Record<string, string | undefined> = {
      cdmTableName: row.table.toUpperCase(),
      cdmFieldName: row.field.toUpperCase(),
      fkTableName: parameters.fkTable?.toUpperCase(),
      fkDomain: parameters.domain,
      fkClass: parameters.conceptClass,
      plausibleValueLow:
        parameters.bound && name === 'plausibleValueLow' ? boundText(parameters.bound) : undefined,
      plausibleValueHigh:
        parameters.bound && name === 'plausibleValueHigh' ? boundText(parameters.bound) : undefined,
      plausibleTemporalAfterTableName: parameters.afterTable?.toUpperCase(),
      plausibleTemporalAfterFieldName: parameters.afterField?.toUpperCase(),
      plausibleStartBeforeEndFieldName: parameters.endField?.toUpperCase(),
    };
    let plan: CompiledCheck['plan'];
    try {
      plan = this.fieldPlan(name, row, parameters);
    } catch (error) {
      plan = { kind: 'error', error: error instanceof Error ? error.message : String(error) };
    }
    return {
      checkId: `${name}.${row.table}.${row.field}`,
      checkName: name,
      level: 'FIELD',
      table: row.table,
      field: row.field,
      type,
      description: describe(type, values),
      threshold: parameters.threshold ?? 0,
      ...(parameters.notes ? { notes: parameters.notes } : {}),
      plan,
    };
  }

  private fieldPlan(
    name: string,
    row: DqdFieldChecks,
    parameters: DqdCheckParameters,
  ): CompiledCheck['plan'] {
    const { table, field } = row;
    if (name === 'cdmField') {
      return {
        kind: 'known',
        numViolatedRows: this.hasField(table, field) ? 0 : 1,
        numDenominatorRows: 1,
        violatingRowsSql: `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = ${literal(this.schema)} AND table_name = ${literal(table)} AND column_name = ${literal(field)}`,
      };
    }
    const reads: [string, string?][] = [[table, field]];
    const needs = (...more: [string, string?][]): void => void reads.push(...more);
    const column = `t.${id(field)}`;
    const asDate = `CAST(${column} AS DATE)`;
    const build = (): CheckSql => {
      switch (name) {
        case 'isRequired':
        case 'measureValueCompleteness':
          return this.scan(table, null, `${column} IS NULL`);
        case 'cdmDatatype': {
          const actual = this.catalog.get(table)?.get(field) ?? '';
          const check = integerTypes.has(actual.toUpperCase())
            ? 'false'
            : `NOT regexp_full_match(trim(CAST(${column} AS VARCHAR)), '[+-]?[0-9]+(\\.0*)?')`;
          return this.scan(table, `${column} IS NOT NULL`, check);
        }
        case 'isPrimaryKey': {
          // DuckDB enforces a declared key: no repeats are possible, only the rows need counting.
          if (this.uniqueKeys.has(`${table}.${field}`)) return this.scan(table, null, 'false');
          const groups = `(SELECT ${column} AS k, count(*) AS n FROM ${this.table(table)} t GROUP BY 1) g`;
          return {
            batchId: `primaryKey:${table}.${field}`,
            from: { kind: 'plain', sql: groups },
            numerator: 'coalesce(sum(g.n) FILTER (WHERE g.k IS NOT NULL AND g.n > 1), 0)',
            denominator: 'coalesce(sum(g.n), 0)',
            violatingRowsSql: `SELECT t.* FROM ${this.table(table)} t WHERE ${column} IN (SELECT ${id(field)} FROM ${this.table(table)} GROUP BY 1 HAVING count(*) > 1) ORDER BY ${column}`,
          };
        }
        case 'isForeignKey': {
          const fkTable = parameters.fkTable ?? '';
          const fkField = parameters.fkField ?? '';
          needs([fkTable, fkField]);
          if (fkTable === 'concept') {
            return this.conceptBundle(table, field, 'g.concept_id IS NOT NULL AND co.concept_id IS NULL', {
              violatingRows: `SELECT t.* FROM ${this.table(table)} t WHERE ${column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${this.table('concept')} co WHERE co.concept_id = ${column})`,
            });
          }
          const { join, found } = this.foreignKeyJoin(field, fkTable, fkField);
          return this.scan(table, null, `${column} IS NOT NULL AND ${found} IS NULL`, [join]);
        }
        case 'fkDomain':
        case 'fkClass':
        case 'isStandardValidConcept': {
          needs(['concept', 'concept_id']);
          const condition =
            name === 'fkDomain'
              ? `co.concept_id <> 0 AND co.domain_id <> ${literal(parameters.domain ?? '')}`
              : name === 'fkClass'
                ? `co.concept_id <> 0 AND co.concept_class_id <> ${literal(parameters.conceptClass ?? '')}`
                : `co.concept_id <> 0 AND (coalesce(co.standard_concept, '') <> 'S' OR co.invalid_reason IS NOT NULL)`;
          return this.conceptBundle(table, field, condition, {
            violatingRows: `SELECT t.*, co.concept_name, co.domain_id, co.concept_class_id, co.standard_concept, co.invalid_reason FROM ${this.table(table)} t JOIN ${this.table('concept')} co ON co.concept_id = ${column} WHERE ${condition}`,
          });
        }
        case 'standardConceptRecordCompleteness':
        case 'sourceConceptRecordCompleteness': {
          // DQD counts a missing unit only where there is a number to carry it.
          const valued =
            field === 'unit_concept_id' && (table === 'measurement' || table === 'observation')
              ? 't.value_as_number IS NOT NULL'
              : null;
          if (valued) needs([table, 'value_as_number']);
          return this.scan(table, valued, `${column} = 0`);
        }
        case 'sourceValueCompleteness': {
          const standard = parameters.standardConceptField ?? '';
          needs([table, standard]);
          const unmapped = `t.${id(standard)} = 0`;
          const from: FromSpec = { kind: 'joins', base: `${this.table(table)} t`, joins: [] };
          return {
            batchId: `scan:${table}`,
            from,
            // Distinct source values, NULL counted as one value, as DQD does.
            numerator: `count(DISTINCT CASE WHEN ${unmapped} THEN ${column} END) + CASE WHEN ${countWhere(`${unmapped} AND ${column} IS NULL`)} > 0 THEN 1 ELSE 0 END`,
            denominator: `count(DISTINCT ${column}) + CASE WHEN ${countWhere(`${column} IS NULL`)} > 0 THEN 1 ELSE 0 END`,
            violatingRowsSql: `SELECT ${column} AS source_value, count(*) AS num_records FROM ${this.table(table)} t WHERE ${unmapped} GROUP BY 1 ORDER BY 2 DESC`,
          };
        }
        case 'plausibleValueLow':
        case 'plausibleValueHigh': {
          if (!parameters.bound) throw new Error(`Cannot compile ${name} of ${table}.${field}: no bound`);
          const value = isDateType(row.datatype) ? asDate : column;
          const operator = name === 'plausibleValueLow' ? '<' : '>';
          return this.scan(
            table,
            `${column} IS NOT NULL`,
            `${value} ${operator} ${boundSql(parameters.bound)}`,
          );
        }
        case 'plausibleTemporalAfter': {
          const afterTable = parameters.afterTable ?? '';
          const afterField = parameters.afterField ?? '';
          if (afterTable === table) {
            needs([table, afterField]);
            return this.scan(table, null, `CAST(t.${id(afterField)} AS DATE) > ${asDate}`);
          }
          if (afterTable === 'person' && afterField === 'birth_datetime') {
            needs([table, 'person_id'], ['person', 'birth_datetime'], ['person', 'year_of_birth']);
            return this.scan(table, null, `p.birth_mid_year > ${asDate}`, [this.personJoin()]);
          }
          throw new Error(`Cannot compile plausibleTemporalAfter against ${afterTable}.${afterField}`);
        }
        case 'plausibleDuringLife':
          needs([table, 'person_id'], ['death', 'death_date']);
          return this.scan(table, 'de.person_id IS NOT NULL', `${asDate} > de.death_date + 60`, [
            this.deathJoin(),
          ]);
        case 'plausibleBeforeDeath':
          needs([table, 'person_id'], ['death', 'death_date']);
          return this.scan(
            table,
            `${column} IS NOT NULL AND de.person_id IS NOT NULL`,
            `${asDate} > de.death_date + 60`,
            [this.deathJoin()],
          );
        case 'plausibleAfterBirth':
          needs([table, 'person_id'], ['person', 'birth_datetime'], ['person', 'year_of_birth']);
          return this.scan(table, `${column} IS NOT NULL`, `${asDate} < p.birth_date`, [this.personJoin()]);
        case 'plausibleStartBeforeEnd': {
          const end = parameters.endField ?? '';
          needs([table, end]);
          return this.scan(
            table,
            `${column} IS NOT NULL AND t.${id(end)} IS NOT NULL`,
            `${asDate} > CAST(t.${id(end)} AS DATE)`,
          );
        }
        case 'withinVisitDates':
          needs(
            [table, 'visit_occurrence_id'],
            ['visit_occurrence', 'visit_start_date'],
            ['visit_occurrence', 'visit_end_date'],
          );
          return this.scan(
            table,
            'vo.visit_occurrence_id IS NOT NULL',
            `${asDate} < vo.visit_start_date - 7 OR ${asDate} > vo.visit_end_date + 7`,
            [this.visitJoin()],
          );
        case 'withinObservationPeriod': {
          needs(
            [table, 'person_id'],
            ['observation_period', 'person_id'],
            ['observation_period', 'observation_period_start_date'],
            ['observation_period', 'observation_period_end_date'],
          );
          // An anti join (rows without a covering period) is ten times faster in DuckDB than NOT EXISTS.
          const outside = `${this.table(table)} t ANTI JOIN ${this.table('observation_period')} op
            ON op.person_id = t.person_id AND ${asDate} BETWEEN op.observation_period_start_date AND op.observation_period_end_date
            WHERE ${column} IS NOT NULL`;
          return {
            batchId: `observationPeriod:${table}.${field}`,
            from: {
              kind: 'plain',
              sql: `(SELECT count(*) AS n FROM ${outside}) a CROSS JOIN (SELECT count(*) AS d FROM ${this.table(table)} t WHERE ${column} IS NOT NULL) b`,
            },
            numerator: 'min(a.n)',
            denominator: 'min(b.d)',
            violatingRowsSql: `SELECT t.* FROM ${outside} ORDER BY t.person_id, ${column}`,
          };
        }
        default:
          throw new Error(`Check ${name} is not implemented in Polder`);
      }
    };
    const sql = build();
    const error = this.missing(reads);
    return error ? { kind: 'error', error } : sqlPlan(sql);
  }

  /**
   * Checks that look up a field's concept ids in CONCEPT: all concept fields of a table are counted per
   * distinct id in one union, which is then joined to CONCEPT once.
   */
  private conceptBundle(
    table: string,
    field: string,
    violation: string,
    options: { violatingRows: string },
  ): CheckSql {
    return {
      batchId: `concepts:${table}`,
      from: {
        kind: 'union',
        prefix: '',
        parts: [
          `SELECT ${literal(field)} AS field, CAST(t.${id(field)} AS BIGINT) AS concept_id, count(*) AS n FROM ${this.table(table)} t GROUP BY 2`,
        ],
        suffix: `g LEFT JOIN ${this.table('concept')} co ON co.concept_id = g.concept_id`,
      },
      groupBy: 'g.field',
      key: field,
      numerator: `coalesce(sum(g.n) FILTER (WHERE ${violation}), 0)`,
      denominator: 'coalesce(sum(g.n), 0)',
      violatingRowsSql: options.violatingRows,
    };
  }

  private compileConcept(row: DqdConceptChecks): CompiledCheck[] {
    return Object.entries(row.checks).map(([name, parameters]) => {
      const type = checkType(name, 'CONCEPT');
      const unitPart = row.unitConceptId === undefined ? '' : `.${row.unitConceptId}`;
      const checkId = `${name}.${row.table}.${row.field}.${row.conceptId}${unitPart}`;
      const values = {
        conceptId: parameters.ancestorConceptIds?.join(', ') ?? row.conceptId,
        conceptName: row.conceptName,
        unitConceptId: row.unitConceptId,
        plausibleGender: parameters.gender,
        plausibleGenderUseDescendants: parameters.gender,
        plausibleUnitConceptIds: parameters.unitConceptIds?.join(','),
        plausibleValueLow: name === 'plausibleValueLow' ? parameters.value : undefined,
        plausibleValueHigh: name === 'plausibleValueHigh' ? parameters.value : undefined,
      };
      let plan: CompiledCheck['plan'];
      try {
        plan = this.conceptPlan(name, row, parameters, checkId);
      } catch (error) {
        plan = { kind: 'error', error: error instanceof Error ? error.message : String(error) };
      }
      return {
        checkId,
        checkName: name,
        level: 'CONCEPT' as const,
        table: row.table,
        field: row.field,
        conceptId: row.conceptId,
        conceptName: row.conceptName,
        ...(row.unitConceptId === undefined ? {} : { unitConceptId: row.unitConceptId }),
        type,
        description: describe(type, values),
        threshold: parameters.threshold ?? 0,
        ...(parameters.notes ? { notes: parameters.notes } : {}),
        plan,
      };
    });
  }

  private conceptPlan(
    name: string,
    row: DqdConceptChecks,
    parameters: DqdCheckParameters,
    checkId: string,
  ): CompiledCheck['plan'] {
    const { table, field, conceptId } = row;
    const column = `t.${id(field)}`;
    const key = literal(checkId);
    const genderId = parameters.gender === 'Male' ? 8507 : 8532;
    const reads: [string, string?][] = [[table, field]];
    let sql: CheckSql;
    if (name === 'plausibleGender' || name === 'plausibleGenderUseDescendants') {
      reads.push([table, 'person_id'], ['person', 'gender_concept_id']);
      const descendants = name === 'plausibleGenderUseDescendants';
      if (descendants) reads.push(['concept_ancestor', 'descendant_concept_id']);
      const person = `LEFT JOIN ${this.keyed('person', 'person_id', [['gender_concept_id', 'gender_concept_id']])} p ON p.person_id = t.person_id`;
      const ancestors = parameters.ancestorConceptIds ?? [conceptId];
      const concepts = descendants
        ? `(SELECT descendant_concept_id FROM ${this.table('concept_ancestor')} WHERE ancestor_concept_id IN (${ancestors.join(', ')}))`
        : `(${conceptId})`;
      const parts = (descendants ? ancestors : [conceptId]).map(
        (ancestor) =>
          `SELECT ${key} AS check_key, CAST(${ancestor} AS BIGINT) AS concept_id, CAST(${genderId} AS BIGINT) AS gender_concept_id`,
      );
      sql = {
        batchId: `${name}:${table}.${field}`,
        from: {
          kind: 'union',
          // Several ancestors may share descendants: each concept counts once per check.
          prefix: descendants
            ? `${this.table(table)} t JOIN (SELECT DISTINCT c0.check_key, ca.descendant_concept_id AS concept_id, c0.gender_concept_id FROM (`
            : `${this.table(table)} t JOIN (`,
          parts,
          suffix: descendants
            ? `) c0 JOIN ${this.table('concept_ancestor')} ca ON ca.ancestor_concept_id = c0.concept_id) c ON ${column} = c.concept_id ${person}`
            : `) c ON ${column} = c.concept_id ${person}`,
        },
        groupBy: 'c.check_key',
        key: checkId,
        numerator: countWhere('p.gender_concept_id <> c.gender_concept_id'),
        denominator: 'count(*)',
        violatingRowsSql: `SELECT t.*, p.gender_concept_id AS person_gender_concept_id FROM ${this.table(table)} t JOIN ${this.table('person')} p ON p.person_id = t.person_id WHERE ${column} IN ${concepts} AND p.gender_concept_id <> ${genderId}`,
      };
    } else if (name === 'plausibleUnitConceptIds') {
      reads.push([table, 'unit_concept_id'], [table, 'value_as_number'], [table, 'unit_source_value']);
      const units = parameters.unitConceptIds ?? [];
      const considered = 't.value_as_number IS NOT NULL AND t.unit_source_value IS NOT NULL';
      // -1 in the list stands for "no unit".
      const implausible = `CASE WHEN len(c.unit_concept_ids) = 0 THEN t.unit_concept_id IS NOT NULL ELSE NOT list_contains(c.unit_concept_ids, coalesce(t.unit_concept_id, -1)) END`;
      const implausibleLiteral =
        units.length === 0
          ? 't.unit_concept_id IS NOT NULL'
          : `coalesce(t.unit_concept_id, -1) NOT IN (${units.join(', ')})`;
      sql = {
        batchId: `${name}:${table}.${field}`,
        from: {
          kind: 'union',
          prefix: `${this.table(table)} t JOIN (`,
          parts: [
            `SELECT ${key} AS check_key, CAST(${conceptId} AS BIGINT) AS concept_id, CAST([${units.join(', ')}] AS BIGINT[]) AS unit_concept_ids`,
          ],
          suffix: `) c ON ${column} = c.concept_id`,
        },
        groupBy: 'c.check_key',
        key: checkId,
        numerator: countWhere(`${considered} AND ${implausible}`),
        denominator: countWhere(considered),
        violatingRowsSql: `SELECT t.* FROM ${this.table(table)} t WHERE ${column} = ${conceptId} AND ${considered} AND ${implausibleLiteral}`,
      };
    } else if (name === 'plausibleValueLow' || name === 'plausibleValueHigh') {
      reads.push([table, 'unit_concept_id'], [table, 'value_as_number']);
      const low = name === 'plausibleValueLow';
      const value = parameters.value ?? Number.NaN;
      const unit = row.unitConceptId;
      const unitMatch = unit === undefined ? '' : ` AND t.unit_concept_id = ${unit}`;
      const keyOf = `${row.table}.${row.field}.${conceptId}.${unit ?? ''}`;
      const bounds = row.checks;
      sql = {
        batchId: `conceptValue:${table}.${field}`,
        from: {
          kind: 'union',
          prefix: `${this.table(table)} t JOIN (`,
          parts: [
            `SELECT ${literal(keyOf)} AS check_key, CAST(${conceptId} AS BIGINT) AS concept_id, CAST(${unit ?? 'NULL'} AS BIGINT) AS unit_concept_id, CAST(${bounds.plausibleValueLow?.value ?? 'NULL'} AS DOUBLE) AS low, CAST(${bounds.plausibleValueHigh?.value ?? 'NULL'} AS DOUBLE) AS high`,
          ],
          suffix: `) c ON ${column} = c.concept_id AND (c.unit_concept_id IS NULL OR t.unit_concept_id = c.unit_concept_id)`,
        },
        groupBy: 'c.check_key',
        key: keyOf,
        numerator: countWhere(
          `t.value_as_number IS NOT NULL AND t.value_as_number ${low ? '< c.low' : '> c.high'}`,
        ),
        denominator: countWhere('t.value_as_number IS NOT NULL'),
        violatingRowsSql: `SELECT t.* FROM ${this.table(table)} t WHERE ${column} = ${conceptId}${unitMatch} AND t.value_as_number IS NOT NULL AND t.value_as_number ${low ? '<' : '>'} ${value}`,
      };
    } else {
      throw new Error(`Check ${name} is not implemented in Polder`);
    }
    const error = this.missing(reads);
    return error ? { kind: 'error', error } : sqlPlan(sql);
  }
}

function sqlPlan(sql: CheckSql): CompiledCheck['plan'] {
  return { kind: 'sql', sql };
}

/** The FROM clause of one FromSpec, or of several merged (they must share kind and base). */
export function fromSql(...specs: readonly FromSpec[]): string {
  const first = specs[0];
  if (!first) throw new Error('Cannot build a FROM clause of no checks');
  if (first.kind === 'plain') return first.sql;
  if (first.kind === 'joins') {
    const joins = new Map<string, string>();
    for (const spec of specs)
      if (spec.kind === 'joins') for (const join of spec.joins) joins.set(join.id, join.sql);
    return [first.base, ...joins.values()].join('\n  ');
  }
  const parts = new Set<string>();
  for (const spec of specs) if (spec.kind === 'union') for (const part of spec.parts) parts.add(part);
  return `${first.prefix}(${[...parts].join('\n  UNION ALL ')}) ${first.suffix}`;
}
