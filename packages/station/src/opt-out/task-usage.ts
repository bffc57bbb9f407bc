import type { DuckDBConnection } from '@duckdb/node-api';
import type { StationStore } from '../station-store.ts';
import { pseudonymOf, readPseudonymKey, syncPersonPseudonyms, withRegister } from './_station-pseudonyms.ts';

/** Options of {@link recordTaskUsage}: the completed task and the cohort its analysis used. */
export interface TaskUsage {
  readonly taskId: string;
  readonly projectId: string;
  /** The project's title as the hub sent it, shown to patients. */
  readonly projectTitle: string;
  readonly permitId: string;
  /** The permit's Art. 53(1) ground. */
  readonly purpose: string;
  /** A table with a `person_id` column: the persons the analysis used (after opt-outs were excluded). */
  readonly cohortTable: string;
  /** The connection that holds `cohortTable` (a temporary table lives in one connection only). @default the store's */
  readonly connection?: DuckDBConnection;
  /**
   * The number of persons in `cohortTable` when they are in `polder.project_usage_person` for this project
   * already: the station recorded this very (cached) cohort for the project before. Only the task's row is
   * added then; the persons are neither inserted again nor counted. @default unknown: they are recorded
   */
  readonly personsRecorded?: number;
  /** When. @default now */
  readonly now?: Date;
}

/** An approved project that used a patient's record, as the patient page shows it. */
export interface RecordUse {
  readonly projectId: string;
  readonly projectTitle: string;
  readonly permitId: string;
  readonly purpose: string;
  readonly firstUsedAt: string;
  readonly lastUsedAt: string;
  /** How many of the project's analyses ran at this station (not only those that used this record). */
  readonly analyses: number;
}

/**
 * Records which persons a completed task's analysis used, so that a patient can see which approved projects
 * used their record. Persons are kept once per project (`polder.project_usage_person`), however often the
 * project re-runs its analyses; the task itself is one row in `polder.task_usage`. Idempotent per task.
 * Returns the number of persons in the cohort.
 */
export async function recordTaskUsage(store: StationStore, usage: TaskUsage): Promise<number> {
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)?$/.test(usage.cohortTable)) {
    throw new Error(`Cannot record task usage: '${usage.cohortTable}' is not a plain table name`);
  }
  const cohort = usage.connection ?? store.connection;
  // The inserts run in the cohort's own connection (a temporary cohort table is visible there only), inside
  // the register's queue. No transaction of ours: the caller may hold one open on that connection, and both
  // steps are idempotent, so a crash between them is repaired by recording the task again.
  return withRegister(store, async (connection) => {
    const seen = (
      await connection.runAndReadAll('SELECT persons FROM polder.task_usage WHERE task_id = $taskId', {
        taskId: usage.taskId,
      })
    ).getRowsJS()[0];
    if (seen !== undefined) return Number(seen[0]);
    const persons = usage.personsRecorded ?? (await recordPersons(cohort, usage));
    await cohort.run(
      `INSERT INTO polder.task_usage VALUES (
         (SELECT coalesce(max(usage_id), 0) + 1 FROM polder.task_usage), $taskId, $projectId, $title,
         $permitId, $purpose, epoch_ms($ms::BIGINT), $persons)`,
      {
        taskId: usage.taskId,
        projectId: usage.projectId,
        title: usage.projectTitle,
        permitId: usage.permitId,
        purpose: usage.purpose,
        ms: (usage.now ?? new Date()).getTime(),
        persons,
      },
    );
    return persons;
  });
}

/** Adds the cohort's persons to the project's (those not there yet); returns how many persons the cohort holds. */
async function recordPersons(cohort: DuckDBConnection, usage: TaskUsage): Promise<number> {
  await cohort.run(
    `INSERT INTO polder.project_usage_person
     SELECT $projectId, person_id FROM (
       SELECT CAST(person_id AS BIGINT) AS person_id FROM ${usage.cohortTable} WHERE person_id IS NOT NULL
       EXCEPT SELECT person_id FROM polder.project_usage_person WHERE project_id = $projectId)`,
    { projectId: usage.projectId },
  );
  return Number(
    (
      await cohort.runAndReadAll(
        `SELECT count(DISTINCT person_id) FROM ${usage.cohortTable} WHERE person_id IS NOT NULL`,
      )
    ).getRowsJS()[0]?.[0] ?? 0,
  );
}

/**
 * The approved projects whose analyses used the record of the patient with this source identifier (their
 * patient number), most recent first. An unknown number gives an empty list, as does a known one that no
 * analysis used: the answer does not tell whether someone is a patient here.
 */
export async function projectsUsingRecord(
  store: StationStore,
  sourceIdentifier: string,
): Promise<RecordUse[]> {
  return withRegister(store, async (connection) => {
    const used = (
      await connection.runAndReadAll('SELECT count(*) FROM polder.task_usage')
    ).getRowsJS()[0]?.[0];
    if (Number(used ?? 0) === 0) return [];
    const key = await readPseudonymKey(store, connection);
    await syncPersonPseudonyms(connection, key);
    const rows = (
      await connection.runAndReadAll(
        `WITH projects AS (
           SELECT DISTINCT u.project_id FROM polder.project_usage_person u
           JOIN polder.person_pseudonym pp ON pp.person_id = u.person_id
           WHERE pp.pseudonym = $pseudonym)
         SELECT t.project_id, arg_max(t.project_title, t.used_at) AS title, arg_max(t.permit_id, t.used_at) AS permit,
           arg_max(t.purpose, t.used_at) AS purpose, epoch_ms(min(t.used_at)) AS first_ms,
           epoch_ms(max(t.used_at)) AS last_ms, count(*) AS analyses
         FROM polder.task_usage t JOIN projects p ON p.project_id = t.project_id
         GROUP BY t.project_id ORDER BY last_ms DESC, t.project_id`,
        { pseudonym: pseudonymOf(key, sourceIdentifier) },
      )
    ).getRowObjectsJS();
    return rows.map((row) => ({
      projectId: String(row['project_id']),
      projectTitle: String(row['title']),
      permitId: String(row['permit']),
      purpose: String(row['purpose']),
      firstUsedAt: new Date(Number(row['first_ms'])).toISOString(),
      lastUsedAt: new Date(Number(row['last_ms'])).toISOString(),
      analyses: Number(row['analyses']),
    }));
  });
}
