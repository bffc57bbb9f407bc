import { sql, type Kysely } from 'kysely';

/**
 * Stations and what their enrolment and authentication hand out — one-time enrolment tokens, challenge
 * nonces and sessions, each stored only as its SHA-256 — the signed descriptions stations published, and the
 * hub's own signing key. station_stewards.station_id gets no foreign key yet: POST /api/users accepts
 * station ids it does not check, and a violated key would answer 500 instead of 400.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table stations (
      id uuid primary key,
      name text not null,
      organisation_id uuid references organisations (id),
      status text not null check (status in ('pending', 'enrolled', 'revoked')),
      public_key text unique,
      key_id text,
      software_version text,
      created_at timestamptz not null,
      created_by uuid references users (id) on delete set null,
      enrolled_at timestamptz,
      revoked_at timestamptz,
      last_published_at timestamptz
    );
    create index stations_organisation_id on stations (organisation_id);
    create table station_enrolment_tokens (
      token_hash text primary key,
      station_id uuid not null references stations (id) on delete cascade,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null
    );
    create index station_enrolment_tokens_station_id on station_enrolment_tokens (station_id);
    create table station_auth_challenges (
      nonce_hash text primary key,
      station_id uuid not null references stations (id) on delete cascade,
      expires_at timestamptz not null
    );
    create index station_auth_challenges_station_id on station_auth_challenges (station_id);
    create table station_sessions (
      token_hash text primary key,
      station_id uuid not null references stations (id) on delete cascade,
      expires_at timestamptz not null,
      created_at timestamptz not null
    );
    create index station_sessions_station_id on station_sessions (station_id);
    create table station_publications (
      id uuid primary key,
      station_id uuid not null references stations (id) on delete cascade,
      published_at timestamptz not null,
      received_at timestamptz not null,
      description_digest text not null,
      envelope jsonb not null
    );
    create index station_publications_station_id on station_publications (station_id, published_at);
    create table hub_signing_keys (
      id integer primary key check (id = 1),
      public_key text not null,
      key_id text not null,
      private_key text not null,
      created_at timestamptz not null
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table hub_signing_keys, station_publications, station_sessions, station_auth_challenges,
      station_enrolment_tokens, stations;
  `.execute(db);
}
