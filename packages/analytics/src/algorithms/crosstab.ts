import { Type } from 'typebox';
import { defineAlgorithm } from '../algorithm.ts';
import { AnalyticsError } from '../analytics-error.ts';
import { partOf, requirePartials } from '../_combine-helpers.ts';
import { chiSquareSurvival } from '../_distributions.ts';
import { quoteTable, readCohortColumns } from '../_sql.ts';
import { compileStratum, SqlParameters, StratumParameter } from '../_stratum.ts';
import { denseTable, poolTables } from './count.ts';

const CrosstabParameters = Type.Object(
  {
    rows: StratumParameter,
    columns: StratumParameter,
  },
  { additionalProperties: false },
);

/** The result of `crosstab@1.0.0`: the pooled controlled table and Pearson's chi-square test on it. */
export interface CrosstabResult {
  readonly rows: { readonly variable: string; readonly levels: readonly string[] };
  readonly columns: { readonly variable: string; readonly levels: readonly string[] };
  /** counts[row][column]: sums of the stations' released (rounded) cells. */
  readonly counts: readonly (readonly number[])[];
  /** Stations at which each cell was suppressed (its count is then a lower bound). */
  readonly suppressedAt: readonly (readonly number[])[];
  readonly rowTotals: readonly number[];
  readonly columnTotals: readonly number[];
  readonly total: number;
  /**
   * Pearson's χ² of independence over the rows and columns with a non-zero total, on the pooled controlled
   * counts (rounding and suppression make it approximate); null when fewer than 2 such rows or columns.
   */
  readonly chiSquare: {
    readonly statistic: number;
    readonly df: number;
    readonly pValue: number;
    /** The smallest expected count; below 5 the χ² approximation is poor. */
    readonly minExpected: number;
  } | null;
  readonly stations: number;
}

/** A two-way table of two categorical (or binned) variables with a chi-square test. */
export const crosstabAlgorithm = defineAlgorithm({
  name: 'crosstab',
  version: '1.0.0',
  title: 'Cross-tabulation with chi-square',
  description:
    'Counts persons by two variables (numeric ones binned at breaks), pooled over the stations after each has suppressed small counts (with secondary suppression) and rounded the rest; Pearson chi-square test of independence on the pooled table.',
  parameters: CrosstabParameters,
  state: Type.Unknown(),
  outputKinds: ['table'],
  rounds: 'single',
  async local(ctx, parameters) {
    if (parameters.rows.variable === parameters.columns.variable) {
      throw new AnalyticsError('invalid-parameters', 'Cannot cross-tabulate a variable with itself');
    }
    const columns = await readCohortColumns(ctx);
    const table = quoteTable(ctx.cohortTable);
    const params = new SqlParameters();
    const compiled = [
      compileStratum(columns, parameters.rows, params, 'row variable'),
      compileStratum(columns, parameters.columns, params, 'column variable'),
    ];
    const rows = await ctx.query(
      `SELECT ${compiled[0]?.key} AS k0, ${compiled[1]?.key} AS k1, count(*) AS n FROM ${table} GROUP BY k0, k1`,
      params.values,
    );
    return { table: denseTable(compiled, rows) };
  },
  combine({ parameters, partials }): { status: 'done'; result: CrosstabResult } {
    requirePartials(partials, 'tables');
    const tables = partials.map((p) => partOf(p, 'table', ['table']));
    const pooled = poolTables(tables, [parameters.rows, parameters.columns]);
    const rowLevels = pooled.levels[0] ?? [];
    const columnLevels = pooled.levels[1] ?? [];
    const counts = rowLevels.map((_, r) =>
      columnLevels.map((_, c) => pooled.cells[r * columnLevels.length + c]?.count ?? 0),
    );
    const suppressedAt = rowLevels.map((_, r) =>
      columnLevels.map((_, c) => pooled.cells[r * columnLevels.length + c]?.suppressedAt ?? 0),
    );
    const rowTotals = counts.map((row) => row.reduce((a, b) => a + b, 0));
    const columnTotals = columnLevels.map((_, c) => counts.reduce((s, row) => s + (row[c] ?? 0), 0));
    const total = rowTotals.reduce((a, b) => a + b, 0);
    return {
      status: 'done',
      result: {
        rows: { variable: parameters.rows.variable, levels: rowLevels },
        columns: { variable: parameters.columns.variable, levels: columnLevels },
        counts,
        suppressedAt,
        rowTotals,
        columnTotals,
        total,
        chiSquare: pearsonChiSquare(counts, rowTotals, columnTotals, total),
        stations: partials.length,
      },
    };
  },
});

function pearsonChiSquare(
  counts: readonly (readonly number[])[],
  rowTotals: readonly number[],
  columnTotals: readonly number[],
  total: number,
): CrosstabResult['chiSquare'] {
  const rows = rowTotals.flatMap((t, r) => (t > 0 ? [r] : []));
  const columns = columnTotals.flatMap((t, c) => (t > 0 ? [c] : []));
  if (rows.length < 2 || columns.length < 2) return null;
  let statistic = 0;
  let minExpected = Infinity;
  for (const r of rows) {
    for (const c of columns) {
      const expected = ((rowTotals[r] ?? 0) * (columnTotals[c] ?? 0)) / total;
      minExpected = Math.min(minExpected, expected);
      statistic += ((counts[r]?.[c] ?? 0) - expected) ** 2 / expected;
    }
  }
  const df = (rows.length - 1) * (columns.length - 1);
  return { statistic, df, pValue: chiSquareSurvival(statistic, df), minExpected };
}
