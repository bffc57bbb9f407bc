import { toCountValue, toNumber } from '../_sql.ts';

/**
 * The per-round sums of the GLM's station half: Xᵀ W X, Xᵀ W z, the deviance and the indicators' cross
 * counts, computed in one aggregate query whose records are grouped by (some of) the 0/1 design columns.
 *
 * Why grouped: DuckDB's cost here grows with the number of aggregates (a few ns per record each), and
 * within a group an indicator is a constant, so every product with it is a per-group sum of the other
 * factor times 0 or 1. Grouping by the indicators leaves only the sums among the other columns to the
 * database (for 10 covariates, 4 of them indicators: 40 aggregates instead of about 95) and turns the
 * indicators' cross counts into per-group record counts. The per-group rows stay inside the station half;
 * only their totals (the same model aggregate as without grouping) are returned for disclosure control.
 */

/** A design column as the sums see it. */
export interface SumsColumn {
  /** The intercept: 1 in every record (never in the SQL). */
  readonly constant: boolean;
  /** Holds only 0 and 1 (a dummy, or a numeric covariate found to), so its counts are released. */
  readonly indicator: boolean;
  /**
   * For an indicator: its variable and how many combinations that variable's columns take (a
   * categorical's dummies are exclusive: its number of levels; a 0/1 covariate: 2).
   */
  readonly group?: { readonly variable: string; readonly combinations: number };
}

/** What the SQL expects of its input relation `r` and what the sums are. */
export interface SumsPlanInput {
  readonly columns: readonly SumsColumn[];
  /** The outcome is 0/1 (binomial): its cross counts with the indicators are released too. */
  readonly outcomeIndicator: boolean;
  /** Whether `r` has a per-record log-likelihood `ll` to sum (else it follows from the deviance or is 0). */
  readonly sumLogLikelihood: boolean;
  /** The condition of a record outside the family's range, if the family has one. */
  readonly invalid: string | undefined;
  /** Most groups the query may form. @default 1024 */
  readonly maxGroups?: number;
}

/** The station's sums, before disclosure control. */
export interface StationSums {
  readonly n: number;
  readonly deviance: number;
  readonly logLikelihood: number;
  readonly invalid: number;
  /** Upper triangle, row by row. */
  readonly xtwx: number[];
  readonly xtwz: number[];
  /** Upper triangle over the indicators in design order, then the outcome if it is one. */
  readonly crossCounts: number[];
}

export interface SumsPlan {
  /** Design columns the records are grouped by. */
  readonly grouped: readonly number[];
  /** `SELECT … FROM r [GROUP BY …]`: `r` has `y`, `x<j>` for every non-constant column, `w`, `wz`, `dev`. */
  readonly sql: string;
  assemble(rows: readonly Record<string, unknown>[]): StationSums;
}

/** Plans the aggregate query and how its rows add up to the station's sums. */
export function planSums(input: SumsPlanInput): SumsPlan {
  const { columns, outcomeIndicator } = input;
  const maxGroups = input.maxGroups ?? 1024;
  const p = columns.length;

  // Group by whole variables (a categorical's dummies together), in design order, while the number of
  // combinations stays bounded: the query returns one row per combination present.
  const groupedVariables = new Set<string>();
  let combinations = 1;
  for (const c of columns) {
    const group = c.indicator ? c.group : undefined;
    if (group === undefined || groupedVariables.has(group.variable)) continue;
    if (combinations * group.combinations > maxGroups) continue;
    groupedVariables.add(group.variable);
    combinations *= group.combinations;
  }
  const isGrouped = columns.map(
    (c) => c.indicator && c.group !== undefined && groupedVariables.has(c.group.variable),
  );
  const grouped = columns.flatMap((_, j) => (isGrouped[j] === true ? [j] : []));
  // Columns that vary within a group: their sums are the database's.
  const varying = columns.flatMap((c, j) => (!c.constant && isGrouped[j] !== true ? [j] : []));
  const indicators = columns.flatMap((c, j) => (c.indicator ? [j] : []));
  const ungroupedIndicators = indicators.filter((j) => isGrouped[j] !== true);

  const sums = ['count(*) AS n', 'sum(dev) AS dev', 'sum(w) AS sw', 'sum(wz) AS swz'];
  if (input.sumLogLikelihood) sums.push('sum(ll) AS ll');
  if (input.invalid !== undefined) sums.push(`count(*) FILTER (WHERE ${input.invalid}) AS invalid`);
  if (outcomeIndicator) sums.push('sum(y) AS sy');
  for (const [k, i] of varying.entries()) {
    sums.push(`sum(w * x${i}) AS w${i}`, `sum(wz * x${i}) AS z${i}`);
    for (const j of varying.slice(k)) {
      // An indicator squared is itself: its diagonal is w<i>.
      if (i !== j || columns[i]?.indicator !== true) sums.push(`sum(w * x${i} * x${j}) AS a${i}_${j}`);
    }
  }
  for (const [k, u] of ungroupedIndicators.entries()) {
    // Counts of 0/1 values summed as doubles are exact (far below 2^53) and cheaper than integer casts.
    sums.push(`sum(x${u}) AS s${u}`);
    for (const v of ungroupedIndicators.slice(k + 1)) sums.push(`sum(x${u} * x${v}) AS s${u}_${v}`);
    if (outcomeIndicator) sums.push(`sum(x${u} * y) AS s${u}_y`);
  }
  const keys = grouped.map((j) => `x${j}`);
  const sql =
    keys.length === 0
      ? `SELECT ${sums.join(', ')} FROM r`
      : `SELECT ${[...keys, ...sums].join(', ')} FROM r GROUP BY ${keys.join(', ')}`;

  return {
    grouped,
    sql,
    assemble(rows) {
      const xtwx = new Array<number>((p * (p + 1)) / 2).fill(0);
      const xtwz = new Array<number>(p).fill(0);
      const k = indicators.length + (outcomeIndicator ? 1 : 0);
      const crossCounts = new Array<number>((k * (k + 1)) / 2).fill(0);
      let n = 0;
      let deviance = 0;
      let logLikelihood = 0;
      let invalid = 0;
      const outcome = -1;
      const members = [...indicators, ...(outcomeIndicator ? [outcome] : [])];
      for (const row of rows) {
        const num = (name: string) => toNumber(row[name]) ?? 0;
        const count = toCountValue(row['n']);
        const sw = num('sw');
        const swz = num('swz');
        // A column's value in this group, if it is constant there.
        const fixed = columns.map((c, j) =>
          c.constant ? 1 : isGrouped[j] === true ? num(`x${j}`) : undefined,
        );
        n += count;
        deviance += num('dev');
        logLikelihood += num('ll');
        invalid += toCountValue(row['invalid']);
        let index = 0;
        for (let i = 0; i < p; i++) {
          const fi = fixed[i];
          for (let j = i; j < p; j++) {
            const fj = fixed[j];
            let value: number;
            if (fi !== undefined && fj !== undefined) value = fi * fj * sw;
            else if (fi !== undefined) value = fi * num(`w${j}`);
            else if (fj !== undefined) value = fj * num(`w${i}`);
            else if (i === j && columns[i]?.indicator === true) value = num(`w${i}`);
            else value = num(`a${i}_${j}`);
            xtwx[index] = (xtwx[index] ?? 0) + value;
            index++;
          }
          xtwz[i] = (xtwz[i] ?? 0) + (fi !== undefined ? fi * swz : num(`z${i}`));
        }
        // Cross counts: an indicator that is fixed in the group contributes its value times the other's
        // count there; two that vary have their own sums.
        const ones = (a: number) =>
          a === outcome ? num('sy') : fixed[a] !== undefined ? (fixed[a] ?? 0) * count : num(`s${a}`);
        const both = (a: number, b: number): number => {
          const fa = a === outcome ? undefined : fixed[a];
          const fb = b === outcome ? undefined : fixed[b];
          if (fa !== undefined) return fa * ones(b);
          if (fb !== undefined) return fb * ones(a);
          return b === outcome ? num(`s${a}_y`) : num(`s${a}_${b}`);
        };
        index = 0;
        for (let a = 0; a < members.length; a++) {
          for (let b = a; b < members.length; b++) {
            const ma = members[a] ?? 0;
            const mb = members[b] ?? 0;
            crossCounts[index] = (crossCounts[index] ?? 0) + (a === b ? ones(ma) : both(ma, mb));
            index++;
          }
        }
      }
      return { n, deviance, logLikelihood, invalid, xtwx, xtwz, crossCounts };
    },
  };
}
