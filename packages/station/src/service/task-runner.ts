import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { debuglog } from 'node:util';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckDbQuery } from '@polder/analytics';
import { compileCohort, validateCohortDefinition, type CohortDefinition } from '@polder/omop';
import { cryptoRandomSource } from '@polder/privacy';
import {
  canonicalDigest,
  openEnvelope,
  PermitRefusedError,
  permitCovers,
  ProtocolError,
  signEnvelope,
  TaskOffer,
  verifyPermit,
  type PermitDocument,
  type SignedTaskOffer,
  type SignedTaskResult,
  type SigningKeyPair,
  type TaskProblem,
  type TaskResult,
} from '@polder/protocol';
import { excludeOptedOut, optedOutPersons, optOutRegisterVersion } from '../opt-out/opt-out-register.ts';
import { recordTaskUsage } from '../opt-out/task-usage.ts';
import { readDataVersion, type StationStore } from '../station-store.ts';
import { cohortCacheOf, type CohortCache, type CohortLease } from './cohort-cache.ts';
import { loadPermitLedger, savePermitLedger } from './privacy-budgets.ts';
import {
  analyticsFailureOf,
  checkAlgorithmParameters,
  isKnownAlgorithm,
  runAlgorithmStationHalf,
} from './_analytics.ts';
import {
  effectiveDisclosurePolicy,
  isAlgorithmAllowed,
  needsManualApproval,
  type StationPolicy,
} from './station-policy.ts';

/** Who the station is to its hub: its id, its key pair and the hub key it pinned at enrolment. */
export interface StationIdentity {
  readonly stationId: string;
  readonly keyPair: SigningKeyPair;
  readonly hubPublicKey: string;
}

/** What running a task needs besides the offer. */
export interface TaskRunnerContext {
  readonly store: StationStore;
  readonly identity: StationIdentity;
  /** The station's policy as it stands now (read for every task, so a change applies to the next one). */
  readonly policy: StationPolicy;
  /** Permit ids the hub has revoked (from its last signed revocation list). */
  readonly revokedPermits: ReadonlySet<string>;
  /** The catalogue datasets this station published; a permit must name one of them (when any is known). */
  readonly datasetIds: readonly string[];
  /** The steward approved this task (the approval step is passed). @default false */
  readonly approved?: boolean;
  /** Test-only pause after the computation started, in milliseconds (POLDER_STATION_TASK_DELAY_MS). */
  readonly taskDelayMs?: number;
  /** Called once the checks have passed and the computation starts (the task log marks it running). */
  readonly onComputeStart?: () => Promise<void>;
  /**
   * Where cohort tables are kept between tasks and rounds; `false` builds each task's cohort in a temporary
   * table of its own. @default the station's cache ({@link cohortCacheOf}), or `false` when the environment
   * sets POLDER_STATION_COHORT_CACHE=off (a station short of memory; a comparison in a benchmark)
   */
  readonly cohortCache?: CohortCache | false;
  readonly now?: () => Date;
}

/**
 * Where a completed task's time went at the station, in milliseconds (for the debug log and the tests; it is
 * not part of the signed result).
 */
export interface TaskTimings {
  /** How the task got its cohort table: `built` it, `reused` a cached one, or built an `uncached` one. */
  readonly cohort: 'built' | 'reused' | 'uncached';
  /** Getting the cohort table: the data version, the cache look-up and any build (opt-outs included). */
  readonly cohortMs: number;
  /** Of which building the table from the CDM (0 when reused). */
  readonly cohortBuildMs: number;
  /** Of which finding and leaving out the opted-out persons (0 when reused). */
  readonly optOutMs: number;
  /** The algorithm's station half with disclosure control, budget included. */
  readonly stationHalfMs: number;
  /** Recording which persons the project used. */
  readonly usageMs: number;
  /** Whether the persons were already recorded for the project (only the task's row was added). */
  readonly usageSkipped: boolean;
  /** From the start of the computation to the end. */
  readonly totalMs: number;
}

/** The outcome of running a task: a result to sign, or a wait for the steward. */
export type TaskOutcome =
  | {
      readonly kind: 'final';
      readonly result: TaskResult;
      readonly permit?: PermitDocument;
      /** Set when the task completed. */
      readonly timings?: TaskTimings;
    }
  | { readonly kind: 'pending-approval'; readonly result: TaskResult; readonly permit: PermitDocument };

/** An offer that is not from the pinned hub or not for this station: it is neither answered nor logged. */
export class UntrustedOfferError extends Error {
  override readonly name = 'UntrustedOfferError';
}

/**
 * Opens a task offer as received (untrusted): it must be signed by the pinned hub key, be a valid offer and
 * be addressed to this station.
 * @throws UntrustedOfferError
 */
export function openTaskOffer(offer: unknown, identity: StationIdentity): TaskOffer {
  let task: TaskOffer;
  try {
    task = openEnvelope(offer, { publicKey: identity.hubPublicKey, schema: TaskOffer, what: 'task offer' });
  } catch (error) {
    if (error instanceof ProtocolError) throw new UntrustedOfferError(error.message, { cause: error });
    throw error;
  }
  if (task.stationId !== identity.stationId) {
    throw new UntrustedOfferError(
      `Cannot accept task offer ${task.taskId}: it is for station ${task.stationId}, not this one`,
    );
  }
  return task;
}

/** Signs a task result with the station key. */
export function signTaskResult(result: TaskResult, identity: StationIdentity): SignedTaskResult {
  return signEnvelope(result, identity.keyPair);
}

/**
 * Runs the station's checks on a task in order — permit, policy, manual approval, parameters, cohort — then
 * computes the station half with disclosure control. Every refusal or failure becomes a result with a
 * {@link TaskProblem} saying at which step and why; nothing here throws for a bad task.
 */
export async function runTask(signedOffer: SignedTaskOffer, ctx: TaskRunnerContext): Promise<TaskOutcome> {
  const now = ctx.now ?? (() => new Date());
  const started = performance.now();
  const task = signedOffer.payload;
  const result = (
    status: TaskResult['status'],
    extra: Pick<TaskResult, 'output' | 'disclosure' | 'problem'>,
  ): TaskResult => ({
    type: 'polder.task-result.v1',
    taskId: task.taskId,
    stationId: ctx.identity.stationId,
    status,
    ...extra,
    completedAt: now().toISOString(),
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
  });
  const stop = (
    status: 'refused' | 'failed',
    problem: TaskProblem,
    permit?: PermitDocument,
  ): TaskOutcome => ({
    kind: 'final',
    result: result(status, { problem }),
    ...(permit === undefined ? {} : { permit }),
  });

  // 1. The permit: signed by the pinned hub key, in force, not revoked, covering this station and algorithm.
  let permit: PermitDocument;
  try {
    permit = await verifyPermit(task.permit, ctx.identity.hubPublicKey, {
      now: now(),
      revoked: ctx.revokedPermits,
    });
  } catch (error) {
    if (!(error instanceof PermitRefusedError)) throw error;
    return stop('refused', { step: 'permit', code: error.refusal, message: error.message });
  }
  const algorithm = task.algorithm.name;
  const stationId = ctx.identity.stationId;
  // Without a record of its own publications the station can only hold the permit to its station id.
  const covered =
    ctx.datasetIds.length === 0
      ? permitCovers(permit, { stationId, algorithm })
      : ctx.datasetIds.some((datasetId) => permitCovers(permit, { stationId, datasetId, algorithm }));
  if (!covered) {
    const algorithmCovered = permit.algorithms.includes(algorithm);
    return stop(
      'refused',
      algorithmCovered
        ? {
            step: 'permit',
            code: 'dataset-not-covered',
            message: `Cannot run task: permit ${permit.permitId} does not cover this station's dataset`,
          }
        : {
            step: 'permit',
            code: 'algorithm-not-covered',
            message: `Cannot run task: permit ${permit.permitId} does not allow algorithm ${algorithm} (it allows ${permit.algorithms.join(', ')})`,
          },
      permit,
    );
  }

  // 2. The station's policy.
  if (!isAlgorithmAllowed(ctx.policy, algorithm)) {
    return stop(
      'refused',
      {
        step: 'policy',
        code: 'algorithm-not-allowed',
        message: `Cannot run task: this station's policy does not allow algorithm ${algorithm} (ask its data steward)`,
      },
      permit,
    );
  }

  // 3. Manual approval by the steward.
  if (ctx.approved !== true && needsManualApproval(ctx.policy, algorithm)) {
    return {
      kind: 'pending-approval',
      permit,
      result: result('pending-approval', {
        problem: {
          step: 'approval',
          code: 'awaiting-steward',
          message: `Task waits for the approval of the station's data steward (policy: manual approval for ${algorithm})`,
        },
      }),
    };
  }

  // 4. Parameters, against the algorithm's schema.
  if (!isKnownAlgorithm(task.algorithm)) {
    return stop(
      'failed',
      {
        step: 'parameters',
        code: 'unknown-algorithm',
        message: `Cannot run task: this station has no algorithm ${algorithm}@${task.algorithm.version} (update the station software)`,
      },
      permit,
    );
  }
  const parameterProblem = checkAlgorithmParameters(task.algorithm, task.parameters);
  if (parameterProblem !== undefined) {
    return stop(
      'failed',
      { step: 'parameters', code: 'invalid-parameters', message: parameterProblem },
      permit,
    );
  }

  // 5. The cohort.
  const checked = validateCohortDefinition(task.cohort);
  if (!checked.ok) {
    const lines = checked.errors.slice(0, 10).map((e) => `${e.path || '/'}: ${e.message}`);
    return stop(
      'failed',
      {
        step: 'cohort',
        code: 'invalid-cohort',
        message: `Cannot build the cohort: ${lines.join('; ')}`.slice(0, 2000),
      },
      permit,
    );
  }

  await ctx.onComputeStart?.();
  if (ctx.taskDelayMs !== undefined && ctx.taskDelayMs > 0) await sleep(ctx.taskDelayMs);

  // A connection of the task's own: its temporary tables are invisible to other tasks and vanish with it. The
  // cohort table is a cached one the station's other connections see too (read only; see cohort-cache.ts),
  // or, with the cache off, a temporary one.
  const connection = await ctx.store.instance.connect();
  const computeStarted = performance.now();
  const cache =
    ctx.cohortCache ??
    (process.env['POLDER_STATION_COHORT_CACHE'] === 'off' ? false : cohortCacheOf(ctx.store));
  const built = { buildMs: 0, optOutMs: 0 };
  let lease: CohortLease | undefined;
  try {
    let cohortTable: string;
    try {
      const build = (table: string, temporary: boolean) =>
        buildCohort(
          connection,
          table,
          { definition: checked.definition, permit, store: ctx.store, temporary },
          built,
        );
      if (cache === false) {
        cohortTable = `cohort_${randomBytes(8).toString('hex')}`;
        await build(cohortTable, true);
      } else {
        await cache.prepare(connection);
        // Both versions are read before the build: a change during it makes the next task build again.
        lease = await cache.acquire(
          connection,
          {
            definitionDigest: canonicalDigest(checked.definition),
            permitId: permit.permitId,
            purpose: permit.purpose,
            grantedAt: permit.issuedAt,
            dataVersion: await readDataVersion(ctx.store, connection),
            optOutVersion: optOutRegisterVersion(ctx.store),
          },
          (table) => build(table, false),
        );
        cohortTable = lease.table;
      }
    } catch (error) {
      return stop(
        'failed',
        {
          step: 'cohort',
          code: 'cohort-query',
          message: `Cannot build the cohort: ${(error as Error).message}`.slice(0, 2000),
        },
        permit,
      );
    }
    const cohortMs = performance.now() - computeStarted;

    // 6. The station half, under the strictest of platform, station and permit disclosure settings.
    try {
      const halfStarted = performance.now();
      // A permit with a differential-privacy budget: noisy releases are charged to it (refused when over).
      const ledger = await loadPermitLedger(connection, permit);
      const chargesBefore = ledger?.charges ?? 0;
      const computed = await runAlgorithmStationHalf(
        {
          cohortTable,
          // A cached cohort's table is built once under a name never used again, so the name is its version.
          ...(lease === undefined ? {} : { cohortVersion: lease.table }),
          policy: effectiveDisclosurePolicy(ctx.policy, permit),
          query: duckDbQuery(connection),
          // A permit with a differential-privacy budget: noisy releases are charged to it, once per task.
          ...(ledger === undefined ? {} : { privacy: { ledger, random: cryptoRandomSource() } }),
        },
        {
          algorithm: task.algorithm,
          parameters: task.parameters,
          round: task.round,
          state: task.state,
        },
      );
      if (ledger !== undefined && ledger.charges !== chargesBefore) {
        await savePermitLedger(connection, permit.permitId, ledger);
      }
      const usageStarted = performance.now();
      // Which persons a completed analysis used, for the patient page (idempotent per task). A cached cohort's
      // persons are added once per project; later tasks on it add only their own row.
      const usageSkipped = lease?.usageRecorded(task.projectId) === true;
      await recordTaskUsage(ctx.store, {
        taskId: task.taskId,
        projectId: task.projectId,
        projectTitle: task.projectTitle ?? `Project ${task.projectId}`,
        permitId: permit.permitId,
        purpose: permit.purpose,
        cohortTable,
        connection,
        ...(usageSkipped && lease !== undefined ? { personsRecorded: lease.persons } : {}),
      });
      lease?.markUsageRecorded(task.projectId);
      const finished = performance.now();
      const timings: TaskTimings = {
        cohort: lease === undefined ? 'uncached' : lease.built ? 'built' : 'reused',
        cohortMs: roundMs(cohortMs),
        cohortBuildMs: roundMs(built.buildMs),
        optOutMs: roundMs(built.optOutMs),
        stationHalfMs: roundMs(usageStarted - halfStarted),
        usageMs: roundMs(finished - usageStarted),
        usageSkipped,
        totalMs: roundMs(finished - computeStarted),
      };
      debug(
        'task timings %s',
        JSON.stringify({
          taskId: task.taskId,
          algorithm,
          round: task.round,
          ...timings,
          ...(cache === false ? {} : { cache: cache.stats }),
        }),
      );
      return {
        kind: 'final',
        permit,
        result: result('completed', { output: computed.output, disclosure: computed.disclosure }),
        timings,
      };
    } catch (error) {
      const failure = analyticsFailureOf(error);
      const code = failure?.code ?? 'compute';
      const step: TaskProblem['step'] =
        code === 'invalid-parameters' || code === 'unknown-algorithm'
          ? 'parameters'
          : code === 'insufficient-data' || code === 'over-budget'
            ? 'disclosure'
            : 'compute';
      const message = (failure?.message ?? `Cannot compute: ${(error as Error).message}`).slice(0, 2000);
      return stop(code === 'over-budget' ? 'refused' : 'failed', { step, code, message }, permit);
    }
  } finally {
    await lease?.release();
    connection.closeSync();
  }
}

/** Per-task timings, read with NODE_DEBUG=polder-station (ids and durations only, never rows). */
const debug = debuglog('polder-station');

const roundMs = (ms: number): number => Math.round(ms * 1000) / 1000;

/**
 * Builds the cohort of `definition` into `table`, without the persons whose opt-out holds for the permit
 * (EHDS Art. 71: opt-outs recorded before the permit was granted apply to it); adds its times to `timings`.
 */
async function buildCohort(
  connection: DuckDBConnection,
  table: string,
  what: {
    readonly definition: CohortDefinition;
    readonly permit: PermitDocument;
    readonly store: StationStore;
    readonly temporary: boolean;
  },
  timings: { buildMs: number; optOutMs: number },
): Promise<void> {
  const started = performance.now();
  const compiled = compileCohort(what.definition);
  await connection.run(`CREATE ${what.temporary ? 'TEMP ' : ''}TABLE ${table} AS ${compiled.sql}`, [
    ...compiled.params,
  ]);
  const optOutStarted = performance.now();
  timings.buildMs += optOutStarted - started;
  const optedOut = await optedOutPersons(what.store, {
    purpose: what.permit.purpose,
    grantedAt: new Date(what.permit.issuedAt),
  });
  await excludeOptedOut(connection, table, optedOut);
  timings.optOutMs += performance.now() - optOutStarted;
}
