import { randomUUID } from 'node:crypto';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { CheckCompiler, fromSql } from './_compile-checks.ts';
import type { CdmCatalog, CheckSql, CompiledCheck } from './_compile-checks.ts';
import { countDataQualityResults, kahnCategories, kahnContexts } from './data-quality-report.ts';
import type { DataQualityCheckResult, DataQualityCounts, DataQualityReport } from './data-quality-report.ts';

/** Options of a data-quality run. */
export interface DataQualityOptions {
  /** Schema of the OMOP CDM tables. @default 'cdm' */
  readonly cdmSchema?: string;
  /**
   * The DuckDB instance of `connection`: when given, the run opens extra connections to it and answers
   * several check queries at once. Without it the queries run one after another (each still multi-threaded).
   */
  readonly instance?: DuckDBInstance;
  /** Queries in flight at once when `instance` is given. @default 4 */
  readonly concurrency?: number;
  /** Only run checks whose name is listed (e.g. ['withinObservationPeriod']). @default all */
  readonly checkNames?: readonly string[];
  /**
   * Tables whose own checks are skipped (lower-case). The default is DQD's: the vocabulary tables, which
   * come from Athena rather than from the station's ETL (their concepts are still looked up).
   * @default dqdDefaultExcludedTables
   */
  readonly tablesToExclude?: readonly string[];
  /**
   * Thresholds (percent) that replace DQD's, keyed by check id ('withinObservationPeriod.measurement.measurement_date')
   * or by check name ('withinObservationPeriod'); an id wins over a name.
   */
  readonly thresholds?: Readonly<Record<string, number>>;
  /** Store a summary row in polder.dq_run. @default true */
  readonly persist?: boolean;
  /** Called after each batch query (for benchmarks and diagnosis of slow checks). */
  readonly onBatch?: (batch: {
    readonly batchId: string;
    readonly checks: number;
    readonly ms: number;
  }) => void;
}

/** DataQualityDashboard's default `tablesToExclude`: the vocabulary tables. */
export const dqdDefaultExcludedTables: readonly string[] = [
  'concept',
  'vocabulary',
  'concept_ancestor',
  'concept_relationship',
  'concept_class',
  'concept_synonym',
  'relationship',
  'domain',
];

interface Measured {
  readonly numViolatedRows: number;
  readonly numDenominatorRows: number;
}

type Outcome = Measured | { readonly error: string };

const toNumber = (value: unknown): number => {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return 0;
  return Number(value);
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function readCatalog(connection: DuckDBConnection, schema: string): Promise<CdmCatalog> {
  const reader = await connection.runAndReadAll(
    `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $schema`,
    { schema },
  );
  const catalog = new Map<string, Map<string, string>>();
  for (const [table, column, type] of reader.getRows()) {
    const name = String(table).toLowerCase();
    const columns = catalog.get(name) ?? new Map<string, string>();
    columns.set(String(column).toLowerCase(), String(type));
    catalog.set(name, columns);
  }
  return catalog;
}

/** "table.column" of the schema's single-column primary keys and unique constraints. */
async function readUniqueKeys(connection: DuckDBConnection, schema: string): Promise<Set<string>> {
  const reader = await connection.runAndReadAll(
    `SELECT table_name, constraint_column_names[1] FROM duckdb_constraints()
     WHERE schema_name = $schema AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') AND len(constraint_column_names) = 1`,
    { schema },
  );
  return new Set(
    reader
      .getRows()
      .map(([table, column]) => `${String(table).toLowerCase()}.${String(column).toLowerCase()}`),
  );
}

interface Member {
  readonly check: CompiledCheck;
  readonly sql: CheckSql;
}

/** One query for a batch of checks sharing a FROM clause; identical aggregates are computed once. */
function batchQuery(members: readonly Member[]): { sql: string; columnOf: (m: Member) => [number, number] } {
  const first = members[0];
  if (!first) throw new Error('Cannot build a query for no checks');
  const expressions = new Map<string, number>();
  const indexOf = (expression: string): number => {
    let index = expressions.get(expression);
    if (index === undefined) {
      index = expressions.size;
      expressions.set(expression, index);
    }
    return index;
  };
  for (const member of members) {
    indexOf(member.sql.numerator);
    indexOf(member.sql.denominator);
  }
  const groupBy = first.sql.groupBy;
  const columns = [...expressions.keys()].map((expression, i) => `CAST(${expression} AS BIGINT) AS c${i}`);
  const select = groupBy ? [`${groupBy} AS check_key`, ...columns] : columns;
  const sql = `SELECT ${select.join(',\n  ')}\nFROM ${fromSql(...members.map((m) => m.sql.from))}${groupBy ? '\nGROUP BY 1' : ''}`;
  return { sql, columnOf: (m) => [indexOf(m.sql.numerator), indexOf(m.sql.denominator)] };
}

async function runBatch(
  connection: DuckDBConnection,
  members: readonly Member[],
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  const { sql, columnOf } = batchQuery(members);
  const grouped = members[0]?.sql.groupBy !== undefined;
  const rows = (await connection.runAndReadAll(sql)).getRows();
  const byKey = new Map<string, readonly unknown[]>();
  for (const row of rows) byKey.set(grouped ? String(row[0]) : '', grouped ? row.slice(1) : row);
  for (const member of members) {
    const row = byKey.get(grouped ? (member.sql.key ?? '') : '');
    const [n, d] = columnOf(member);
    outcomes.set(member.check.checkId, {
      numViolatedRows: row ? toNumber(row[n]) : 0,
      numDenominatorRows: row ? toNumber(row[d]) : 0,
    });
  }
  return outcomes;
}

/** Runs a batch; if its query fails, runs each check alone so that only the broken ones error. */
async function runBatchOrEach(
  connection: DuckDBConnection,
  members: readonly Member[],
): Promise<Map<string, Outcome>> {
  try {
    return await runBatch(connection, members);
  } catch (batchError) {
    if (members.length === 1) {
      return new Map([[members[0]?.check.checkId ?? '', { error: messageOf(batchError) }]]);
    }
    const outcomes = new Map<string, Outcome>();
    for (const member of members) {
      try {
        for (const [id, outcome] of await runBatch(connection, [member])) outcomes.set(id, outcome);
      } catch (error) {
        outcomes.set(member.check.checkId, { error: messageOf(error) });
      }
    }
    return outcomes;
  }
}

async function runAll(
  connection: DuckDBConnection,
  batches: readonly (readonly Member[])[],
  options: DataQualityOptions,
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  const connections: DuckDBConnection[] = [connection];
  const extra = options.instance ? Math.max(0, (options.concurrency ?? 4) - 1) : 0;
  for (let i = 0; i < extra; i++) connections.push(await (options.instance as DuckDBInstance).connect());
  let next = 0;
  const worker = async (own: DuckDBConnection): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++];
      if (!batch) continue;
      const started = performance.now();
      for (const [id, outcome] of await runBatchOrEach(own, batch)) outcomes.set(id, outcome);
      const batchId = batch[0]?.sql.batchId ?? '';
      options.onBatch?.({ batchId, checks: batch.length, ms: Math.round(performance.now() - started) });
    }
  };
  try {
    await Promise.all(connections.map(worker));
  } finally {
    for (const own of connections.slice(1)) own.closeSync();
  }
  return outcomes;
}

/** Applies DQD's threshold and not-applicable rules to the measured checks. */
function evaluate(
  checks: readonly CompiledCheck[],
  outcomes: ReadonlyMap<string, Outcome>,
): DataQualityCheckResult[] {
  const measured = (check: CompiledCheck): Outcome => {
    if (check.plan.kind === 'known') return check.plan;
    if (check.plan.kind === 'error') return { error: check.plan.error };
    return outcomes.get(check.checkId) ?? { error: 'Check was not run' };
  };
  const results = checks.map((check) => ({ check, outcome: measured(check) }));

  // DQD's inputs to "not applicable": empty tables and fields, from measureValueCompleteness.
  const emptyTables = new Set<string>();
  const emptyFields = new Set<string>();
  for (const { check, outcome } of results) {
    if (check.checkName !== 'measureValueCompleteness' || 'error' in outcome) continue;
    if (outcome.numDenominatorRows === 0) emptyTables.add(check.table);
    if (outcome.numViolatedRows === outcome.numDenominatorRows)
      emptyFields.add(`${check.table}.${check.field ?? ''}`);
  }

  return results.map(({ check, outcome }) => {
    const base = {
      checkId: check.checkId,
      checkName: check.checkName,
      level: check.level,
      table: check.table,
      ...(check.field === undefined ? {} : { field: check.field }),
      ...(check.conceptId === undefined ? {} : { conceptId: check.conceptId }),
      ...(check.conceptName === undefined ? {} : { conceptName: check.conceptName }),
      ...(check.unitConceptId === undefined ? {} : { unitConceptId: check.unitConceptId }),
      description: check.description,
      kahnCategory: check.type.kahnCategory,
      ...(check.type.kahnSubcategory ? { kahnSubcategory: check.type.kahnSubcategory } : {}),
      kahnContext: check.type.kahnContext,
      severity: check.type.severity,
      threshold: check.threshold,
      ...(check.notes ? { notes: check.notes } : {}),
    };
    if ('error' in outcome) {
      return {
        ...base,
        status: 'error' as const,
        numViolatedRows: null,
        numDenominatorRows: null,
        pctViolatedRows: null,
        error: outcome.error,
      };
    }
    const { numViolatedRows, numDenominatorRows } = outcome;
    const pctViolatedRows = numDenominatorRows === 0 ? 0 : numViolatedRows / numDenominatorRows;
    // pct × 100 > threshold, in integers so that 7 of 100 does not exceed 7%.
    const failed = numViolatedRows > 0 && numViolatedRows * 100 > check.threshold * numDenominatorRows;
    const counts = { numViolatedRows, numDenominatorRows, pctViolatedRows };
    const notApplicableReason = notApplicable(check, numDenominatorRows, emptyTables, emptyFields);
    if (notApplicableReason)
      return { ...base, ...counts, status: 'not applicable' as const, notApplicableReason };
    if (!failed) return { ...base, ...counts, status: 'passed' as const };
    const violatingRowsSql = check.plan.kind === 'error' ? undefined : violatingSql(check);
    return {
      ...base,
      ...counts,
      status: 'failed' as const,
      ...(violatingRowsSql ? { violatingRowsSql } : {}),
    };
  });
}

function violatingSql(check: CompiledCheck): string | undefined {
  if (check.plan.kind === 'known') return check.plan.violatingRowsSql;
  if (check.plan.kind === 'sql') return check.plan.sql.violatingRowsSql;
  return undefined;
}

/** DQD's "not applicable" rules (errors and cdmTable/cdmField are never not applicable). */
function notApplicable(
  check: CompiledCheck,
  numDenominatorRows: number,
  emptyTables: ReadonlySet<string>,
  emptyFields: ReadonlySet<string>,
): string | undefined {
  if (check.checkName === 'cdmTable' || check.checkName === 'cdmField') return undefined;
  const table = check.table.toUpperCase();
  if (emptyTables.has(check.table)) return `Table ${table} is empty.`;
  if (check.checkName === 'measureValueCompleteness') return undefined;
  if (check.field !== undefined && emptyFields.has(`${check.table}.${check.field}`)) {
    return `Field ${table}.${check.field.toUpperCase()} is not populated.`;
  }
  if (check.level === 'CONCEPT' && numDenominatorRows === 0) {
    return check.unitConceptId === undefined
      ? `${check.field?.toUpperCase()}=${check.conceptId} is missing from the ${table} table.`
      : `Combination of ${check.field?.toUpperCase()}=${check.conceptId}, unitConceptId=${check.unitConceptId} and VALUE_AS_NUMBER IS NOT NULL is missing from the ${table} table.`;
  }
  return undefined;
}

const dqRunDdl = [
  'CREATE SCHEMA IF NOT EXISTS polder',
  `CREATE TABLE IF NOT EXISTS polder.dq_run (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    duration_ms INTEGER NOT NULL,
    cdm_schema VARCHAR NOT NULL,
    checks_total INTEGER NOT NULL,
    checks_passed INTEGER NOT NULL,
    checks_failed INTEGER NOT NULL,
    checks_not_applicable INTEGER NOT NULL,
    checks_error INTEGER NOT NULL,
    score DOUBLE,
    by_kahn JSON NOT NULL
  )`,
];

/** Stores the summary of a run as one row of polder.dq_run (the table is created if absent). */
export async function recordDataQualityRun(
  connection: DuckDBConnection,
  report: DataQualityReport,
): Promise<void> {
  for (const statement of dqRunDdl) await connection.run(statement);
  const o = report.overview;
  await connection.run(
    `INSERT INTO polder.dq_run VALUES ($runId, CAST($startedAt AS TIMESTAMPTZ), CAST($finishedAt AS TIMESTAMPTZ), $durationMs,
      $schema, $total, $passed, $failed, $notApplicable, $error, $score, CAST($byKahn AS JSON))`,
    {
      runId: report.runId,
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
      durationMs: Math.round(report.durationMs),
      schema: report.cdmSchema,
      total: o.total,
      passed: o.passed,
      failed: o.failed,
      notApplicable: o.notApplicable,
      error: o.error,
      score: report.score,
      byKahn: JSON.stringify(report.byKahn),
    },
  );
}

/**
 * Runs the OHDSI DataQualityDashboard checks (conformance, completeness, plausibility) over the OMOP CDM
 * in DuckDB, with DQD's thresholds, plus Polder's withinObservationPeriod. Each table's checks are
 * answered by a few batched queries; a check that cannot run (a table or field missing, a query failing)
 * is reported as `error` while the others run.
 *
 * @example
 * const report = await runDataQuality(connection, { instance });
 * console.log(formatDataQualitySummary(report));
 */
export async function runDataQuality(
  connection: DuckDBConnection,
  options: DataQualityOptions = {},
): Promise<DataQualityReport> {
  const started = new Date();
  const startedMs = performance.now();
  const cdmSchema = options.cdmSchema ?? 'cdm';
  const catalog = await readCatalog(connection, cdmSchema);
  const wanted = options.checkNames ? new Set(options.checkNames) : undefined;
  const excluded = new Set(options.tablesToExclude ?? dqdDefaultExcludedTables);
  const uniqueKeys = await readUniqueKeys(connection, cdmSchema);
  const checks = new CheckCompiler(cdmSchema, catalog, uniqueKeys)
    .compileAll()
    .filter((check) => wanted === undefined || wanted.has(check.checkName))
    .filter((check) => !excluded.has(check.table))
    .map((check) => {
      const threshold = options.thresholds?.[check.checkId] ?? options.thresholds?.[check.checkName];
      return threshold === undefined ? check : { ...check, threshold };
    });

  const batches = new Map<string, Member[]>();
  for (const check of checks) {
    if (check.plan.kind !== 'sql') continue;
    const members = batches.get(check.plan.sql.batchId) ?? [];
    members.push({ check, sql: check.plan.sql });
    batches.set(check.plan.sql.batchId, members);
  }
  const outcomes = await runAll(connection, [...batches.values()], options);
  const results = evaluate(checks, outcomes);

  const byKahn: Record<string, DataQualityCounts> = {};
  for (const category of kahnCategories) {
    for (const context of kahnContexts) {
      byKahn[`${category}/${context}`] = countDataQualityResults(
        results.filter((r) => r.kahnCategory === category && r.kahnContext === context),
      );
    }
  }
  const overview = countDataQualityResults(results);
  const report: DataQualityReport = {
    runId: randomUUID(),
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - startedMs),
    cdmSchema,
    score: overview.percentPassed,
    overview,
    byKahn,
    checks: results,
  };
  if (options.persist ?? true) await recordDataQualityRun(connection, report);
  return report;
}
