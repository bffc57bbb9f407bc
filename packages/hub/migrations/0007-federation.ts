import { sql, type Kysely } from 'kysely';

/**
 * Projects and the federation. A project belongs to its members and works under one permit; its cohort and
 * variable definitions are versioned (a new version is a new row, so a run's definition never changes under
 * it). A run is one analysis: the algorithm, its parameters and a snapshot of the cohort it ran on, its round
 * and the hub half's state between rounds, and in the end a result or an error. A task is one round of a run
 * at one station, with the offer the hub signed and the result the station signed; `(run_id, station_id,
 * round)` is unique, so however often a round is advanced, each station gets one task per round.
 *
 * `projects.permit_id` and `runs.permit_id` have no foreign key to `permits`: that table belongs to the access
 * procedure (migration 0006), and a permit's record is read, never owned, here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table projects (
      id uuid primary key,
      title text not null,
      description text not null default '',
      owner_id uuid not null references users (id),
      permit_id uuid,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );
    create index projects_permit on projects (permit_id) where permit_id is not null;

    create table project_members (
      project_id uuid not null references projects (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      role text not null check (role in ('owner', 'member')),
      added_by uuid references users (id) on delete set null,
      added_at timestamptz not null,
      primary key (project_id, user_id)
    );
    create index project_members_user on project_members (user_id, project_id);

    create table project_definitions (
      id uuid not null,
      version integer not null check (version >= 1),
      project_id uuid not null references projects (id) on delete cascade,
      kind text not null check (kind in ('cohort', 'variables')),
      name text not null,
      definition jsonb not null,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null,
      primary key (id, version)
    );
    create index project_definitions_project on project_definitions (project_id, kind, id, version desc);

    create table runs (
      id uuid primary key,
      project_id uuid not null references projects (id) on delete cascade,
      permit_id uuid not null,
      rerun_of uuid references runs (id) on delete set null,
      requested_by uuid references users (id) on delete set null,
      requested_by_name text not null,
      algorithm_name text not null,
      algorithm_version text not null,
      parameters jsonb not null,
      cohort jsonb not null,
      cohort_source jsonb not null,
      station_ids uuid[] not null,
      status text not null check (status in ('running', 'completed', 'failed')),
      round integer not null default 0,
      state jsonb,
      result jsonb,
      error jsonb,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      finished_at timestamptz
    );
    create index runs_project on runs (project_id, created_at desc, id);
    create index runs_running_permit on runs (permit_id) where status = 'running';

    create table tasks (
      id uuid primary key,
      run_id uuid not null references runs (id) on delete cascade,
      station_id uuid not null references stations (id),
      round integer not null check (round >= 0),
      offer jsonb not null,
      status text not null check (status in ('pending', 'pending-approval', 'completed', 'refused', 'failed')),
      result jsonb,
      result_digest text,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      answered_at timestamptz,
      unique (run_id, station_id, round)
    );
    -- The re-sync query: a station's unanswered tasks, oldest first.
    create index tasks_open_by_station on tasks (station_id, created_at, id)
      where status in ('pending', 'pending-approval');
    create index tasks_run_round on tasks (run_id, round);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table tasks;
    drop table runs;
    drop table project_definitions;
    drop table project_members;
    drop table projects;
  `.execute(db);
}
