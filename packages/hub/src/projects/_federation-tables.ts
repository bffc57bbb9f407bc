import type { ColumnType } from 'kysely';

type Instant = ColumnType<Date, Date | string, Date | string>;
type NullableInstant = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** jsonb: written as JSON text, read as the value. */
type Json<T> = ColumnType<T, string, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;

export interface ProjectsTable {
  id: string;
  title: string;
  description: string;
  owner_id: string;
  permit_id: string | null;
  created_at: Instant;
  updated_at: Instant;
}

export interface ProjectMembersTable {
  project_id: string;
  user_id: string;
  role: 'owner' | 'member';
  added_by: string | null;
  added_at: Instant;
}

/** A cohort or a set of variables; each change is a new version (a new row with the same id). */
export interface ProjectDefinitionsTable {
  id: string;
  version: number;
  project_id: string;
  kind: 'cohort' | 'variables';
  name: string;
  definition: Json<unknown>;
  created_by: string | null;
  created_at: Instant;
}

/** Where a run stands. */
export type RunStatus = 'running' | 'completed' | 'failed';

export interface RunsTable {
  id: string;
  project_id: string;
  permit_id: string;
  rerun_of: string | null;
  requested_by: string | null;
  requested_by_name: string;
  algorithm_name: string;
  algorithm_version: string;
  parameters: Json<unknown>;
  /** The cohort definition the run was made with (a snapshot: later edits do not change it). */
  cohort: Json<unknown>;
  /** Where the cohort came from: `{ definitionId, version }` or `{ inline: true }`. */
  cohort_source: Json<unknown>;
  station_ids: string[];
  status: RunStatus;
  round: number;
  /** What the hub half carries into the next round. */
  state: NullableJson<unknown>;
  result: NullableJson<unknown>;
  /** Why the run failed: which station, at which step, and what to do. */
  error: NullableJson<unknown>;
  created_at: Instant;
  updated_at: Instant;
  finished_at: NullableInstant;
}

/** Where a task stands: pending (offered), pending-approval (the steward has yet to approve), or final. */
export type TaskStatus = 'pending' | 'pending-approval' | 'completed' | 'refused' | 'failed';

export interface TasksTable {
  id: string;
  run_id: string;
  station_id: string;
  round: number;
  /** The SignedTaskOffer as sent. */
  offer: Json<unknown>;
  status: TaskStatus;
  /** The SignedTaskResult as received (signature verified). */
  result: NullableJson<unknown>;
  /** canonicalDigest of the final result's payload: an identical re-post is accepted, a different one is a conflict. */
  result_digest: string | null;
  created_at: Instant;
  updated_at: Instant;
  answered_at: NullableInstant;
}

/** The federation tables as Kysely sees them (migration 0007-federation). */
export interface FederationTables {
  projects: ProjectsTable;
  project_members: ProjectMembersTable;
  project_definitions: ProjectDefinitionsTable;
  runs: RunsTable;
  tasks: TasksTable;
}
