import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { Role } from '../accounts/roles.ts';
import type { StationTables } from '../stations/_station-tables.ts';
import type { CatalogueTables } from '../catalogue/_catalogue-tables.ts';
import type { AccessTables } from '../access/_access-tables.ts';
import type { FederationTables } from '../projects/_federation-tables.ts';

/**
 * The hub's tables as Kysely sees them. Each feature declares its tables in an interface of its own and
 * adds it to the `extends` list of {@link Database} (one line), beside its migration in `migrations/`.
 */
export interface Database
  extends AccountTables, AuditTables, StationTables, CatalogueTables, AccessTables, FederationTables {}

/** A timestamp column: written as a Date (or ISO string), read as a Date. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** A timestamp with a database default. */
export type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface AccountTables {
  organisations: OrganisationTable;
  users: UserTable;
  user_roles: UserRoleTable;
  station_stewards: StationStewardTable;
  sessions: SessionTable;
  api_tokens: ApiTokenTable;
}

export interface OrganisationTable {
  id: string;
  name: string;
  created_at: DefaultTimestamp;
}

export interface UserTable {
  id: string;
  /** Lower-cased. */
  email: string;
  name: string;
  organisation_id: string;
  /** argon2id, PHC string format. */
  password_hash: string;
  /** Base32 TOTP secret once enrolment is confirmed. */
  totp_secret: string | null;
  /** Base32 TOTP secret handed out, not yet confirmed with a code. */
  totp_pending_secret: string | null;
  /** The last 30-second step a code was accepted for (a code is never accepted twice). */
  totp_last_step: number | null;
  disabled: Generated<boolean>;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  /** Consecutive failed sign-in steps (password or code) since the last success or lock. */
  failed_sign_ins: Generated<number>;
  /** Sign-in is refused until then. */
  locked_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface UserRoleTable {
  user_id: string;
  role: Role;
}

export interface StationStewardTable {
  user_id: string;
  station_id: string;
}

/** Where a session stands: signed in, or waiting for the second factor (or its enrolment). */
export type SessionStage = 'complete' | 'totp' | 'totp_enrolment';

export interface SessionTable {
  /** SHA-256 (hex) of the cookie's token; the token itself is never stored. */
  token_hash: string;
  user_id: string;
  stage: SessionStage;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  /** The absolute timeout. */
  expires_at: Timestamp;
  failed_attempts: Generated<number>;
  source_ip: string | null;
  client: string | null;
}

export interface ApiTokenTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 (hex) of the token. */
  token_hash: string;
  created_at: DefaultTimestamp;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface AuditTables {
  audit_log: AuditLogTable;
}

export interface AuditLogTable {
  seq: number;
  occurred_at: Timestamp;
  event: string;
  action: 'create' | 'read' | 'update' | 'delete' | 'execute';
  outcome: 'success' | 'failure' | 'refused';
  actor_id: string | null;
  actor_name: string | null;
  on_behalf_of: string | null;
  purpose: string | null;
  object_type: string | null;
  object_id: string | null;
  source_ip: string | null;
  client: string | null;
  /** Canonical JSON of further details (never secrets). */
  details: string;
  prev_hash: string;
  hash: string;
}

export type UserRow = Selectable<UserTable>;
export type NewUser = Insertable<UserTable>;
