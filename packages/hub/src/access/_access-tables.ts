import type { ColumnType, Generated } from 'kysely';
import type { PermitDocument } from '@polder/protocol';

type Instant = ColumnType<Date, Date | string, Date | string>;
type NullableInstant = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** jsonb: written as JSON text, read as the value. */
type Json<T> = ColumnType<T, string, string>;

/** The access tables as Kysely sees them (migration 0006-access). */
export interface AccessTables {
  applications: ApplicationsTable;
  application_events: ApplicationEventsTable;
  application_reviewers: ApplicationReviewersTable;
  application_attachments: ApplicationAttachmentsTable;
  permits: PermitsTable;
  access_notifications: AccessNotificationsTable;
  access_webhooks: AccessWebhooksTable;
  access_outbox: AccessOutboxTable;
  access_register_counts: AccessRegisterCountsTable;
  access_version: AccessVersionTable;
}

/** One row: bumped by every statement that changes applications, reviewers or permits. */
export interface AccessVersionTable {
  id: number;
  /** bigint: read as a string (pg) or number (PGlite). */
  version: ColumnType<string | number, never, never>;
}

/** Applications in the public register per state (kept by triggers on `applications`). */
export interface AccessRegisterCountsTable {
  state: string;
  /** bigint: read as a string. */
  applications: ColumnType<string, never, never>;
}

/** The projection of an application's events (rebuildable by replay). */
export interface ApplicationsTable {
  id: string;
  kind: 'permit' | 'data-request';
  title: string;
  applicant_id: string;
  applicant_name: string;
  organisation_id: string;
  organisation_name: string;
  state: string;
  form: Json<Record<string, unknown>>;
  dataset_ids: string[];
  public_summary: string;
  purpose_ground: string | null;
  version: number;
  created_at: Instant;
  updated_at: Instant;
  received_at: NullableInstant;
  submitted_at: NullableInstant;
  completed_at: NullableInstant;
  completeness_due: NullableInstant;
  decision_due: NullableInstant;
  completion_due: NullableInstant;
  extended: boolean;
  due_at: NullableInstant;
  due_kind: string | null;
  overdue: boolean;
  decision: ColumnType<unknown, string | null, string | null>;
  decided_at: NullableInstant;
  permit_id: string | null;
  results: Json<unknown[]>;
}

export interface ApplicationEventsTable {
  application_id: string;
  seq: number;
  type: string;
  actor_id: string | null;
  actor_name: string;
  at: Instant;
  comment: string | null;
  payload: Json<Record<string, unknown>>;
}

export interface ApplicationReviewersTable {
  application_id: string;
  reviewer_id: string;
  invited_at: Instant;
  opinion: string | null;
  opinion_at: NullableInstant;
}

export interface ApplicationAttachmentsTable {
  id: string;
  application_id: string;
  filename: string;
  media_type: string;
  size: number;
  sha256: string;
  content: Buffer;
  uploaded_by: string;
  uploaded_at: Instant;
}

export interface PermitsTable {
  id: string;
  application_id: string;
  kind: 'permit' | 'data-request';
  /** Compact JWS signed with the hub key. */
  token: string;
  document: Json<PermitDocument>;
  status: 'active' | 'expired' | 'revoked';
  valid_from: Instant;
  valid_until: Instant;
  revoked_at: NullableInstant;
  created_at: Instant;
}

export interface AccessNotificationsTable {
  id: string;
  user_id: string;
  application_id: string | null;
  kind: string;
  message: string;
  dedupe_key: string | null;
  created_at: Instant;
  read_at: NullableInstant;
}

export interface AccessWebhooksTable {
  id: string;
  url: string;
  event_types: string[];
  secret: string;
  created_by: string;
  created_at: Instant;
}

export interface AccessOutboxTable {
  id: string;
  channel: 'email' | 'webhook';
  target: string;
  webhook_id: string | null;
  payload: Json<Record<string, unknown>>;
  created_at: Instant;
  attempts: Generated<number>;
  next_attempt_at: Instant;
  delivered_at: NullableInstant;
  failed_at: NullableInstant;
  last_error: string | null;
}
