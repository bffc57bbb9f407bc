import { EventEmitter } from 'node:events';
import type { Kysely, Selectable } from 'kysely';
import {
  canonicalDigest,
  signEnvelope,
  verifyEnvelope,
  type AlgorithmRef,
  type SignedPermitRevocationList,
  type SignedTaskOffer,
  type SignedTaskResult,
  type SigningKeyPair,
  type TaskOffer,
  type TaskProblem,
} from '@polder/protocol';
import { recordAudit } from '../audit/audit-log.ts';
import type { Database } from '../db/database.ts';
import { uuid7 } from '../db/uuid7.ts';
import type { HubContext } from '../hub-context.ts';
import { HubError } from '../hub-error.ts';
import { findAlgorithmSummary, schemaProblem, type AlgorithmLibrary } from './_algorithm-library.ts';
import type { RunsTable, TasksTable } from './_federation-tables.ts';
import { traceHop } from './_hop-trace.ts';
import {
  findPermit,
  permitUnusableBecause,
  revokedPermits,
  stationsOfPermit,
  type PermitRecord,
} from './_permits.ts';
import type { StationLink } from './station-link.ts';

export type RunRow = Selectable<RunsTable>;
export type TaskRow = Selectable<TasksTable>;

/** Why a run failed, in words a researcher can act on. */
export interface RunError {
  /** The station that failed, or null when the hub itself failed (combining, a revoked permit). */
  readonly stationId: string | null;
  readonly stationName: string | null;
  readonly round: number;
  /** Where: a station's step (TaskProblem's), 'combine' (the hub half) or 'permit' (revoked at the hub). */
  readonly step: string;
  readonly code: string;
  readonly message: string;
  /** What to do about it. */
  readonly advice: string;
}

/** What {@link RunCoordinator.startRun} needs. */
export interface StartRun {
  readonly projectId: string;
  readonly permitId: string;
  readonly requestedBy: { readonly userId: string; readonly name: string };
  readonly algorithm: AlgorithmRef;
  readonly parameters: unknown;
  readonly cohort: unknown;
  /** Where the cohort came from (a definition and its version, or inline), kept with the run. */
  readonly cohortSource: unknown;
  readonly rerunOf?: string;
  /**
   * Whether the requester must be one of the permit's named users. @default true. A data request's run is
   * started by the hub for the applicant, whom the access body approved rather than named.
   */
  readonly requireNamedUser?: boolean;
}

/** Where a station's result came from, for the audit log. */
export interface ResultSource {
  readonly ip: string | null;
}

const finalStatuses = new Set(['completed', 'refused', 'failed']);

const advice: Readonly<Record<TaskProblem['step'], string>> = {
  permit:
    "check that the project's permit is active and covers this station's dataset and the algorithm; if it does, ask the access body",
  policy:
    "the station's policy does not allow this analysis; ask the station's data steward to allow the algorithm",
  approval: "the station's data steward declined the task; contact them before running it again",
  parameters: 'correct the analysis parameters and run it again',
  cohort: 'correct the cohort definition (the station could not build the cohort from it) and run it again',
  compute:
    "the station failed while computing; run it again, and if it fails again, contact the station's data steward",
  disclosure:
    'disclosure control withheld the result (too few persons); widen the cohort or use fewer strata, then run it again',
};

/**
 * Orchestrates federated runs: makes one task per station and round, offers it (signed) over the station
 * link, takes the stations' signed results, and when a round is complete calls the algorithm's hub half to
 * finish the run or start the next round. All state is in the database, so a restarted hub goes on where it
 * stopped: pending tasks stay in the stations' re-sync list, and {@link resume} advances runs whose last
 * round completed while the hub was down. Rounds are advanced under a row lock on the run, so two hub
 * processes (or two results arriving at once) never advance a round twice.
 */
export class RunCoordinator {
  /** Emits 'run' with a run id whenever that run changes (a result, a round, the end). */
  readonly changes = new EventEmitter();
  readonly #hub: HubContext;
  readonly #db: Kysely<Database>;
  readonly #link: StationLink;
  readonly #hubKey: SigningKeyPair;
  readonly #library: AlgorithmLibrary;
  readonly #log: (message: string, error?: unknown) => void;
  /** Per run, the advance in flight: one at a time per process (the row lock covers other processes). */
  readonly #advancing = new Map<string, Promise<void>>();
  #closed = false;

  constructor(options: {
    readonly hub: HubContext;
    readonly link: StationLink;
    readonly hubKey: SigningKeyPair;
    readonly library: AlgorithmLibrary;
    readonly log: (message: string, error?: unknown) => void;
  }) {
    this.#hub = options.hub;
    this.#db = options.hub.db;
    this.#link = options.link;
    this.#hubKey = options.hubKey;
    this.#library = options.library;
    this.#log = options.log;
    this.changes.setMaxListeners(0);
  }

  /**
   * Checks that a run may start — the permit is active and valid, names the requester, allows the algorithm,
   * the parameters fit the algorithm's schema and the permit's stations are enrolled — then stores the run
   * with its round-0 tasks and offers them to the connected stations.
   * @throws HubError: 'conflict' (permit unusable, station not enrolled), 'forbidden' (not named, algorithm
   *   not allowed), 'invalid_input' (unknown algorithm, bad parameters)
   */
  async startRun(input: StartRun): Promise<RunRow> {
    const what = 'start run';
    const now = this.#hub.now();
    const permit = await findPermit(this.#db, input.permitId);
    if (permit === undefined) {
      throw new HubError('conflict', `Cannot ${what}: the project's permit ${input.permitId} is not known`);
    }
    const unusable = permitUnusableBecause(permit, now);
    if (unusable !== undefined) {
      throw new HubError('conflict', `Cannot ${what}: ${unusable}; apply for a new permit`);
    }
    if (input.requireNamedUser !== false && !permit.document.namedUsers.includes(input.requestedBy.userId)) {
      throw new HubError(
        'forbidden',
        `Cannot ${what}: you are not a named user of permit ${permit.id}; ask the permit holder to name you`,
      );
    }
    const ref = input.algorithm;
    if (!permit.document.algorithms.includes(ref.name)) {
      throw new HubError(
        'forbidden',
        `Cannot ${what}: permit ${permit.id} does not allow the algorithm ${ref.name} (it allows ${permit.document.algorithms.join(', ')})`,
      );
    }
    const info = findAlgorithmSummary(this.#library, ref);
    if (info === undefined) {
      throw new HubError(
        'invalid_input',
        `Cannot ${what}: there is no algorithm ${ref.name}@${ref.version}; GET /api/algorithms lists them`,
      );
    }
    const problem = schemaProblem(info.parameters, input.parameters);
    if (problem !== undefined) {
      throw new HubError('invalid_input', `Cannot ${what}: parameters${problem.path} ${problem.message}`);
    }
    const stationIds = stationsOfPermit(permit.document);
    const stations = await this.#db
      .selectFrom('stations')
      .select(['id', 'name', 'status'])
      .where('id', 'in', stationIds)
      .execute();
    for (const stationId of stationIds) {
      const station = stations.find((row) => row.id === stationId);
      if (station?.status !== 'enrolled') {
        throw new HubError(
          'conflict',
          `Cannot ${what}: station ${station?.name ?? stationId} of the permit's datasets is ${station === undefined ? 'not known to the hub' : station.status}; ask the hub's admin`,
        );
      }
    }
    const runId = uuid7(now);
    const { run, offers } = await this.#db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('runs')
        .values({
          id: runId,
          project_id: input.projectId,
          permit_id: permit.id,
          rerun_of: input.rerunOf ?? null,
          requested_by: input.requestedBy.userId,
          requested_by_name: input.requestedBy.name,
          algorithm_name: ref.name,
          algorithm_version: ref.version,
          parameters: JSON.stringify(input.parameters),
          cohort: JSON.stringify(input.cohort),
          cohort_source: JSON.stringify(input.cohortSource),
          station_ids: stationIds,
          status: 'running',
          round: 0,
          state: null,
          result: null,
          error: null,
          created_at: now,
          updated_at: now,
          finished_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const made = await this.#insertRoundTasks(trx, inserted, permit, 0, null, now);
      return { run: inserted, offers: made };
    });
    this.#offer(offers);
    this.#changed(run.id);
    return run;
  }

  /**
   * Keeps a run that could not start (a data request's analysis that the checks refused) as a failed run, so
   * that the people who wait for it see why.
   */
  async recordRefusedStart(input: StartRun, error: HubError): Promise<RunRow> {
    const now = this.#hub.now();
    const run = await this.#db
      .insertInto('runs')
      .values({
        id: uuid7(now),
        project_id: input.projectId,
        permit_id: input.permitId,
        rerun_of: input.rerunOf ?? null,
        requested_by: input.requestedBy.userId,
        requested_by_name: input.requestedBy.name,
        algorithm_name: input.algorithm.name.slice(0, 63),
        algorithm_version: input.algorithm.version.slice(0, 40),
        parameters: JSON.stringify(input.parameters),
        cohort: JSON.stringify(input.cohort),
        cohort_source: JSON.stringify(input.cohortSource),
        station_ids: [],
        status: 'failed',
        round: 0,
        state: null,
        result: null,
        error: JSON.stringify({
          stationId: null,
          stationName: null,
          round: 0,
          step: 'start',
          code: error.code,
          message: error.message,
          advice:
            'the analysis could not start at the hub; correct it (or ask the access body to) and run it again',
        } satisfies RunError),
        created_at: now,
        updated_at: now,
        finished_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    this.#changed(run.id);
    return run;
  }

  /**
   * Takes a station's signed result for one of its tasks: verifies the signature with the station's enrolled
   * key, stores a final result once (an identical one again is accepted, a different one refused), records
   * refusals and failures in the audit log, and advances the run when the round is complete.
   * @returns 'accepted' when stored, 'unchanged' when it repeats what is stored
   * @throws HubError: 'not_found' (no such task of this station), 'invalid_input' (the result names another
   *   task or station), 'unauthenticated' (bad signature), 'conflict' (another final result is stored)
   */
  async acceptResult(
    station: { readonly id: string; readonly publicKey: string },
    taskId: string,
    envelope: SignedTaskResult,
    source: ResultSource,
  ): Promise<'accepted' | 'unchanged'> {
    const what = `accept the result of task ${taskId}`;
    traceHop('hub.result-in', { taskId });
    const task = await this.#db
      .selectFrom('tasks')
      .select(['id', 'run_id', 'station_id', 'round', 'status', 'result_digest'])
      .where('id', '=', taskId)
      .executeTakeFirst();
    if (task?.station_id !== station.id) {
      throw new HubError('not_found', `Cannot ${what}: this station has no such task`);
    }
    const result = envelope.payload;
    if (result.taskId !== taskId || result.stationId !== station.id) {
      throw new HubError(
        'invalid_input',
        `Cannot ${what}: the result is for task ${result.taskId} of station ${result.stationId}`,
      );
    }
    if (!verifyEnvelope(envelope, station.publicKey)) {
      throw new HubError(
        'unauthenticated',
        `Cannot ${what}: the result is not signed with the station's enrolled key`,
      );
    }
    const now = this.#hub.now();
    if (result.status === 'pending-approval') {
      if (finalStatuses.has(task.status)) return 'unchanged';
      const updated = await this.#db
        .updateTable('tasks')
        .set({ status: 'pending-approval', updated_at: now })
        .where('id', '=', taskId)
        .where('status', '=', 'pending')
        .returning('id')
        .executeTakeFirst();
      if (updated !== undefined) this.#changed(task.run_id);
      return updated === undefined ? 'unchanged' : 'accepted';
    }
    if (result.status === 'completed' && result.output === undefined) {
      throw new HubError('invalid_input', `Cannot ${what}: a completed result must carry its output`);
    }
    const digest = canonicalDigest(result);
    // The result and, when it completes the round, the round's advance in one transaction: no second
    // transaction (nor a wait behind the other stations' answers) between the last result and the next
    // round's offers. The run's row lock, taken after this task's row, makes the last of several results
    // arriving at once the one that sees the round complete.
    const stored = await this.#db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('tasks')
        .set({
          status: result.status,
          result: JSON.stringify(envelope),
          result_digest: digest,
          answered_at: now,
          updated_at: now,
        })
        .where('id', '=', taskId)
        .where('status', 'in', ['pending', 'pending-approval'])
        .returning('id')
        .executeTakeFirst();
      if (updated === undefined) return undefined;
      await recordAudit(trx, {
        event: `federation.task_${result.status}`,
        action: 'execute',
        outcome:
          result.status === 'completed' ? 'success' : result.status === 'refused' ? 'refused' : 'failure',
        objectType: 'task',
        objectId: taskId,
        sourceIp: source.ip,
        client: `station ${station.id}`,
        now,
        details: {
          runId: task.run_id,
          round: task.round,
          stationId: station.id,
          durationMs: result.durationMs,
          ...(result.problem === undefined ? {} : { problem: result.problem }),
          ...(result.disclosure === undefined ? {} : { disclosureActions: result.disclosure.actions.length }),
        },
      });
      // A hub that is closing leaves the round to resume() at its next start.
      return { advanced: this.#closed ? undefined : await this.#advanceLocked(trx, task.run_id, now) };
    });
    if (stored === undefined) {
      const current = await this.#db
        .selectFrom('tasks')
        .select('result_digest')
        .where('id', '=', taskId)
        .executeTakeFirstOrThrow();
      if (current.result_digest === digest) return 'unchanged';
      throw new HubError(
        'conflict',
        `Cannot ${what}: a different final result is stored for it; a task has one result`,
      );
    }
    traceHop('hub.result-stored', { taskId, runId: task.run_id });
    if (stored.advanced !== undefined) {
      traceHop('hub.advanced', { runId: task.run_id });
      this.#offer(stored.advanced.offers);
    }
    this.#changed(task.run_id);
    return 'accepted';
  }

  /**
   * When every station has answered the run's current round: fails the run if one refused or failed, or
   * calls the hub half and stores the result or makes the next round's tasks. Safe to call at any time and
   * from several processes.
   */
  advance(runId: string): Promise<void> {
    const previous = this.#advancing.get(runId) ?? Promise.resolve();
    const next = previous
      .then(() => this.#advanceOnce(runId))
      .catch((error: unknown) => this.#log(`cannot advance run ${runId}`, error))
      .finally(() => {
        if (this.#advancing.get(runId) === next) this.#advancing.delete(runId);
      });
    this.#advancing.set(runId, next);
    return next;
  }

  /** Waits for every advance in flight (for a clean shutdown). */
  async settle(): Promise<void> {
    while (this.#advancing.size > 0) await Promise.all([...this.#advancing.values()]);
  }

  async #advanceOnce(runId: string): Promise<void> {
    if (this.#closed) return;
    const now = this.#hub.now();
    const outcome = await this.#db.transaction().execute((trx) => this.#advanceLocked(trx, runId, now));
    if (outcome === undefined) return;
    traceHop('hub.advanced', { runId });
    this.#offer(outcome.offers);
    this.#changed(runId);
  }

  /**
   * In `trx`, under the run's row lock: when every station has answered the current round, fails the run
   * (a refusal or failure), finishes it or stores the next round's tasks; returns those tasks' offers (to
   * send once committed), or undefined when there is nothing to do (the round is open, the run ended).
   */
  async #advanceLocked(
    trx: Kysely<Database>,
    runId: string,
    now: Date,
  ): Promise<{ offers: { stationId: string; offer: SignedTaskOffer }[] } | undefined> {
    const run = await trx
      .selectFrom('runs')
      .selectAll()
      .where('id', '=', runId)
      .forUpdate()
      .executeTakeFirst();
    if (run?.status !== 'running') return undefined;
    // The statuses first: most calls (a result that leaves the round open) end here, without reading the
    // round's offers and results.
    const statuses = await trx
      .selectFrom('tasks')
      .select(['id', 'status'])
      .where('run_id', '=', runId)
      .where('round', '=', run.round)
      .execute();
    // One station's refusal or failure ends the run at once: the others' answers could not complete it.
    const failedId = statuses.find((task) => task.status === 'refused' || task.status === 'failed')?.id;
    if (failedId !== undefined) {
      const failed = await trx
        .selectFrom('tasks')
        .select(['station_id', 'round', 'status', 'result'])
        .where('id', '=', failedId)
        .executeTakeFirstOrThrow();
      await this.#fail(trx, run, await this.#stationError(trx, failed), now);
      return { offers: [] };
    }
    if (statuses.length === 0 || statuses.some((task) => task.status !== 'completed')) return undefined;
    const tasks = await trx
      .selectFrom('tasks')
      .select(['station_id', 'result'])
      .where('run_id', '=', runId)
      .where('round', '=', run.round)
      .execute();
    const order = new Map(run.station_ids.map((id, index) => [id, index]));
    const partials = tasks
      .sort((a, b) => (order.get(a.station_id) ?? 0) - (order.get(b.station_id) ?? 0))
      .map((task) => ({
        stationId: task.station_id,
        output: (task.result as SignedTaskResult).payload.output,
      }));
    let combined;
    try {
      combined = await this.#library.combineRound({
        algorithm: { name: run.algorithm_name, version: run.algorithm_version },
        parameters: run.parameters,
        round: run.round,
        state: run.state,
        partials,
      });
    } catch (error) {
      this.#log(`the hub half of run ${runId} failed`, error);
      await this.#fail(
        trx,
        run,
        {
          stationId: null,
          stationName: null,
          round: run.round,
          step: 'combine',
          code:
            (error as { code?: unknown }).code === undefined
              ? 'compute'
              : String((error as { code?: unknown }).code),
          message: `Combining the stations' results of round ${run.round} failed: ${error instanceof Error ? error.message : String(error)}`,
          advice:
            'the stations answered, but their results could not be combined (e.g. a model that does not converge); change the parameters or the cohort and run it again',
        },
        now,
      );
      return { offers: [] };
    }
    if (combined.status === 'done') {
      await trx
        .updateTable('runs')
        .set({
          status: 'completed',
          result: JSON.stringify(combined.result ?? null),
          updated_at: now,
          finished_at: now,
        })
        .where('id', '=', runId)
        .execute();
      return { offers: [] };
    }
    const round = run.round + 1;
    const state = combined.state ?? null;
    await trx
      .updateTable('runs')
      .set({ round, state: JSON.stringify(state), updated_at: now })
      .where('id', '=', runId)
      .execute();
    const permit = await findPermit(trx, run.permit_id);
    const unusable =
      permit === undefined ? 'the permit is no longer known' : permitUnusableBecause(permit, now);
    if (permit === undefined || unusable !== undefined) {
      await this.#fail(trx, run, permitError(run.round, unusable ?? 'the permit cannot be used'), now);
      return { offers: [] };
    }
    return { offers: await this.#insertRoundTasks(trx, { ...run, round }, permit, round, state, now) };
  }

  /** Fails every running run of a permit (revoked at the hub) and tells the connected stations at once. */
  async permitRevoked(permitId: string, revokedAt: Date): Promise<void> {
    await this.pushRevocations({ permitId, revokedAt });
    const now = this.#hub.now();
    const runs = await this.#db
      .selectFrom('runs')
      .selectAll()
      .where('permit_id', '=', permitId)
      .where('status', '=', 'running')
      .execute();
    for (const run of runs) {
      await this.#db.transaction().execute(async (trx) => {
        const locked = await trx
          .selectFrom('runs')
          .select(['status', 'round'])
          .where('id', '=', run.id)
          .forUpdate()
          .executeTakeFirst();
        if (locked?.status !== 'running') return;
        await this.#fail(
          trx,
          run,
          permitError(locked.round, `permit ${permitId} was revoked at ${revokedAt.toISOString()}`),
          now,
        );
      });
      this.#changed(run.id);
    }
  }

  /** The hub-signed list of revoked permits (plus `extra`, which the database may not show yet). */
  async revocationList(extra?: {
    readonly permitId: string;
    readonly revokedAt: Date;
  }): Promise<SignedPermitRevocationList> {
    const revoked = await revokedPermits(this.#db);
    if (extra !== undefined && !revoked.some((entry) => entry.permitId === extra.permitId)) {
      revoked.push({ permitId: extra.permitId, revokedAt: extra.revokedAt.toISOString() });
    }
    return signEnvelope(
      {
        type: 'polder.permit-revocations.v1' as const,
        revoked,
        issuedAt: this.#hub.now().toISOString(),
      },
      this.#hubKey,
    );
  }

  /** Sends a fresh revocation list to every connected station. */
  async pushRevocations(extra?: { readonly permitId: string; readonly revokedAt: Date }): Promise<void> {
    this.#link.broadcast({ type: 'revocations', list: await this.revocationList(extra) });
  }

  /** A station's tasks without a final result, of runs still running, oldest first (the re-sync list). */
  async openTasksOf(stationId: string): Promise<SignedTaskOffer[]> {
    const rows = await this.#db
      .selectFrom('tasks')
      .innerJoin('runs', 'runs.id', 'tasks.run_id')
      .select('tasks.offer')
      .where('tasks.station_id', '=', stationId)
      .where('tasks.status', 'in', ['pending', 'pending-approval'])
      .where('runs.status', '=', 'running')
      .orderBy('tasks.created_at')
      .orderBy('tasks.id')
      .limit(1000)
      .execute();
    return rows.map((row) => row.offer as SignedTaskOffer);
  }

  /** Offers a station its open tasks over the link (when it connects: a socket push beats waiting for re-sync). */
  async offerOpenTasks(stationId: string): Promise<void> {
    for (const offer of await this.openTasksOf(stationId))
      this.#link.send(stationId, { type: 'task', offer });
  }

  /** After a start: advances runs whose round completed while the hub was down. */
  async resume(): Promise<void> {
    const running = await this.#db.selectFrom('runs').select('id').where('status', '=', 'running').execute();
    for (const run of running) await this.advance(run.id);
  }

  /** Stops advancing runs (in-flight advances finish). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.settle();
    this.changes.removeAllListeners();
  }

  async #insertRoundTasks(
    trx: Kysely<Database>,
    run: RunRow,
    permit: PermitRecord,
    round: number,
    state: unknown,
    now: Date,
  ): Promise<{ stationId: string; offer: SignedTaskOffer }[]> {
    // The project's title as it is now: the station shows it to patients on their page of data uses.
    const project = await trx
      .selectFrom('projects')
      .select('title')
      .where('id', '=', run.project_id)
      .executeTakeFirst();
    const offers = run.station_ids.map((stationId) => {
      const payload: TaskOffer = {
        type: 'polder.task.v1',
        taskId: uuid7(now),
        runId: run.id,
        projectId: run.project_id,
        ...(project === undefined ? {} : { projectTitle: project.title.slice(0, 300) }),
        stationId,
        permit: permit.token,
        algorithm: { name: run.algorithm_name, version: run.algorithm_version },
        cohort: run.cohort,
        parameters: run.parameters,
        round,
        state,
        requestedBy: { userId: run.requested_by ?? run.id, name: run.requested_by_name },
        createdAt: now.toISOString(),
      };
      return { stationId, offer: signEnvelope(payload, this.#hubKey) as SignedTaskOffer };
    });
    const inserted = await trx
      .insertInto('tasks')
      .values(
        offers.map(({ stationId, offer }) => ({
          id: offer.payload.taskId,
          run_id: run.id,
          station_id: stationId,
          round,
          offer: JSON.stringify(offer),
          status: 'pending' as const,
          result: null,
          result_digest: null,
          created_at: now,
          updated_at: now,
          answered_at: null,
        })),
      )
      .onConflict((oc) => oc.columns(['run_id', 'station_id', 'round']).doNothing())
      .returning('id')
      .execute();
    const made = new Set(inserted.map((row) => row.id));
    return offers.filter(({ offer }) => made.has(offer.payload.taskId));
  }

  #offer(offers: readonly { stationId: string; offer: SignedTaskOffer }[]): void {
    for (const { stationId, offer } of offers) {
      traceHop('hub.offer', {
        taskId: offer.payload.taskId,
        runId: offer.payload.runId,
        round: offer.payload.round,
      });
      this.#link.send(stationId, { type: 'task', offer });
    }
  }

  async #fail(trx: Kysely<Database>, run: RunRow, error: RunError, now: Date): Promise<void> {
    await trx
      .updateTable('runs')
      .set({ status: 'failed', error: JSON.stringify(error), updated_at: now, finished_at: now })
      .where('id', '=', run.id)
      .execute();
  }

  async #stationError(
    trx: Kysely<Database>,
    task: Pick<TaskRow, 'station_id' | 'round' | 'status' | 'result'>,
  ): Promise<RunError> {
    const station = await trx
      .selectFrom('stations')
      .select('name')
      .where('id', '=', task.station_id)
      .executeTakeFirst();
    const stationName = station?.name ?? task.station_id;
    const problem: TaskProblem = (task.result as SignedTaskResult | null)?.payload.problem ?? {
      step: 'compute',
      code: 'unknown',
      message: 'the station gave no reason',
    };
    const verb = task.status === 'refused' ? 'refused' : 'failed';
    return {
      stationId: task.station_id,
      stationName,
      round: task.round,
      step: problem.step,
      code: problem.code,
      message: `Station ${stationName} ${verb} the task at step '${problem.step}' (round ${task.round}): ${problem.message}`,
      advice: advice[problem.step],
    };
  }

  #changed(runId: string): void {
    this.changes.emit('run', runId);
  }
}

function permitError(round: number, why: string): RunError {
  return {
    stationId: null,
    stationName: null,
    round,
    step: 'permit',
    code: 'permit-unusable',
    message: `The run stopped: ${why}`,
    advice: 'the permit can no longer be used; ask the access body about it or apply for a new one',
  };
}
