import { sql, type Kysely } from 'kysely';
import { Type } from 'typebox';
import { DisclosureReport, TaskProblem, type TaskResult } from '@polder/protocol';
import type { Database } from '../db/database.ts';
import { Nullable, Timestamp, Uuid } from '../schema.ts';
import type { RunError, RunRow } from './run-coordinator.ts';

const RunStatus = Type.Union([Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')]);
const TaskStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('pending-approval'),
  Type.Literal('completed'),
  Type.Literal('refused'),
  Type.Literal('failed'),
]);

/** Why a run failed: which station, at which step, and what to do. */
export const RunErrorView = Type.Object({
  stationId: Nullable(Uuid),
  stationName: Nullable(Type.String()),
  round: Type.Integer(),
  step: Type.String(),
  code: Type.String(),
  message: Type.String(),
  advice: Type.String(),
});

/** One station's progress in a run: its task of the latest round. */
export const StationProgressView = Type.Object({
  stationId: Uuid,
  stationName: Type.String(),
  round: Type.Integer(),
  status: TaskStatus,
  answeredAt: Nullable(Timestamp),
  durationMs: Nullable(Type.Number()),
  problem: Nullable(TaskProblem),
  /** What the station's disclosure control did to its last released output. */
  disclosure: Nullable(DisclosureReport),
});

/** A run in a list. */
export const RunSummaryView = Type.Object({
  id: Uuid,
  projectId: Uuid,
  algorithm: Type.Object({ name: Type.String(), version: Type.String() }),
  status: RunStatus,
  round: Type.Integer(),
  requestedBy: Type.Object({ userId: Nullable(Uuid), name: Type.String() }),
  rerunOf: Nullable(Uuid),
  createdAt: Timestamp,
  finishedAt: Nullable(Timestamp),
});

/** A run with its progress per station, its result or its error. */
export const RunView = Type.Object({
  ...RunSummaryView.properties,
  permitId: Uuid,
  parameters: Type.Unknown(),
  cohort: Type.Unknown(),
  cohortSource: Type.Unknown(),
  stations: Type.Array(StationProgressView),
  result: Type.Unknown({ description: 'The pooled result (null until the run completes)' }),
  error: Nullable(RunErrorView),
  updatedAt: Timestamp,
});

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** A run as listed. */
export function runSummaryOf(run: RunRow) {
  return {
    id: run.id,
    projectId: run.project_id,
    algorithm: { name: run.algorithm_name, version: run.algorithm_version },
    status: run.status,
    round: run.round,
    requestedBy: { userId: run.requested_by, name: run.requested_by_name },
    rerunOf: run.rerun_of,
    createdAt: new Date(run.created_at).toISOString(),
    finishedAt: iso(run.finished_at),
  };
}

/**
 * A run with per-station progress (each station's task of the latest round it has). `stationNames`, when
 * given, keeps the stations' names between calls (a progress stream sends the view at every change).
 */
export async function runViewOf(db: Kysely<Database>, run: RunRow, stationNames?: Map<string, string>) {
  // Only the parts of each result the view shows: a run's outputs (a GLM's aggregates of every round, a
  // survival curve) are not read for a progress event.
  const tasks = await db
    .selectFrom('tasks')
    .select([
      'station_id',
      'round',
      'status',
      'answered_at',
      sql<number | null>`result->'payload'->'durationMs'`.as('duration_ms'),
      sql<TaskResult['problem'] | null>`result->'payload'->'problem'`.as('problem'),
      sql<TaskResult['disclosure'] | null>`result->'payload'->'disclosure'`.as('disclosure'),
    ])
    .where('run_id', '=', run.id)
    .orderBy('round', 'desc')
    .execute();
  const names = stationNames ?? new Map<string, string>();
  const unnamed = run.station_ids.filter((id) => !names.has(id));
  if (unnamed.length > 0) {
    for (const row of await db
      .selectFrom('stations')
      .select(['id', 'name'])
      .where('id', 'in', unnamed)
      .execute())
      names.set(row.id, row.name);
  }
  const stations = run.station_ids.flatMap((stationId) => {
    const latest = tasks.find((task) => task.station_id === stationId);
    if (latest === undefined) return [];
    const lastDisclosure = tasks.find((task) => task.station_id === stationId && task.disclosure != null);
    return [
      {
        stationId,
        stationName: names.get(stationId) ?? stationId,
        round: latest.round,
        status: latest.status,
        answeredAt: iso(latest.answered_at),
        durationMs: latest.duration_ms ?? null,
        problem: latest.problem ?? null,
        disclosure: lastDisclosure?.disclosure ?? null,
      },
    ];
  });
  return {
    ...runSummaryOf(run),
    permitId: run.permit_id,
    parameters: run.parameters,
    cohort: run.cohort,
    cohortSource: run.cohort_source,
    stations,
    result: run.result ?? null,
    error: (run.error as RunError | null) ?? null,
    updatedAt: new Date(run.updated_at).toISOString(),
  };
}
