import { combineRound, listAlgorithms } from '@polder/analytics';

/** Where parameters do not fit an algorithm's schema (each schema compiled once), or undefined. */
export { schemaProblem } from '@polder/analytics';
import type { AlgorithmRef } from '@polder/protocol';
import type { TSchema } from 'typebox';

/** An algorithm as the hub lists it (from `@polder/analytics`' `listAlgorithms()`). */
export interface AlgorithmSummary {
  readonly name: string;
  readonly version: string;
  readonly title: string;
  readonly description: string;
  /** JSON Schema (TypeBox) of the parameters. */
  readonly parameters: TSchema;
  readonly outputKinds: readonly string[];
  readonly rounds: 'single' | 'iterative';
}

/** What the hub half decides after a round. */
export type RoundOutcome =
  | { readonly status: 'done'; readonly result: unknown }
  | { readonly status: 'next-round'; readonly state: unknown };

/** The part of `@polder/analytics` the hub uses: the catalogue of algorithms and the hub half. */
export interface AlgorithmLibrary {
  listAlgorithms(): readonly AlgorithmSummary[];
  combineRound(input: {
    readonly algorithm: AlgorithmRef;
    readonly parameters: unknown;
    readonly round: number;
    readonly state: unknown;
    readonly partials: readonly { readonly stationId: string; readonly output: unknown }[];
  }): RoundOutcome | Promise<RoundOutcome>;
}

/** The analytics library's catalogue and hub half (tests of the coordinator may pass another library). */
export function analyticsLibrary(): AlgorithmLibrary {
  return { listAlgorithms, combineRound };
}

/** The algorithm with this name and version, if the library has it. */
export function findAlgorithmSummary(
  library: AlgorithmLibrary,
  ref: AlgorithmRef,
): AlgorithmSummary | undefined {
  return library.listAlgorithms().find((info) => info.name === ref.name && info.version === ref.version);
}
