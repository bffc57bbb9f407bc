import { sql, type Kysely } from 'kysely';

/**
 * The append-only audit log (NEN 7513 fields), hash-chained row to row. Triggers refuse UPDATE, DELETE and
 * TRUNCATE so that a mistake in code cannot rewrite history; the hash chain detects whoever goes around them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table audit_log (
      seq bigint primary key,
      occurred_at timestamptz not null,
      event text not null,
      action text not null check (action in ('create', 'read', 'update', 'delete', 'execute')),
      outcome text not null check (outcome in ('success', 'failure', 'refused')),
      actor_id text,
      actor_name text,
      on_behalf_of text,
      purpose text,
      object_type text,
      object_id text,
      source_ip text,
      client text,
      details text not null,
      prev_hash text not null,
      hash text not null
    );
    create index audit_log_occurred_at on audit_log (occurred_at);
    create index audit_log_actor_id on audit_log (actor_id);
    create function audit_log_refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_log is append-only: % is not allowed', tg_op;
      end
    $$;
    create trigger audit_log_append_only before update or delete on audit_log
      for each row execute function audit_log_refuse_change();
    create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function audit_log_refuse_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table audit_log; drop function audit_log_refuse_change()`.execute(db);
}
