import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listAlgorithms } from '@polder/analytics';
import { defaultDisclosurePolicy, resolveDisclosurePolicy } from '@polder/privacy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DataQualityCheckResult, DataQualityReport } from '@polder/etl';
import { recordStationAudit } from '../audit/station-audit-log.ts';
import { readStationEnrolment } from '../enrolment.ts';
import { listOptOuts } from '../opt-out/opt-out-register.ts';
import { approveTask, ApprovalError, declineTask } from '../service/task-approvals.ts';
import {
  defaultStationPolicy,
  readStationPolicy,
  StationPolicyError,
  writeStationPolicy,
} from '../service/station-policy.ts';
import { createTaskLogTable, listTaskLog, type TaskLogEntry } from '../service/task-log.ts';
import { describeStation } from '../station-overview.ts';
import type { StationStore } from '../station-store.ts';
import {
  ApprovalsAnswer,
  DataQualityAnswer,
  DecisionAnswer,
  DecisionBody,
  OverviewAnswer,
  PolicyAnswer,
  PolicyBody,
  refusals,
  TaskIdParams,
  ErrorAnswer,
} from './_steward-schemas.ts';
import type { Static } from 'typebox';

/** A request refused with a status and a message a person can act on. */
export class LocalApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: 'bad-request' | 'unauthorised' | 'forbidden' | 'not-found' | 'conflict' | 'internal',
    message: string,
  ) {
    super(message);
  }
}

/** What the steward routes need from the server that mounts them. */
export interface StewardRouteContext {
  readonly store: StationStore;
  /** The hook that refuses a request without the steward's token. */
  readonly requireSteward: (request: FastifyRequest) => Promise<void>;
  /** Who acts: the body's steward, else the console's `x-polder-steward` header, else "steward". */
  readonly stewardOf: (request: FastifyRequest, body?: { steward?: { id: string; name: string } }) => Actor;
  readonly origin: (request: FastifyRequest) => { sourceIp: string; client: string };
}

interface Actor {
  readonly id: string;
  readonly name: string;
}

const dataQualityFile = ['dq', 'dq-report.json'] as const;

/**
 * The steward's console routes: overview, data quality, the approval queue and decisions, and the policy.
 * Every call is audited (reads as `read`, decisions and policy changes as `update`).
 */
export function registerStewardRoutes(app: FastifyInstance, context: StewardRouteContext): void {
  const { store, requireSteward, stewardOf, origin } = context;
  const steward = { onRequest: [requireSteward] };
  const audit = (request: FastifyRequest, actor: Actor, entry: Parameters<typeof recordStationAudit>[1]) =>
    recordStationAudit(store, { actor, ...origin(request), ...entry });

  app.get(
    '/api/overview',
    {
      ...steward,
      schema: {
        summary: 'The station at a glance: its data, its hub, what waits for the steward',
        tags: ['steward'],
        security: [{ bearer: [] }],
        response: { 200: OverviewAnswer, ...refusals },
      },
    },
    async (request): Promise<Static<typeof OverviewAnswer>> => {
      const overview = await describeStation(store);
      const [enrolment, pending, optOuts, report] = await Promise.all([
        readStationEnrolment(store),
        pendingTasks(store),
        listOptOuts(store, { limit: 100_000 }),
        readDataQualityReport(store),
      ]);
      await audit(request, stewardOf(request), {
        event: 'station.overview.read',
        action: 'read',
        outcome: 'success',
        objectType: 'station',
        objectId: enrolment?.stationId ?? null,
      });
      return {
        name: overview.name,
        databasePath: overview.databasePath,
        rows: { ...overview.rows },
        coverage: overview.coverage ?? null,
        quarantined: overview.quarantined,
        lastIngest: overview.lastIngest ?? null,
        enrolment:
          enrolment === undefined
            ? null
            : { hubUrl: enrolment.hubUrl, stationId: enrolment.stationId, enrolledAt: enrolment.enrolledAt },
        pendingApprovals: pending.length,
        activeOptOuts: new Set(optOuts.map((entry) => entry.pseudonym)).size,
        dataQualityScore: report?.score ?? null,
      };
    },
  );

  app.get(
    '/api/data-quality',
    {
      ...steward,
      schema: {
        summary: 'The newest data-quality report (failed checks first), the ingest runs and the quarantine',
        tags: ['steward'],
        security: [{ bearer: [] }],
        response: { 200: DataQualityAnswer, ...refusals },
      },
    },
    async (request): Promise<Static<typeof DataQualityAnswer>> => {
      const [report, ingestRuns, quarantineReasons] = await Promise.all([
        readDataQualityReport(store),
        readIngestRuns(store),
        readQuarantineReasons(store),
      ]);
      await audit(request, stewardOf(request), {
        event: 'data-quality.read',
        action: 'read',
        outcome: 'success',
        objectType: 'data-quality-report',
        objectId: report?.runId ?? null,
      });
      return {
        report: report === undefined ? null : summariseReport(report),
        hint:
          report === undefined
            ? `No data-quality report yet: run 'polder dq --station ${store.dir}' after an ingest`
            : null,
        ingestRuns,
        quarantineReasons,
      };
    },
  );

  app.get(
    '/api/approvals',
    {
      ...steward,
      schema: {
        summary: "Tasks waiting for the steward's approval, oldest first, with what they would compute",
        tags: ['steward'],
        security: [{ bearer: [] }],
        response: { 200: ApprovalsAnswer, ...refusals },
      },
    },
    async (request): Promise<Static<typeof ApprovalsAnswer>> => {
      const pending = await pendingTasks(store);
      await audit(request, stewardOf(request), {
        event: 'task.approvals.read',
        action: 'read',
        outcome: 'success',
        objectType: 'task',
        details: { pending: pending.length },
      });
      return { approvals: pending.map(describePendingTask) };
    },
  );

  for (const decision of ['approve', 'decline'] as const) {
    app.post(
      `/api/approvals/:taskId/${decision}`,
      {
        ...steward,
        schema: {
          summary:
            decision === 'approve'
              ? 'Approve a waiting task: the running station service runs it next'
              : 'Decline a waiting task with a reason, which the researcher is shown',
          tags: ['steward'],
          security: [{ bearer: [] }],
          params: TaskIdParams,
          body: DecisionBody,
          response: { 200: DecisionAnswer, ...refusals, 404: ErrorAnswer, 409: ErrorAnswer },
        },
      },
      async (request): Promise<Static<typeof DecisionAnswer>> => {
        const { taskId } = request.params as Static<typeof TaskIdParams>;
        const body = (request.body ?? {}) as Static<typeof DecisionBody>;
        const reason = body.reason?.trim() ?? '';
        if (decision === 'decline' && reason === '') {
          throw new LocalApiError(
            400,
            'bad-request',
            'Cannot decline the task: give a reason; the researcher is shown it',
          );
        }
        await createTaskLogTable(store.connection);
        const known = (await listTaskLog(store.connection)).find((entry) => entry.taskId === taskId);
        if (known === undefined) {
          throw new LocalApiError(
            404,
            'not-found',
            `Cannot ${decision} task ${taskId}: the station has no such task`,
          );
        }
        const actor = stewardOf(request, body);
        const decide = decision === 'approve' ? approveTask : declineTask;
        try {
          // The decision itself is audited by approveTask/declineTask (task.approve, task.decline).
          await decide(store, taskId, { steward: actor.name, ...(reason === '' ? {} : { reason }) });
        } catch (error) {
          if (error instanceof ApprovalError) {
            throw new LocalApiError(409, 'conflict', `${error.message} (it is ${known.status})`);
          }
          throw error;
        }
        return { taskId, decision: decision === 'approve' ? 'approved' : 'declined' };
      },
    );
  }

  app.get(
    '/api/policy',
    {
      ...steward,
      schema: {
        summary: "The station's policy, the thresholds it applies and the platform's floors",
        tags: ['steward'],
        security: [{ bearer: [] }],
        response: { 200: PolicyAnswer, ...refusals },
      },
    },
    async (request): Promise<Static<typeof PolicyAnswer>> => {
      const answer = await policyAnswer(store);
      await audit(request, stewardOf(request), {
        event: 'policy.read',
        action: 'read',
        outcome: 'success',
        objectType: 'station-policy',
      });
      return answer;
    },
  );

  app.put(
    '/api/policy',
    {
      ...steward,
      schema: {
        summary: "Replace the station's policy; thresholds looser than the platform's are refused",
        tags: ['steward'],
        security: [{ bearer: [] }],
        body: PolicyBody,
        response: { 200: PolicyAnswer, ...refusals },
      },
    },
    async (request): Promise<Static<typeof PolicyAnswer>> => {
      const body = request.body as Static<typeof PolicyBody>;
      const actor = stewardOf(request, body);
      const before = await readStationPolicy(store);
      try {
        await writeStationPolicy(store, body.policy);
      } catch (error) {
        if (!(error instanceof StationPolicyError)) throw error;
        await audit(request, actor, {
          event: 'policy.update',
          action: 'update',
          outcome: 'refused',
          objectType: 'station-policy',
          details: { reason: error.message },
        });
        throw new LocalApiError(400, 'bad-request', error.message);
      }
      await audit(request, actor, {
        event: 'policy.update',
        action: 'update',
        outcome: 'success',
        objectType: 'station-policy',
        details: { before, after: body.policy },
      });
      return policyAnswer(store);
    },
  );
}

async function pendingTasks(store: StationStore): Promise<TaskLogEntry[]> {
  await createTaskLogTable(store.connection);
  return listTaskLog(store.connection, { statuses: ['pending-approval'] });
}

function describePendingTask(entry: TaskLogEntry): PendingApprovalView {
  const task = entry.offer.payload;
  const cohort = task.cohort as { name?: unknown } | null;
  return {
    taskId: entry.taskId,
    projectId: entry.projectId,
    runId: entry.runId,
    algorithm: entry.algorithm,
    round: entry.round,
    requestedBy: entry.requestedBy,
    receivedAt: entry.receivedAt,
    permit: permitSummary(task.permit),
    cohortName: typeof cohort?.name === 'string' ? cohort.name : null,
    cohort: task.cohort,
    parameters: task.parameters,
  };
}
type PendingApprovalView = Static<typeof ApprovalsAnswer>['approvals'][number];

/**
 * The permit's facts for the steward, read from the token's payload. Display only: the station verified
 * the signature with the pinned hub key before it queued the task, and verifies it again when it runs.
 */
function permitSummary(token: string): PendingApprovalView['permit'] {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      permitId?: unknown;
      purpose?: unknown;
      holder?: { organisationName?: unknown };
      validUntil?: unknown;
    };
    return {
      permitId: String(payload.permitId),
      purpose: String(payload.purpose),
      holder: String(payload.holder?.organisationName),
      validUntil: String(payload.validUntil),
    };
  } catch {
    return null;
  }
}

async function policyAnswer(store: StationStore): Promise<Static<typeof PolicyAnswer>> {
  const policy = await readStationPolicy(store);
  return {
    policy,
    source: policy === defaultStationPolicy ? 'default' : 'file',
    effective: { ...resolveDisclosurePolicy(policy.disclosure) },
    platformDefaults: { ...defaultDisclosurePolicy },
    algorithms: listAlgorithms().map(({ name, version, title }) => ({ name, version, title })),
  };
}

async function readDataQualityReport(store: StationStore): Promise<DataQualityReport | undefined> {
  try {
    return JSON.parse(await readFile(join(store.dir, ...dataQualityFile), 'utf8')) as DataQualityReport;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof SyntaxError) {
      throw new LocalApiError(
        500,
        'internal',
        `Cannot read the data-quality report: ${dataQualityFile.join('/')} is not JSON; run 'polder dq' again`,
      );
    }
    throw error;
  }
}

function locationOf(check: DataQualityCheckResult): string {
  const place = [check.table, check.field].filter((part) => part !== undefined).join('.');
  return check.conceptId === undefined
    ? place
    : `${place} = ${check.conceptId}${check.conceptName === undefined ? '' : ` (${check.conceptName})`}`;
}

const severityRank = (severity: string): number => {
  const rank = ['fatal', 'convention', 'characterization'].indexOf(severity);
  return rank < 0 ? 3 : rank;
};

function summariseReport(report: DataQualityReport): NonNullable<Static<typeof DataQualityAnswer>['report']> {
  const failed = report.checks
    .filter((check) => check.status === 'failed')
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  return {
    runId: report.runId,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    durationMs: report.durationMs,
    score: report.score,
    overview: report.overview,
    byKahn: Object.entries(report.byKahn).map(([key, counts]) => {
      const [category = key, context = ''] = key.split('/');
      return { category, context, counts };
    }),
    failedChecks: failed.map((check) => ({
      checkId: check.checkId,
      checkName: check.checkName,
      kahnCategory: check.kahnCategory,
      kahnContext: check.kahnContext,
      severity: check.severity,
      location: locationOf(check),
      description: check.description,
      numViolatedRows: check.numViolatedRows,
      numDenominatorRows: check.numDenominatorRows,
      pctViolatedRows: check.pctViolatedRows,
      threshold: check.threshold,
    })),
    erroredChecks: report.checks
      .filter((check) => check.status === 'error')
      .map((check) => ({
        checkId: check.checkId,
        location: locationOf(check),
        error: check.error ?? 'unknown',
      })),
  };
}

async function readIngestRuns(store: StationStore): Promise<Static<typeof DataQualityAnswer>['ingestRuns']> {
  const rows = (
    await store.connection.runAndReadAll(
      `SELECT r.ingest_run_id, r.source, r.status,
         strftime(r.started_at, '%Y-%m-%dT%H:%M:%S'), strftime(r.finished_at, '%Y-%m-%dT%H:%M:%S'),
         TRY_CAST(json_extract(r.counts, '$.recordsRead') AS BIGINT),
         (SELECT count(*) FROM polder.quarantine q WHERE q.ingest_run_id = r.ingest_run_id)
       FROM polder.ingest_run r ORDER BY r.ingest_run_id DESC LIMIT 20`,
    )
  ).getRows();
  return rows.map((row) => ({
    runId: Number(row[0]),
    source: String(row[1]),
    status: String(row[2]),
    startedAt: String(row[3]),
    finishedAt: row[4] == null ? null : String(row[4]),
    recordsRead: row[5] == null ? null : Number(row[5]),
    quarantined: Number(row[6]),
  }));
}

async function readQuarantineReasons(
  store: StationStore,
): Promise<Static<typeof DataQualityAnswer>['quarantineReasons']> {
  const rows = (
    await store.connection.runAndReadAll(
      `SELECT left(reason, 300) AS reason, count(*) AS n FROM polder.quarantine WHERE resolved_in_run IS NULL
       GROUP BY ALL ORDER BY n DESC, reason LIMIT 20`,
    )
  ).getRows();
  return rows.map((row) => ({ reason: String(row[0]), records: Number(row[1]) }));
}
