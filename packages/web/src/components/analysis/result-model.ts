/*
 * The pooled results of the analytics library's algorithms, as the hub stores them (packages/analytics:
 * `KaplanMeierResult`, `GlmResult`, `CountResult`), read defensively: a result that does not have the
 * expected shape is shown by the generic view instead of breaking the page.
 */

/** One step of a pooled Kaplan–Meier curve. */
export interface SurvivalStep {
  readonly time: number;
  readonly atRisk: number;
  readonly events: number;
  readonly censored: number;
  readonly survival: number;
  readonly standardError: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
}

/** A pooled curve for one group (label null when ungrouped). */
export interface SurvivalCurve {
  readonly label: string | null;
  readonly persons: number;
  readonly releasedUntil: number | null;
  readonly median: number | null;
  readonly steps: readonly SurvivalStep[];
  readonly suppressedAt: number;
}

/** The result of `kaplan-meier@1.0.0`. */
export interface KaplanMeierResult {
  readonly time: string;
  readonly confidenceInterval: string;
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

/** One row of a GLM's coefficient table. */
export interface GlmCoefficient {
  readonly term: string;
  readonly estimate: number;
  readonly standardError: number;
  readonly statistic: number;
  readonly pValue: number;
  readonly lower: number;
  readonly upper: number;
}

/** The result of `glm@1.0.0`. */
export interface GlmResult {
  readonly family: string;
  readonly link: string;
  readonly coefficients: readonly GlmCoefficient[];
  readonly statistic: 'z' | 't';
  readonly dispersion: number;
  readonly deviance: number;
  readonly logLikelihood: number;
  readonly aic: number;
  readonly n: number;
  readonly residualDf: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly stations: { readonly included: readonly string[]; readonly withheld: readonly string[] };
}

/** A pooled cell of a stratified count; `suppressedAt` stations withheld it (then `count` is a lower bound). */
export interface CountCell {
  readonly key: readonly string[];
  readonly count: number;
  readonly suppressedAt: number;
}

/** The result of `count@1.0.0`. */
export type CountResult =
  | { readonly persons: number; readonly suppressedAt: number; readonly stations: number }
  | {
      readonly dimensions: readonly string[];
      readonly levels: readonly (readonly string[])[];
      readonly cells: readonly CountCell[];
      readonly total: number;
      readonly totalSuppressedAt: number;
      readonly stations: number;
    };

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The result as a Kaplan–Meier result, when it is one. */
export function asKaplanMeierResult(value: unknown): KaplanMeierResult | undefined {
  if (!isObject(value) || typeof value['time'] !== 'string' || !Array.isArray(value['curves']))
    return undefined;
  const curvesOk = value['curves'].every(
    (curve) =>
      isObject(curve) &&
      Array.isArray(curve['steps']) &&
      curve['steps'].every((step) => isObject(step) && isNumber(step['time']) && isNumber(step['survival'])),
  );
  return curvesOk ? (value as unknown as KaplanMeierResult) : undefined;
}

/** The result as a GLM result, when it is one. */
export function asGlmResult(value: unknown): GlmResult | undefined {
  if (!isObject(value) || !Array.isArray(value['coefficients']) || !isObject(value['stations']))
    return undefined;
  const ok = value['coefficients'].every(
    (c) => isObject(c) && typeof c['term'] === 'string' && isNumber(c['estimate']) && isNumber(c['lower']),
  );
  return ok ? (value as unknown as GlmResult) : undefined;
}

/** The result as a count result, when it is one. */
export function asCountResult(value: unknown): CountResult | undefined {
  if (!isObject(value)) return undefined;
  if (isNumber(value['persons']) && isNumber(value['suppressedAt'])) return value as unknown as CountResult;
  if (Array.isArray(value['dimensions']) && Array.isArray(value['cells']))
    return value as unknown as CountResult;
  return undefined;
}

/** A point of a drawn survival curve; each curve starts at (0, 1). */
export interface SurvivalPoint {
  readonly group: string;
  readonly time: number;
  readonly survival: number;
  readonly lower: number | null;
  readonly upper: number | null;
}

/** The points to draw the curves as steps, each starting at survival 1 on day 0. */
export function kaplanMeierPoints(result: KaplanMeierResult): SurvivalPoint[] {
  return result.curves.flatMap((curve) => {
    const group = curve.label ?? 'Everyone';
    const first = curve.steps[0];
    const start: SurvivalPoint[] =
      first !== undefined && first.time === 0 ? [] : [{ group, time: 0, survival: 1, lower: 1, upper: 1 }];
    return [
      ...start,
      ...curve.steps.map((step) => ({
        group,
        time: step.time,
        survival: step.survival,
        lower: step.lower,
        upper: step.upper,
      })),
    ];
  });
}

/**
 * A pooled count as text: the number; "<8 (suppressed)" when every station withheld it; "≥ n" with the
 * stations that withheld their part (each of those parts was 1 to 7, so the sum is a lower bound).
 */
export function countCellText(count: number | null, suppressedAt: number): string {
  if (count === null) return 'suppressed';
  if (suppressedAt === 0) return formatNumber(count, 0);
  if (count === 0)
    return suppressedAt === 1 ? '<8 (suppressed)' : `<8 at each of ${suppressedAt} stations (suppressed)`;
  return `≥ ${formatNumber(count, 0)} (suppressed at ${suppressedAt} station${suppressedAt === 1 ? '' : 's'})`;
}

/** A number with `digits` decimals (thousands grouped), '—' when there is none. */
export function formatNumber(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A p-value as journals print it: "< 0.001" below that, else three decimals. */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return '—';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** The pooled summary of one numeric variable (`summary@1.0.0`). */
export interface VariableSummary {
  readonly variable: string;
  readonly n: number;
  readonly mean: number | null;
  readonly sd: number | null;
  readonly quantiles: readonly { readonly p: number; readonly value: number | null }[];
  /** Stations that withheld this summary (fewer than the minimum records). */
  readonly withheldAt: number;
}

/** The result of `summary@1.0.0`. */
export interface SummaryResult {
  readonly summaries: readonly VariableSummary[];
  readonly stations: number;
}

/** The result of `crosstab@1.0.0`: a pooled controlled table with Pearson's χ². */
export interface CrosstabResult {
  readonly rows: { readonly variable: string; readonly levels: readonly string[] };
  readonly columns: { readonly variable: string; readonly levels: readonly string[] };
  readonly counts: readonly (readonly number[])[];
  readonly suppressedAt: readonly (readonly number[])[];
  readonly rowTotals: readonly number[];
  readonly columnTotals: readonly number[];
  readonly total: number;
  readonly chiSquare: {
    readonly statistic: number;
    readonly df: number;
    readonly pValue: number;
    readonly minExpected: number;
  } | null;
  readonly stations: number;
}

/** The result as a summary result, when it is one. */
export function asSummaryResult(value: unknown): SummaryResult | undefined {
  if (!isObject(value) || !Array.isArray(value['summaries'])) return undefined;
  const ok = value['summaries'].every(
    (s) => isObject(s) && typeof s['variable'] === 'string' && isNumber(s['n']),
  );
  return ok ? (value as unknown as SummaryResult) : undefined;
}

/** The result as a crosstab result, when it is one. */
export function asCrosstabResult(value: unknown): CrosstabResult | undefined {
  if (!isObject(value) || !isObject(value['rows']) || !isObject(value['columns'])) return undefined;
  if (!Array.isArray(value['counts']) || !Array.isArray(value['suppressedAt'])) return undefined;
  return value as unknown as CrosstabResult;
}
