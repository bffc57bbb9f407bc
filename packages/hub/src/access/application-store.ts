import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.ts';
import type { ApplicationEventsTable, ApplicationsTable } from './_access-tables.ts';
import { currentDue, isMarkedOverdue, replay, type Application, type WorkflowEvent } from './workflow.ts';

/** The hub database or a transaction on it. */
export type AccessDb = Kysely<Database>;

/** An event as a row of `application_events` (the envelope in columns, the rest in `payload`). */
export function eventToRow(applicationId: string, event: WorkflowEvent): Insertable<ApplicationEventsTable> {
  const { seq, type, at, actor, comment, ...payload } = event;
  return {
    application_id: applicationId,
    seq,
    type,
    actor_id: actor.id,
    actor_name: actor.name,
    at,
    comment,
    payload: JSON.stringify(payload),
  };
}

/** A row of `application_events` as an event. */
export function eventFromRow(row: Selectable<ApplicationEventsTable>): WorkflowEvent {
  return {
    ...(row.payload as object),
    type: row.type,
    seq: row.seq,
    at: new Date(row.at).toISOString(),
    actor: { id: row.actor_id, name: row.actor_name },
    comment: row.comment,
  } as WorkflowEvent;
}

/** Every event of an application, in order. */
export async function loadEvents(db: AccessDb, applicationId: string): Promise<WorkflowEvent[]> {
  const rows = await db
    .selectFrom('application_events')
    .selectAll()
    .where('application_id', '=', applicationId)
    .orderBy('seq')
    .execute();
  return rows.map(eventFromRow);
}

/** The projection row of an application's state. */
export function projectionRow(id: string, app: Application): Insertable<ApplicationsTable> {
  const due = currentDue(app);
  return {
    id,
    kind: app.kind,
    title: app.title,
    applicant_id: app.applicant.id,
    applicant_name: app.applicant.name,
    organisation_id: app.applicant.organisationId,
    organisation_name: app.applicant.organisationName,
    state: app.state,
    form: JSON.stringify(app.form),
    dataset_ids: [...(app.form.datasets ?? [])],
    public_summary: app.form.publicSummary ?? '',
    purpose_ground: app.form.purpose?.ground ?? null,
    version: app.version,
    created_at: app.createdAt,
    updated_at: app.updatedAt,
    received_at: app.receivedAt,
    submitted_at: app.submittedAt,
    completed_at: app.completedAt,
    completeness_due: app.completenessDue,
    decision_due: app.decisionDue,
    completion_due: app.completionDue,
    extended: app.extended,
    due_at: due?.at ?? null,
    due_kind: due?.kind ?? null,
    overdue: isMarkedOverdue(app),
    decision: app.decision === null ? null : JSON.stringify(app.decision),
    decided_at: app.decision?.at ?? null,
    permit_id: app.permit?.permitId ?? null,
    results: JSON.stringify(app.results),
  };
}

/**
 * Writes the projection of `app` (the application row and its reviewers). Call it in the transaction that
 * appended the events it was folded from.
 */
export async function writeProjection(db: AccessDb, id: string, app: Application): Promise<void> {
  const row = projectionRow(id, app);
  const { id: _id, ...changes } = row;
  await db
    .insertInto('applications')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet(changes))
    .execute();
  await db.deleteFrom('application_reviewers').where('application_id', '=', id).execute();
  if (app.reviewers.length > 0) {
    await db
      .insertInto('application_reviewers')
      .values(
        app.reviewers.map((r) => ({
          application_id: id,
          reviewer_id: r.id,
          invited_at: r.invitedAt,
          opinion: r.opinion,
          opinion_at: r.opinionAt,
        })),
      )
      .execute();
  }
}

/** Rebuilds an application's projection from its events alone; returns the replayed state. */
export async function rebuildProjection(db: AccessDb, id: string): Promise<Application | null> {
  return db.transaction().execute(async (trx) => {
    const app = replay(await loadEvents(trx, id));
    if (app !== null) await writeProjection(trx, id, app);
    return app;
  });
}

/** An application's whole history, for {@link insertApplicationHistories}. */
export interface ApplicationHistory {
  readonly id: string;
  readonly events: readonly WorkflowEvent[];
}

/**
 * Bulk-inserts applications with their events (imports, benchmarks): replays each history, then writes the
 * projections, reviewers and events in multi-row statements of `batchSize` applications, in one transaction.
 * Signed artefacts (permits) are not made here. Returns how many applications were inserted.
 * @throws Error when a history does not replay (its events are not a valid log)
 */
export async function insertApplicationHistories(
  db: AccessDb,
  histories: readonly ApplicationHistory[],
  options: { readonly batchSize?: number } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 200;
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < histories.length; start += batchSize) {
      const batch = histories.slice(start, start + batchSize).map((history) => {
        const app = replay(history.events);
        if (app === null) throw new Error(`Cannot insert application ${history.id}: it has no events`);
        return { history, app };
      });
      await trx
        .insertInto('applications')
        .values(batch.map(({ history, app }) => projectionRow(history.id, app)))
        .execute();
      const reviewers = batch.flatMap(({ history, app }) =>
        app.reviewers.map((r) => ({
          application_id: history.id,
          reviewer_id: r.id,
          invited_at: r.invitedAt,
          opinion: r.opinion,
          opinion_at: r.opinionAt,
        })),
      );
      if (reviewers.length > 0) await trx.insertInto('application_reviewers').values(reviewers).execute();
      const rows = batch.flatMap(({ history }) =>
        history.events.map((event) => eventToRow(history.id, event)),
      );
      // PostgreSQL takes at most 65,535 parameters per statement: 8 per event row.
      for (let i = 0; i < rows.length; i += 5000) {
        await trx
          .insertInto('application_events')
          .values(rows.slice(i, i + 5000))
          .execute();
      }
    }
  });
  return histories.length;
}
