import { Type } from 'typebox';
import { defineAlgorithm } from '../algorithm.ts';
import { AnalyticsError } from '../analytics-error.ts';
import { partOf, requirePartials } from '../_combine-helpers.ts';
import { quoteTable, readCohortColumns, toCountValue } from '../_sql.ts';
import {
  binLabels,
  compileStratum,
  type CompiledStratum,
  mergeLevels,
  SqlParameters,
  StratumParameter,
  stratumLevels,
} from '../_stratum.ts';
import { indexTuples } from '../_protect-lines.ts';
import type { RawTable, ReleasedTable } from '../output-kinds.ts';

const maxCells = 20_000;

const CountParameters = Type.Object(
  {
    strata: Type.Optional(
      Type.Array(StratumParameter, {
        maxItems: 3,
        description: 'Up to three variables to count by; numeric ones binned at their breaks',
      }),
    ),
    privacy: Type.Optional(
      Type.Object(
        {
          epsilon: Type.Number({
            exclusiveMinimum: 0,
            maximum: 10,
            description:
              "Differential privacy: discrete Laplace noise with this ε per count, charged to the permit's budget",
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A pooled cell of a stratified count. */
export interface CountCell {
  readonly key: readonly string[];
  /** The sum of the stations' released (rounded) counts. */
  readonly count: number;
  /** Stations at which this cell was suppressed: `count` is then a lower bound. */
  readonly suppressedAt: number;
}

/** The result of `count@1.0.0`. */
export type CountResult =
  | { readonly persons: number; readonly suppressedAt: number; readonly stations: number }
  | {
      readonly dimensions: readonly string[];
      readonly levels: readonly (readonly string[])[];
      readonly cells: readonly CountCell[];
      /** Sum of the stations' released totals; `suppressedAt` says where a station's total was withheld. */
      readonly total: number;
      readonly totalSuppressedAt: number;
      readonly stations: number;
    };

/** Persons in the cohort, optionally by up to three variables (numeric ones binned). */
export const countAlgorithm = defineAlgorithm({
  name: 'count',
  version: '1.0.0',
  title: 'Count persons',
  description:
    'Counts the persons in the cohort, optionally stratified by up to three variables (numeric variables binned at the given breaks). Counts 1..7 are suppressed and the others rounded to 5 at each station.',
  parameters: CountParameters,
  state: Type.Unknown(),
  outputKinds: ['count', 'table'],
  rounds: 'single',
  async local(ctx, parameters) {
    const columns = await readCohortColumns(ctx);
    const table = quoteTable(ctx.cohortTable);
    const strata = parameters.strata ?? [];
    if (strata.length === 0) {
      const rows = await ctx.query(`SELECT count(*) AS n FROM ${table}`);
      return { persons: { kind: 'count', value: toCountValue(rows[0]?.['n']) } };
    }
    const variables = strata.map((s) => s.variable);
    if (new Set(variables).size !== variables.length) {
      throw new AnalyticsError(
        'invalid-parameters',
        'Cannot count: a variable appears twice among the strata',
      );
    }
    const params = new SqlParameters();
    const compiled = strata.map((s) => compileStratum(columns, s, params));
    const keys = compiled.map((c, d) => `${c.key} AS k${d}`).join(', ');
    const rows = await ctx.query(
      `SELECT ${keys}, count(*) AS n FROM ${table} GROUP BY ${compiled.map((_, d) => `k${d}`).join(', ')}`,
      params.values,
    );
    return { persons: denseTable(compiled, rows) };
  },
  combine({ parameters, partials }): { status: 'done'; result: CountResult } {
    requirePartials(partials, 'counts');
    const parts = partials.map((p) => partOf(p, 'persons', ['count', 'table']));
    const strata = parameters.strata ?? [];
    if (strata.length === 0) {
      let persons = 0;
      let suppressedAt = 0;
      for (const part of parts) {
        if (part.kind !== 'count')
          throw new AnalyticsError('compute', 'Cannot combine counts: a station sent a table');
        if (part.value === null) suppressedAt++;
        else persons += part.value;
      }
      return { status: 'done', result: { persons, suppressedAt, stations: partials.length } };
    }
    const tables = parts.map((part) => {
      if (part.kind !== 'table')
        throw new AnalyticsError('compute', 'Cannot combine counts: a station sent no table');
      return part;
    });
    return { status: 'done', result: poolTables(tables, strata) };
  },
});

/** Builds a dense table from rows `k0..kd, n`. */
export function denseTable(
  compiled: readonly CompiledStratum[],
  rows: readonly Record<string, unknown>[],
): RawTable {
  const levels = compiled.map((c, d) =>
    stratumLevels(
      c,
      rows.map((r) => r[`k${d}`]),
    ),
  );
  const cells = levels.reduce((a, l) => a * l.length, 1);
  if (cells > maxCells) {
    throw new AnalyticsError(
      'invalid-parameters',
      `Cannot tabulate: ${cells} cells is more than ${maxCells}; use fewer variables or coarser breaks`,
    );
  }
  const index = levels.map((l) => new Map(l.map((label, i) => [label, i])));
  const shape = levels.map((l) => l.length);
  const counts = new Array<number>(cells).fill(0);
  for (const row of rows) {
    let at = 0;
    compiled.forEach((c, d) => {
      at = at * (shape[d] ?? 1) + (index[d]?.get(c.label(row[`k${d}`])) ?? 0);
    });
    counts[at] = (counts[at] ?? 0) + toCountValue(row['n']);
  }
  return { kind: 'table', dimensions: compiled.map((c) => c.variable), levels, counts };
}

/** Pools the stations' released tables cell by cell (labels aligned; a level a station lacks counts 0). */
export function poolTables(
  tables: readonly ReleasedTable[],
  strata: readonly StratumParameter[],
): Extract<CountResult, { cells: unknown }> {
  const dims = strata.length;
  const levels = strata.map((s, d) =>
    mergeLevels(
      tables.map((t) => t.levels[d] ?? []),
      s.breaks === undefined ? undefined : binLabels(s.breaks),
    ),
  );
  const shape = levels.map((l) => l.length);
  const index = levels.map((l) => new Map(l.map((label, i) => [label, i])));
  const size = shape.reduce((a, b) => a * b, 1);
  const counts = new Array<number>(size).fill(0);
  const suppressed = new Array<number>(size).fill(0);
  let total = 0;
  let totalSuppressedAt = 0;
  for (const t of tables) {
    if (t.levels.length !== dims)
      throw new AnalyticsError('compute', 'Cannot combine tables of different dimensions');
    const tShape = t.levels.map((l) => l.length);
    indexTuples(tShape).forEach((tuple, i) => {
      let at = 0;
      tuple.forEach((level, d) => {
        at = at * (shape[d] ?? 1) + (index[d]?.get(t.levels[d]?.[level] ?? '') ?? 0);
      });
      const value = t.counts[i];
      if (value === null || value === undefined) suppressed[at] = (suppressed[at] ?? 0) + 1;
      else counts[at] = (counts[at] ?? 0) + value;
    });
    if (t.total === null || t.total === undefined) totalSuppressedAt++;
    else total += t.total;
  }
  const cells = indexTuples(shape).map((tuple, i) => ({
    key: tuple.map((level, d) => levels[d]?.[level] ?? ''),
    count: counts[i] ?? 0,
    suppressedAt: suppressed[i] ?? 0,
  }));
  return {
    dimensions: strata.map((s) => s.variable),
    levels,
    cells,
    total,
    totalSuppressedAt,
    stations: tables.length,
  };
}
