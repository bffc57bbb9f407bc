import type { BudgetLedger, DisclosurePolicy, RandomSource } from '@polder/privacy';
import type { Static, TSchema } from 'typebox';
import type { OutputKind, ReleasedOutput, StationOutput } from './output-kinds.ts';

/**
 * What a station gives an algorithm's station half: a way to query its database (parameters bound, `$1`
 * style; BIGINT converted to number), the name of the cohort table it built for the task, and its
 * effective (strictest) disclosure policy.
 *
 * The cohort table has `person_id BIGINT, index_date DATE, end_date DATE` plus one column per cohort
 * variable (numbers DOUBLE/INTEGER, `exists` 0/1 INTEGER, `sex` VARCHAR, a time-to-event variable `<name>`
 * in days with its twin `<name>_event` 0/1). Opted-out persons are already removed.
 */
export interface StationContext {
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  readonly cohortTable: string;
  /**
   * Names the contents of `cohortTable`, if the station can promise that every task given the same
   * `cohortVersion` sees the same rows in a table of the same name (a cached cohort, built once and never
   * changed). An algorithm may then remember facts about the cohort it found in an earlier task (never
   * values of records), keyed by the version, the table and its parameters, instead of finding them again.
   * Absent: nothing is remembered.
   */
  readonly cohortVersion?: string;
  readonly policy: DisclosurePolicy;
  /**
   * Present when the permit grants a differential-privacy budget (the permit's ledger, which the station
   * persists after the task); requests with a `privacy` parameter are refused without it. `random`
   * @default the CSPRNG.
   */
  readonly privacy?: { readonly ledger: Pick<BudgetLedger, 'tryCharge'>; readonly random?: RandomSource };
}

/** An algorithm's description, for the catalogue of algorithms, the UI form and the OpenAPI. */
export interface AlgorithmInfo {
  readonly name: string;
  readonly version: string;
  readonly title: string;
  readonly description: string;
  /** TypeBox schema of the parameters (it is JSON Schema). */
  readonly parameters: TSchema;
  readonly outputKinds: readonly OutputKind[];
  readonly rounds: 'single' | 'iterative';
}

/** One station's released output, as the hub half receives it. */
export interface StationPartial {
  readonly stationId: string;
  readonly output: ReleasedOutput;
}

/** What the hub half decides after a round: the result, or the state for the next round. */
export type CombineOutcome =
  | { readonly status: 'done'; readonly result: unknown }
  | { readonly status: 'next-round'; readonly state: unknown };

/**
 * A vetted algorithm: a station half (`local`, SQL over the cohort table) whose output disclosure control
 * checks per declared kind, and a hub half (`combine`, pure) that pools the stations' released outputs.
 * `state` is the schema of what the hub carries between rounds; the station checks it like parameters.
 */
export interface Algorithm<P extends TSchema = TSchema, S extends TSchema = TSchema> extends AlgorithmInfo {
  readonly parameters: P;
  readonly state: S;
  local(ctx: StationContext, parameters: Static<P>, round: number, state: Static<S>): Promise<StationOutput>;
  combine(input: {
    readonly parameters: Static<P>;
    readonly round: number;
    readonly state: Static<S>;
    readonly partials: readonly StationPartial[];
  }): CombineOutcome;
}

/** Any registered algorithm, its parameter and state types erased (they are checked at run time). */
export type AnyAlgorithm = Algorithm<TSchema, TSchema>;

/**
 * Declares an algorithm with its types checked against its schemas, and erases them for the registry.
 * Freezes the result, so that a registered algorithm cannot be changed.
 */
export function defineAlgorithm<P extends TSchema, S extends TSchema>(
  algorithm: Algorithm<P, S>,
): AnyAlgorithm {
  return Object.freeze(algorithm) as unknown as AnyAlgorithm;
}
