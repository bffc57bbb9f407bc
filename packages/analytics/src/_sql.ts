import { AnalyticsError } from './analytics-error.ts';
import type { StationContext } from './algorithm.ts';

/** Variable names the algorithms accept: a letter, then letters, digits or underscores (≤ 63 in all). */
export const variableNamePattern = '^[a-z][a-zA-Z0-9_]{0,62}$';
const variableName = new RegExp(variableNamePattern);
const tableName = /^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/;

/** The kind of value a cohort column holds, as the algorithms need to know it. */
export type ColumnType = 'numeric' | 'text' | 'other';

/** The columns of the cohort table, by name. */
export type CohortColumns = ReadonlyMap<string, ColumnType>;

/** A double-quoted identifier, after checking it against the variable-name pattern. */
export function quoteVariable(name: string): string {
  if (!variableName.test(name)) {
    throw new AnalyticsError(
      'invalid-parameters',
      `Cannot use variable "${name.slice(0, 80)}": a variable name is a lower-case letter followed by letters, digits or underscores`,
    );
  }
  return `"${name}"`;
}

/** The cohort table's name, double-quoted, after checking it (the station chose it, but we quote anyway). */
export function quoteTable(name: string): string {
  if (!tableName.test(name)) {
    throw new AnalyticsError(
      'compute',
      `Cannot use cohort table "${name.slice(0, 80)}": not a plain table name`,
    );
  }
  return `"${name}"`;
}

/**
 * Reads the cohort table's columns (information_schema, which DuckDB and PostgreSQL share). Remembered per
 * (cohort version, table) when the station names the version (`StationContext.cohortVersion`): the catalog
 * query costs milliseconds on every task, more in a station database with many tables.
 */
export async function readCohortColumns(ctx: StationContext): Promise<CohortColumns> {
  quoteTable(ctx.cohortTable);
  return columnsSeen.of(ctx, [], () => queryCohortColumns(ctx));
}

/**
 * Facts about cohort tables (never values of records), remembered per cohort version, table and detail when
 * the station names the cohort's version (`StationContext.cohortVersion`); absent a version nothing is
 * remembered. The most recently used 256 are kept: versions of cohorts the station dropped are never asked
 * for again, so the oldest entries can go.
 */
export class CohortFacts<T> {
  readonly #entries = new Map<string, T>();

  /** The fact for this cohort and `detail`: remembered, or found with `find` (and remembered). */
  async of(ctx: StationContext, detail: readonly unknown[], find: () => Promise<T>): Promise<T> {
    if (ctx.cohortVersion === undefined) return find();
    const key = JSON.stringify([ctx.cohortVersion, ctx.cohortTable, ...detail]);
    const known = this.#entries.get(key);
    if (known !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, known);
      return known;
    }
    const found = await find();
    this.#entries.set(key, found);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= 256) break;
      this.#entries.delete(oldest);
    }
    return found;
  }
}

const columnsSeen = new CohortFacts<CohortColumns>();

async function queryCohortColumns(ctx: StationContext): Promise<CohortColumns> {
  const rows = await ctx.query(
    'SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1',
    [ctx.cohortTable],
  );
  if (rows.length === 0) {
    throw new AnalyticsError(
      'compute',
      `Cannot run the algorithm: cohort table "${ctx.cohortTable}" does not exist`,
    );
  }
  const columns = new Map<string, ColumnType>();
  for (const row of rows) {
    columns.set(String(row['column_name']), columnType(String(row['data_type'])));
  }
  return columns;
}

function columnType(dataType: string): ColumnType {
  const t = dataType.toUpperCase();
  if (
    /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC|DOUBLE PRECISION)/.test(
      t,
    )
  ) {
    return 'numeric';
  }
  if (/^(VARCHAR|TEXT|CHARACTER|STRING|BOOLEAN|ENUM)/.test(t)) return 'text';
  return 'other';
}

/**
 * Checks that `name` is a valid variable of the cohort (of the wanted type, if given) and returns it
 * double-quoted for SQL. The error names the variable and lists what the cohort has.
 */
export function cohortVariable(
  columns: CohortColumns,
  name: string,
  options: { readonly role: string; readonly type?: ColumnType } = { role: 'variable' },
): string {
  const quoted = quoteVariable(name);
  const type = columns.get(name);
  if (type === undefined) {
    const known = [...columns.keys()].filter((c) => !['person_id', 'index_date', 'end_date'].includes(c));
    throw new AnalyticsError(
      'invalid-parameters',
      `Cannot use ${options.role} "${name}": the cohort has no such variable (it has ${known.length === 0 ? 'none' : known.join(', ')})`,
    );
  }
  if (options.type !== undefined && type !== options.type) {
    throw new AnalyticsError(
      'invalid-parameters',
      `Cannot use ${options.role} "${name}": it must be ${options.type === 'numeric' ? 'a number' : 'text'}, but the cohort holds ${type === 'numeric' ? 'numbers' : 'text'}`,
    );
  }
  return quoted;
}

/** A number from a query result (BIGINT/HUGEINT arrive as bigint; NULL as null). */
export function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const n = Number(value);
  if (Number.isNaN(n))
    throw new AnalyticsError('compute', `Cannot read query result: ${String(value)} is not a number`);
  return n;
}

/** A count from a query result (NULL as 0). */
export function toCountValue(value: unknown): number {
  return toNumber(value) ?? 0;
}
