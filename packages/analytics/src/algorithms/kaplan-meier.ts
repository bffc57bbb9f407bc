import { Type, type Static } from 'typebox';
import { defineAlgorithm, type StationPartial } from '../algorithm.ts';
import { AnalyticsError } from '../analytics-error.ts';
import type { RawSurvivalCurve } from '../output-kinds.ts';
import { partOf, requirePartials } from '../_combine-helpers.ts';
import { chiSquareSurvival, normalQuantile } from '../_distributions.ts';
import { cholesky, SingularMatrixError } from '../_linear-algebra.ts';
import {
  cohortVariable,
  quoteTable,
  readCohortColumns,
  toCountValue,
  toNumber,
  variableNamePattern,
} from '../_sql.ts';
import { compileStratum, mergeLevels, SqlParameters, StratumParameter, stratumLevels } from '../_stratum.ts';

const KaplanMeierParameters = Type.Object(
  {
    time: Type.String({ pattern: variableNamePattern, description: 'Time-to-event variable (days)' }),
    event: Type.Optional(
      Type.String({
        pattern: variableNamePattern,
        description: 'Event indicator (0/1); default `<time>_event`',
      }),
    ),
    group: Type.Optional(StratumParameter),
    confidenceInterval: Type.Optional(
      Type.Union([Type.Literal('log'), Type.Literal('log-log'), Type.Literal('plain')], {
        default: 'log',
        description: "95% interval: 'log' (R's survfit default), 'log-log' or 'plain'",
      }),
    ),
  },
  { additionalProperties: false },
);
type KaplanMeierParameters = Static<typeof KaplanMeierParameters>;

/** One step of a pooled Kaplan–Meier curve. */
export interface SurvivalStep {
  readonly time: number;
  readonly atRisk: number;
  readonly events: number;
  readonly censored: number;
  readonly survival: number;
  /** Greenwood standard error of the survival; null once survival reaches 0. */
  readonly standardError: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
}

/** A pooled curve for one group (label null when ungrouped). */
export interface SurvivalCurve {
  readonly label: string | null;
  readonly persons: number;
  /** The curve ends here: the earliest time after which some station released no more steps. */
  readonly releasedUntil: number | null;
  readonly median: number | null;
  readonly steps: readonly SurvivalStep[];
  /** Stations at which this group was suppressed (too few persons): not in the curve. */
  readonly suppressedAt: number;
}

/** The result of `kaplan-meier@1.0.0`. */
export interface KaplanMeierResult {
  readonly time: string;
  readonly confidenceInterval: 'log' | 'log-log' | 'plain';
  readonly curves: readonly SurvivalCurve[];
  readonly logRank: {
    readonly statistic: number;
    readonly df: number;
    readonly pValue: number;
    readonly observed: readonly number[];
    readonly expected: readonly number[];
  } | null;
  readonly stations: number;
}

/**
 * Kaplan–Meier survival curves, pooled exactly from the stations' (time, events, censored) tables, with
 * Greenwood standard errors and 95% intervals; with a group variable, one curve per group and the
 * log-rank test across groups.
 */
export const kaplanMeierAlgorithm = defineAlgorithm({
  name: 'kaplan-meier',
  version: '1.0.0',
  title: 'Kaplan–Meier survival',
  description:
    'Product-limit survival curves of a time-to-event variable with Greenwood 95% intervals, optionally by group with a log-rank test. Each station releases steps only while at least 8 are at risk, with events and censorings grouped into blocks of at least 10.',
  parameters: KaplanMeierParameters,
  state: Type.Unknown(),
  outputKinds: ['survival-curve'],
  rounds: 'single',
  async local(ctx, parameters) {
    const columns = await readCohortColumns(ctx);
    const table = quoteTable(ctx.cohortTable);
    const time = cohortVariable(columns, parameters.time, { role: 'time variable', type: 'numeric' });
    const eventName = parameters.event ?? `${parameters.time}_event`;
    const event = cohortVariable(columns, eventName, { role: 'event variable', type: 'numeric' });
    const params = new SqlParameters();
    const group =
      parameters.group === undefined
        ? undefined
        : compileStratum(columns, parameters.group, params, 'group variable');
    const rows = await ctx.query(
      `SELECT ${group?.key ?? 'NULL'} AS g, CAST(${time} AS DOUBLE) AS t,
              sum(CASE WHEN ${event} = 1 THEN 1 ELSE 0 END) AS events, count(*) AS n,
              sum(CASE WHEN ${event} IN (0, 1) AND ${time} >= 0 THEN 0 ELSE 1 END) AS invalid
       FROM ${table} WHERE ${time} IS NOT NULL AND ${event} IS NOT NULL
       GROUP BY g, t ORDER BY t`,
      params.values,
    );
    if (rows.some((r) => toCountValue(r['invalid']) > 0)) {
      throw new AnalyticsError(
        'invalid-parameters',
        `Cannot estimate survival: "${eventName}" must be 0 or 1 and "${parameters.time}" not negative`,
      );
    }
    const labels =
      group === undefined
        ? [null]
        : stratumLevels(
            group,
            rows.map((r) => r['g']),
          );
    const byLabel = new Map<
      string | null,
      { persons: number; steps: { time: number; events: number; censored: number }[] }
    >(labels.map((l) => [l, { persons: 0, steps: [] }]));
    for (const row of rows) {
      const label = group === undefined ? null : group.label(row['g']);
      const entry = byLabel.get(label);
      if (entry === undefined) continue;
      const n = toCountValue(row['n']);
      const events = toCountValue(row['events']);
      entry.persons += n;
      entry.steps.push({ time: toNumber(row['t']) ?? 0, events, censored: n - events });
    }
    const curve: RawSurvivalCurve = {
      kind: 'survival-curve',
      variable: parameters.time,
      groups: labels.map((label) => ({ label, ...(byLabel.get(label) ?? { persons: 0, steps: [] }) })),
    };
    return { curve };
  },
  combine({ parameters, partials }): { status: 'done'; result: KaplanMeierResult } {
    requirePartials(partials, 'survival data');
    return { status: 'done', result: poolSurvival(parameters, partials) };
  },
});

interface PooledGroup {
  label: string | null;
  persons: number;
  horizon: number;
  steps: Map<number, { events: number; censored: number }>;
  suppressedAt: number;
}

function poolSurvival(
  parameters: KaplanMeierParameters,
  partials: readonly StationPartial[],
): KaplanMeierResult {
  const parts = partials.map((p) => partOf(p, 'curve', ['survival-curve']));
  const grouped = parameters.group !== undefined;
  const labels = grouped
    ? mergeLevels(parts.map((part) => part.groups.flatMap((g) => (g.label === null ? [] : [g.label]))))
    : [null];
  const groups: PooledGroup[] = labels.map((label) => ({
    label,
    persons: 0,
    horizon: Infinity,
    steps: new Map(),
    suppressedAt: 0,
  }));
  const byLabel = new Map(groups.map((g) => [g.label, g]));
  for (const part of parts) {
    for (const g of part.groups) {
      if (g.persons === null) {
        // A suppressed group is unnamed; when ungrouped it is the whole curve.
        if (!grouped) (byLabel.get(null) as PooledGroup).suppressedAt++;
        continue;
      }
      const pooled = byLabel.get(grouped ? g.label : null);
      if (pooled === undefined || g.persons === 0) continue;
      pooled.persons += g.persons;
      const until = g.releasedUntil === undefined ? Infinity : (g.releasedUntil ?? -Infinity);
      pooled.horizon = Math.min(pooled.horizon, until);
      for (const step of g.steps) {
        const at = pooled.steps.get(step.time) ?? { events: 0, censored: 0 };
        at.events += step.events;
        at.censored += step.censored;
        pooled.steps.set(step.time, at);
      }
    }
  }
  const z = normalQuantile(0.975);
  const interval = parameters.confidenceInterval ?? 'log';
  const curves = groups.map((g) => productLimit(g, z, interval));
  const logRank = grouped ? logRankTest(groups.filter((g) => g.persons > 0)) : null;
  return { time: parameters.time, confidenceInterval: interval, curves, logRank, stations: partials.length };
}

function sortedSteps(
  g: PooledGroup,
  horizon: number,
): { time: number; events: number; censored: number; atRisk: number }[] {
  let atRisk = g.persons;
  return [...g.steps.entries()]
    .sort((a, b) => a[0] - b[0])
    .filter(([time]) => time <= horizon)
    .map(([time, s]) => {
      const step = { time, events: s.events, censored: s.censored, atRisk };
      atRisk -= s.events + s.censored;
      return step;
    });
}

function productLimit(g: PooledGroup, z: number, interval: 'log' | 'log-log' | 'plain'): SurvivalCurve {
  let survival = 1;
  let greenwood = 0;
  let median: number | null = null;
  const steps: SurvivalStep[] = [];
  for (const s of sortedSteps(g, g.horizon)) {
    if (s.atRisk <= 0) break;
    if (s.events > 0) {
      survival *= 1 - s.events / s.atRisk;
      greenwood = s.atRisk > s.events ? greenwood + s.events / (s.atRisk * (s.atRisk - s.events)) : Infinity;
      if (median === null && survival <= 0.5) median = s.time;
    }
    const se = survival > 0 && Number.isFinite(greenwood) ? survival * Math.sqrt(greenwood) : null;
    const [lower, upper] = confidenceLimits(survival, greenwood, z, interval);
    steps.push({ ...s, survival, standardError: se, lower, upper });
  }
  return {
    label: g.label,
    persons: g.persons,
    releasedUntil: Number.isFinite(g.horizon) ? g.horizon : (steps[steps.length - 1]?.time ?? null),
    median,
    steps,
    suppressedAt: g.suppressedAt,
  };
}

/** 95% limits: log (R's default) S·exp(±z·√V), log-log, or plain S ± z·S·√V; V the Greenwood sum. */
function confidenceLimits(
  survival: number,
  greenwood: number,
  z: number,
  interval: 'log' | 'log-log' | 'plain',
): [number | null, number | null] {
  if (!(survival > 0) || !Number.isFinite(greenwood)) return [null, null];
  const root = Math.sqrt(greenwood);
  if (root === 0) return [survival, survival];
  switch (interval) {
    case 'log':
      return [survival * Math.exp(-z * root), Math.min(1, survival * Math.exp(z * root))];
    case 'plain':
      return [Math.max(0, survival - z * survival * root), Math.min(1, survival + z * survival * root)];
    case 'log-log': {
      if (survival >= 1) return [1, 1];
      const spread = (z * root) / Math.log(survival);
      return [survival ** Math.exp(-spread), survival ** Math.exp(spread)];
    }
  }
}

/**
 * The log-rank test over k groups: at each distinct event time up to the common horizon, observed minus
 * expected events per group and the hypergeometric covariance; χ² = (O−E)ᵀ V⁻¹ (O−E) on the first k−1
 * groups, k−1 degrees of freedom.
 */
function logRankTest(groups: readonly PooledGroup[]): KaplanMeierResult['logRank'] {
  const k = groups.length;
  if (k < 2) return null;
  const horizon = Math.min(...groups.map((g) => g.horizon));
  const tables = groups.map((g) => sortedSteps(g, horizon));
  const times = [...new Set(tables.flatMap((t) => t.filter((s) => s.events > 0).map((s) => s.time)))].sort(
    (a, b) => a - b,
  );
  const observed = new Array<number>(k).fill(0);
  const expected = new Array<number>(k).fill(0);
  const v = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const cursors = new Array<number>(k).fill(0);
  const atRisk = groups.map((g) => g.persons);
  for (const t of times) {
    const d: number[] = [];
    const r: number[] = [];
    for (let g = 0; g < k; g++) {
      const table = tables[g] ?? [];
      // Advance past steps before t, removing their events and censorings from those at risk.
      while ((table[cursors[g] ?? 0]?.time ?? Infinity) < t) {
        const s = table[cursors[g] ?? 0];
        atRisk[g] = (atRisk[g] ?? 0) - ((s?.events ?? 0) + (s?.censored ?? 0));
        cursors[g] = (cursors[g] ?? 0) + 1;
      }
      const here = table[cursors[g] ?? 0];
      d.push(here?.time === t ? here.events : 0);
      r.push(atRisk[g] ?? 0);
    }
    const dTotal = d.reduce((a, b) => a + b, 0);
    const rTotal = r.reduce((a, b) => a + b, 0);
    if (rTotal <= 0 || dTotal === 0) continue;
    const factor = rTotal > 1 ? (dTotal * (rTotal - dTotal)) / (rTotal - 1) : 0;
    for (let g = 0; g < k; g++) {
      observed[g] = (observed[g] ?? 0) + (d[g] ?? 0);
      expected[g] = (expected[g] ?? 0) + (dTotal * (r[g] ?? 0)) / rTotal;
      for (let h = 0; h < k; h++) {
        const share = (r[g] ?? 0) / rTotal;
        (v[g] as number[])[h] =
          (v[g]?.[h] ?? 0) + factor * share * ((g === h ? 1 : 0) - (r[h] ?? 0) / rTotal);
      }
    }
  }
  const diff = observed.slice(0, k - 1).map((o, g) => o - (expected[g] ?? 0));
  const reduced = v.slice(0, k - 1).map((row) => row.slice(0, k - 1));
  let statistic: number;
  try {
    const solved = cholesky(reduced).solve(diff);
    statistic = diff.reduce((s, x, i) => s + x * (solved[i] ?? 0), 0);
  } catch (error) {
    if (error instanceof SingularMatrixError) return null;
    throw error;
  }
  return { statistic, df: k - 1, pValue: chiSquareSurvival(statistic, k - 1), observed, expected };
}
