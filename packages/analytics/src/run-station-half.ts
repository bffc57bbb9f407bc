import { addDiscreteNoise, cryptoRandomSource } from '@polder/privacy';
import type { AlgorithmRef, DisclosureReport } from '@polder/protocol';
import type { StationContext } from './algorithm.ts';
import { findAlgorithm } from './algorithm-registry.ts';
import { AnalyticsError } from './analytics-error.ts';
import { controlOutput, type ControlOptions } from './disclosure-control.ts';
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
  const epsilon = privacyEpsilon(task.parameters);
  if (epsilon !== undefined && ctx.privacy === undefined) {
    throw new AnalyticsError(
      'over-budget',
      `Cannot run ${label} with differential privacy: the permit grants this station no privacy budget`,
    );
  }
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
  let options: ControlOptions = {};
  if (epsilon !== undefined && ctx.privacy !== undefined) {
    // Charge before anything is released; a refused charge spends nothing and releases nothing.
    const charge = ctx.privacy.ledger.tryCharge({ epsilon });
    if (!charge.ok) throw new AnalyticsError('over-budget', `Cannot run ${label}: ${charge.reason}`);
    const rng = ctx.privacy.random ?? cryptoRandomSource();
    options = {
      noise: {
        // Clamped at 0 (post-processing): a count cannot be negative.
        add: (count) => Math.max(0, addDiscreteNoise(count, { mechanism: 'laplace', epsilon }, rng).value),
        reason: `discrete Laplace noise, epsilon ${epsilon} (sensitivity 1), before suppression and rounding`,
      },
    };
  }
  const { output, actions } = controlOutput(raw, algorithm.outputKinds, ctx.policy, options);
  const { minCount, roundTo, minSummaryRecords, glmParameterRatio, kmMinAtRisk } = ctx.policy;
  return {
    output,
    disclosure: {
      policy: { minCount, roundTo, minSummaryRecords, glmParameterRatio, kmMinAtRisk },
      actions: [...actions],
      ...(epsilon === undefined ? {} : { privacySpent: { epsilon } }),
    },
  };
}

/** The ε of a `privacy: { epsilon }` parameter (already checked by the algorithm's schema), if any. */
function privacyEpsilon(parameters: unknown): number | undefined {
  if (typeof parameters !== 'object' || parameters === null) return undefined;
  const privacy = (parameters as { privacy?: unknown }).privacy;
  if (typeof privacy !== 'object' || privacy === null) return undefined;
  const epsilon = (privacy as { epsilon?: unknown }).epsilon;
  return typeof epsilon === 'number' ? epsilon : undefined;
}
