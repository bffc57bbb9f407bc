/**
 * @polder/analytics — the vetted algorithm library. Each algorithm has a station half (runs on the
 * station's DuckDB over a cohort) and a hub half (combines the stations' disclosure-controlled partials).
 */
export { defineAlgorithm } from './algorithm.ts';
export type {
  Algorithm,
  AlgorithmInfo,
  AnyAlgorithm,
  CombineOutcome,
  StationContext,
  StationPartial,
} from './algorithm.ts';
export { findAlgorithm, listAlgorithms } from './algorithm-registry.ts';
export { AnalyticsError, isAnalyticsError } from './analytics-error.ts';
export type { AnalyticsErrorCode } from './analytics-error.ts';
export { runStationHalf } from './run-station-half.ts';
export { schemaProblem } from './_validate.ts';
export type { StationTask } from './run-station-half.ts';
export { combineRound } from './combine-round.ts';
export type { CombineRoundInput } from './combine-round.ts';
export { controlOutput, survivalReleaseUnit } from './disclosure-control.ts';
export type { ControlledOutput } from './disclosure-control.ts';
export { duckDbQuery } from './duckdb-query.ts';
export { outputKinds, ReleasedOutput, ReleasedOutputPart } from './output-kinds.ts';
export type { OutputKind, RawOutputPart, StationOutput } from './output-kinds.ts';
export type { CountResult, CountCell } from './algorithms/count.ts';
export type { GlmCoefficient, GlmResult } from './algorithms/glm.ts';
export type { KaplanMeierResult, SurvivalCurve, SurvivalStep } from './algorithms/kaplan-meier.ts';
export type { SummaryResult, VariableSummary } from './algorithms/summary.ts';
export type { CrosstabResult } from './algorithms/crosstab.ts';
