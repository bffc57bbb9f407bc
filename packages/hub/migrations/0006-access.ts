import { sql, type Kysely } from 'kysely';

/**
 * The access procedure. `application_events` is the record (append-only: a trigger refuses updates and
 * deletes); `applications` and `application_reviewers` are projections of it, written in the same
 * transaction as the events and rebuildable by replay. `due_at` is the one deadline the access body works
 * to next (completeness check, decision, or the applicant's completion), so the queue is one index scan.
 * `permits` is read by the federation (columns as its contract says). `access_outbox` holds e-mails and
 * webhook calls until they are delivered, so a failing mail server never loses a reminder or blocks a
 * command.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table applications (
      id uuid primary key,
      kind text not null check (kind in ('permit', 'data-request')),
      title text not null,
      applicant_id uuid not null references users (id),
      applicant_name text not null,
      organisation_id uuid not null,
      organisation_name text not null,
      state text not null check (state in ('draft', 'submitted', 'returned', 'approved', 'rejected', 'closed', 'expired', 'revoked')),
      form jsonb not null,
      dataset_ids text[] not null default '{}',
      public_summary text not null default '',
      purpose_ground text,
      version integer not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      received_at timestamptz,
      submitted_at timestamptz,
      completed_at timestamptz,
      completeness_due timestamptz,
      decision_due timestamptz,
      completion_due timestamptz,
      extended boolean not null default false,
      due_at timestamptz,
      due_kind text,
      overdue boolean not null default false,
      decision jsonb,
      decided_at timestamptz,
      permit_id uuid,
      results jsonb not null default '[]'
    );
    create index applications_applicant on applications (applicant_id, created_at desc, id);
    create index applications_queue on applications (due_at, id) where state in ('submitted', 'returned');
    create index applications_received on applications (received_at desc, id) where received_at is not null;
    create index applications_received_state on applications (state, received_at desc, id) where received_at is not null;

    -- How many applications the public register lists, per state: kept by triggers, so that the register's
    -- total is one small read however large it grows (PGlite has no autovacuum, so no index-only count).
    create table access_register_counts (state text primary key, applications bigint not null);
    insert into access_register_counts
      select unnest(array['draft', 'submitted', 'returned', 'approved', 'rejected', 'closed', 'expired', 'revoked']), 0;
    create function access_register_count() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') and old.received_at is not null then
          update access_register_counts set applications = applications - 1 where state = old.state;
        end if;
        if tg_op in ('INSERT', 'UPDATE') and new.received_at is not null then
          update access_register_counts set applications = applications + 1 where state = new.state;
        end if;
        return null;
      end
    $$;
    create trigger applications_register_count_insert after insert or delete on applications
      for each row execute function access_register_count();
    create trigger applications_register_count_update after update on applications
      for each row when (old.state is distinct from new.state or old.received_at is distinct from new.received_at)
      execute function access_register_count();

    -- Bumped by every statement that changes what the register or a queue shows, so that a hub process can
    -- tell with one tiny read whether a page it answered before is still current.
    create table access_version (id integer primary key check (id = 1), version bigint not null);
    insert into access_version values (1, 0);
    create function access_bump_version() returns trigger language plpgsql as $$
      begin
        update access_version set version = version + 1 where id = 1;
        return null;
      end
    $$;
    create trigger applications_version after insert or update or delete or truncate on applications
      for each statement execute function access_bump_version();

    create table application_events (
      application_id uuid not null references applications (id),
      seq integer not null check (seq >= 1),
      type text not null,
      actor_id uuid,
      actor_name text not null,
      at timestamptz not null,
      comment text,
      payload jsonb not null default '{}',
      primary key (application_id, seq)
    );
    create function application_events_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'application_events is append-only';
      end
    $$;
    create trigger application_events_append_only before update or delete on application_events
      for each row execute function application_events_append_only();

    create table application_reviewers (
      application_id uuid not null references applications (id),
      reviewer_id uuid not null references users (id),
      invited_at timestamptz not null,
      opinion text,
      opinion_at timestamptz,
      primary key (application_id, reviewer_id)
    );
    create index application_reviewers_reviewer on application_reviewers (reviewer_id, application_id);
    create trigger application_reviewers_version after insert or update or delete or truncate on application_reviewers
      for each statement execute function access_bump_version();

    create table application_attachments (
      id uuid primary key,
      application_id uuid not null references applications (id),
      filename text not null,
      media_type text not null,
      size integer not null,
      sha256 text not null,
      content bytea not null,
      uploaded_by uuid not null,
      uploaded_at timestamptz not null
    );
    create index application_attachments_application on application_attachments (application_id);

    create table permits (
      id uuid primary key,
      application_id uuid not null references applications (id),
      kind text not null check (kind in ('permit', 'data-request')),
      token text not null,
      document jsonb not null,
      status text not null check (status in ('active', 'expired', 'revoked')),
      valid_from timestamptz not null,
      valid_until timestamptz not null,
      revoked_at timestamptz,
      created_at timestamptz not null
    );
    create index permits_application on permits (application_id);
    create index permits_active_until on permits (valid_until) where status = 'active';
    create trigger permits_version after insert or update or delete or truncate on permits
      for each statement execute function access_bump_version();

    create table access_notifications (
      id uuid primary key,
      user_id uuid not null references users (id) on delete cascade,
      application_id uuid references applications (id),
      kind text not null,
      message text not null,
      -- The same reminder is made once, however often the clock runs.
      dedupe_key text unique,
      created_at timestamptz not null,
      read_at timestamptz
    );
    create index access_notifications_user on access_notifications (user_id, created_at desc, id);

    create table access_webhooks (
      id uuid primary key,
      url text not null,
      event_types text[] not null,
      secret text not null,
      created_by uuid not null,
      created_at timestamptz not null
    );

    create table access_outbox (
      id uuid primary key,
      channel text not null check (channel in ('email', 'webhook')),
      target text not null,
      webhook_id uuid references access_webhooks (id) on delete cascade,
      payload jsonb not null,
      created_at timestamptz not null,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      delivered_at timestamptz,
      failed_at timestamptz,
      last_error text
    );
    create index access_outbox_pending on access_outbox (next_attempt_at) where delivered_at is null and failed_at is null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table access_outbox;
    drop table access_webhooks;
    drop table access_notifications;
    drop table permits;
    drop table application_attachments;
    drop table application_reviewers;
    drop table application_events;
    drop function application_events_append_only();
    drop table applications;
    drop function access_register_count();
    drop table access_register_counts;
    drop function access_bump_version();
    drop table access_version;
  `.execute(db);
}
