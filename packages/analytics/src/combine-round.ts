import type { AlgorithmRef } from '@polder/protocol';
import type { CombineOutcome, StationPartial } from './algorithm.ts';
import { findAlgorithm } from './algorithm-registry.ts';
import { AnalyticsError } from './analytics-error.ts';
import { ReleasedOutput } from './output-kinds.ts';
import { checkSchema } from './_validate.ts';

/** What the hub has after a round: the stations' released outputs. */
export interface CombineRoundInput {
  readonly algorithm: AlgorithmRef;
  readonly parameters: unknown;
  readonly round: number;
  readonly state: unknown;
  readonly partials: readonly { readonly stationId: string; readonly output: unknown }[];
}

/**
 * The hub half of one round: checks the parameters and each station's output (the hub does not trust the
 * shape of what arrives either), then pools them. Returns the final result, or the state for the next
 * round of an iterative algorithm. Pure and synchronous.
 *
 * @throws AnalyticsError 'unknown-algorithm' | 'invalid-parameters' | 'insufficient-data' | 'compute'
 */
export function combineRound(input: CombineRoundInput): CombineOutcome {
  const algorithm = findAlgorithm(input.algorithm);
  const label = `${input.algorithm.name}@${input.algorithm.version}`;
  if (algorithm === undefined) {
    throw new AnalyticsError(
      'unknown-algorithm',
      `Cannot combine ${label}: no such algorithm in the library`,
    );
  }
  checkSchema(algorithm.parameters, input.parameters, `${label}: the parameters do not fit its schema`);
  checkSchema(algorithm.state, input.state, `${label}: the state of round ${input.round} is not valid`);
  const partials: StationPartial[] = input.partials.map((p) => {
    try {
      checkSchema(
        ReleasedOutput,
        p.output,
        `${label}: station ${p.stationId} sent an output of the wrong shape`,
      );
    } catch (error) {
      throw new AnalyticsError('compute', (error as Error).message, { cause: error });
    }
    return { stationId: p.stationId, output: p.output as ReleasedOutput };
  });
  try {
    return algorithm.combine({
      parameters: input.parameters,
      round: input.round,
      state: input.state,
      partials,
    });
  } catch (error) {
    if (error instanceof AnalyticsError) throw error;
    throw new AnalyticsError(
      'compute',
      `Cannot combine ${label}: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
}
