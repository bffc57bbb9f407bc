import type { AlgorithmRef, DisclosureReport } from '@polder/protocol';
import type { StationContext } from './algorithm.ts';
import { findAlgorithm } from './algorithm-registry.ts';
import { AnalyticsError } from './analytics-error.ts';
import { controlOutput } from './disclosure-control.ts';
import type { ReleasedOutput } from './output-kinds.ts';
import { checkSchema } from './_validate.ts';

/** One round of an algorithm for one station, as a task offer names it. */
export interface StationTask {
  readonly algorithm: AlgorithmRef;
  readonly parameters: unknown;
  readonly round: number;
  readonly state: unknown;
}

/**
 * Runs an algorithm's station half for a task and applies the station's disclosure control to its
 * output: checks the parameters (and the hub's state) against the algorithm's schemas, runs the SQL over
 * `ctx.cohortTable`, then controls every output part by its kind in code that does not trust the
 * algorithm. Returns the JSON-serialisable released output and the disclosure report.
 *
 * @throws AnalyticsError 'unknown-algorithm' | 'invalid-parameters' | 'insufficient-data' | 'compute' | 'over-budget'
 */
export async function runStationHalf(
  ctx: StationContext,
  task: StationTask,
): Promise<{ output: ReleasedOutput; disclosure: DisclosureReport }> {
  const algorithm = findAlgorithm(task.algorithm);
  const label = `${task.algorithm.name}@${task.algorithm.version}`;
  if (algorithm === undefined) {
    throw new AnalyticsError(
      'unknown-algorithm',
      `Cannot run ${label}: no such algorithm in this station's library`,
    );
  }
  if (
    !Number.isSafeInteger(task.round) ||
    task.round < 0 ||
    (algorithm.rounds === 'single' && task.round !== 0)
  ) {
    throw new AnalyticsError('invalid-parameters', `Cannot run ${label}: round ${task.round} does not exist`);
  }
  checkSchema(algorithm.parameters, task.parameters, `${label}: the parameters do not fit its schema`);
  checkSchema(algorithm.state, task.state, `${label}: the hub's state for round ${task.round} is not valid`);
  let raw: unknown;
  try {
    raw = await algorithm.local(ctx, task.parameters, task.round, task.state);
  } catch (error) {
    if (error instanceof AnalyticsError) throw error;
    throw new AnalyticsError(
      'compute',
      `Cannot run ${label}: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  const { output, actions } = controlOutput(raw, algorithm.outputKinds, ctx.policy);
  const { minCount, roundTo, minSummaryRecords, glmParameterRatio, kmMinAtRisk } = ctx.policy;
  return {
    output,
    disclosure: {
      policy: { minCount, roundTo, minSummaryRecords, glmParameterRatio, kmMinAtRisk },
      actions: [...actions],
    },
  };
}
