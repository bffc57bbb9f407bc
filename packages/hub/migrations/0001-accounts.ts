import { sql, type Kysely } from 'kysely';

/** Organisations, users and their roles, stewarded stations, sessions and API tokens. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table organisations (
      id uuid primary key,
      name text not null unique,
      created_at timestamptz not null default now()
    );
    create table users (
      id uuid primary key,
      email text not null unique,
      name text not null,
      organisation_id uuid not null references organisations (id),
      password_hash text not null,
      totp_secret text,
      totp_pending_secret text,
      totp_last_step bigint,
      disabled boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index users_organisation_id on users (organisation_id);
    create table user_roles (
      user_id uuid not null references users (id) on delete cascade,
      role text not null check (role in ('researcher', 'data_steward', 'access_body_handler',
        'access_body_reviewer', 'access_body_decider', 'admin')),
      primary key (user_id, role)
    );
    -- Which stations a data steward stewards. The stations table comes with station enrolment, whose
    -- migration adds the foreign key on station_id.
    create table station_stewards (
      user_id uuid not null references users (id) on delete cascade,
      station_id uuid not null,
      primary key (user_id, station_id)
    );
    create index station_stewards_station_id on station_stewards (station_id);
    create table sessions (
      token_hash text primary key,
      user_id uuid not null references users (id) on delete cascade,
      stage text not null check (stage in ('complete', 'totp', 'totp_enrolment')),
      created_at timestamptz not null,
      last_seen_at timestamptz not null,
      expires_at timestamptz not null,
      failed_attempts integer not null default 0,
      source_ip text,
      client text
    );
    create index sessions_user_id on sessions (user_id);
    create table api_tokens (
      id uuid primary key,
      user_id uuid not null references users (id) on delete cascade,
      name text not null,
      token_hash text not null unique,
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    create index api_tokens_user_id on api_tokens (user_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table api_tokens, sessions, station_stewards, user_roles, users, organisations`.execute(db);
}
