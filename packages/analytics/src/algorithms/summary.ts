import { Type } from 'typebox';
import { defineAlgorithm } from '../algorithm.ts';
import { AnalyticsError } from '../analytics-error.ts';
import type { RawSummary, StationOutput } from '../output-kinds.ts';
import { partOf, requirePartials } from '../_combine-helpers.ts';
import {
  cohortVariable,
  quoteTable,
  readCohortColumns,
  toCountValue,
  toNumber,
  variableNamePattern,
} from '../_sql.ts';
import { SqlParameters } from '../_stratum.ts';

const SummaryParameters = Type.Object(
  {
    variables: Type.Array(Type.String({ pattern: variableNamePattern }), {
      minItems: 1,
      maxItems: 20,
      uniqueItems: true,
      description: 'Numeric cohort variables to summarise',
    }),
    quantiles: Type.Optional(
      Type.Array(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }), {
        maxItems: 9,
        description:
          'Quantiles wanted (e.g. 0.25, 0.5, 0.75); a station releases one only with 8 records on each side',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The pooled summary of one variable. */
export interface VariableSummary {
  readonly variable: string;
  /** Records with a value, over the stations that released their summary. */
  readonly n: number;
  readonly mean: number | null;
  readonly sd: number | null;
  /**
   * Quantiles: the n-weighted mean of the stations' quantiles, an approximation (exact quantiles cannot be
   * pooled from per-station ones); null unless every included station released it.
   */
  readonly quantiles: readonly {
    readonly p: number;
    readonly value: number | null;
    readonly approximate: true;
  }[];
  /** Stations that withheld this summary (fewer than the minimum records). */
  readonly withheldAt: number;
}

/** The result of `summary@1.0.0`. */
export interface SummaryResult {
  readonly summaries: readonly VariableSummary[];
  readonly stations: number;
}

/**
 * n, mean and standard deviation of numeric variables (exactly pooled from the stations' n, mean and
 * sd), optionally quantiles (approximate). Never minima or maxima.
 */
export const summaryAlgorithm = defineAlgorithm({
  name: 'summary',
  version: '1.0.0',
  title: 'Summary statistics',
  description:
    'Number of values, mean and standard deviation of numeric variables, pooled exactly over the stations; optional quantiles (approximate, released by a station only with 8 records on each side). No minima or maxima. A station withholds a summary of fewer than 10 records.',
  parameters: SummaryParameters,
  state: Type.Unknown(),
  outputKinds: ['summary'],
  rounds: 'single',
  async local(ctx, parameters) {
    const columns = await readCohortColumns(ctx);
    const table = quoteTable(ctx.cohortTable);
    const params = new SqlParameters();
    const quantiles = [...(parameters.quantiles ?? [])].sort((a, b) => a - b);
    const list =
      quantiles.length === 0 ? undefined : `[${quantiles.map((q) => `${params.add(q)}::DOUBLE`).join(', ')}]`;
    const selects = parameters.variables.map((name, i) => {
      const v = cohortVariable(columns, name, { role: 'variable', type: 'numeric' });
      return [
        `count(${v}) AS n${i}`,
        `avg(CAST(${v} AS DOUBLE)) AS m${i}`,
        `stddev_samp(CAST(${v} AS DOUBLE)) AS s${i}`,
        ...(list === undefined ? [] : [`quantile_cont(CAST(${v} AS DOUBLE), ${list}) AS q${i}`]),
      ].join(', ');
    });
    const [row] = await ctx.query(`SELECT ${selects.join(', ')} FROM ${table}`, params.values);
    const output: Record<string, RawSummary> = {};
    parameters.variables.forEach((name, i) => {
      const q = row?.[`q${i}`];
      const values = Array.isArray(q) ? q : [];
      output[name] = {
        kind: 'summary',
        variable: name,
        n: toCountValue(row?.[`n${i}`]),
        mean: toNumber(row?.[`m${i}`]),
        sd: toNumber(row?.[`s${i}`]),
        quantiles: quantiles.map((p, k) => ({ p, value: toNumber(values[k]) })),
      };
    });
    return output satisfies StationOutput;
  },
  combine({ parameters, partials }): { status: 'done'; result: SummaryResult } {
    requirePartials(partials, 'summaries');
    const summaries = parameters.variables.map((variable) => {
      const parts = partials.map((p) => partOf(p, variable, ['summary']));
      const released = parts.filter((s) => s.n !== null && s.n > 0 && s.mean !== null);
      const withheldAt = parts.filter((s) => s.n === null).length;
      const n = released.reduce((s, x) => s + (x.n ?? 0), 0);
      if (n === 0) return { variable, n: 0, mean: null, sd: null, quantiles: [], withheldAt };
      const mean = released.reduce((s, x) => s + (x.n ?? 0) * (x.mean ?? 0), 0) / n;
      // Pooled sum of squared deviations: within-station (n−1)s² plus between-station n(m − mean)².
      const squares = released.reduce(
        (s, x) => s + ((x.n ?? 0) - 1) * (x.sd ?? 0) ** 2 + (x.n ?? 0) * ((x.mean ?? 0) - mean) ** 2,
        0,
      );
      const wanted = [...(parameters.quantiles ?? [])].sort((a, b) => a - b);
      const quantiles = wanted.map((p) => {
        const values = released.map((x) => x.quantiles.find((q) => q.p === p)?.value ?? null);
        const value = values.every((v) => v !== null)
          ? values.reduce<number>((s, v, k) => s + (released[k]?.n ?? 0) * (v ?? 0), 0) / n
          : null;
        return { p, value, approximate: true as const };
      });
      return { variable, n, mean, sd: n > 1 ? Math.sqrt(squares / (n - 1)) : null, quantiles, withheldAt };
    });
    if (summaries.length === 0)
      throw new AnalyticsError('invalid-parameters', 'Cannot summarise: no variables');
    return { status: 'done', result: { summaries, stations: partials.length } };
  },
});
