import type { JSONColumnType } from 'kysely';
import type { Timestamp as Instant } from '../db/database.ts';

/** Where a station is in its life: created by an admin, enrolled with its key, or revoked. */
export type StationStatus = 'pending' | 'enrolled' | 'revoked';

export interface StationsTable {
  id: string;
  name: string;
  /** The hospital the station belongs to; its stewards see the station. */
  organisation_id: string | null;
  status: StationStatus;
  /** Ed25519 public key (base64url raw), set at enrolment. */
  public_key: string | null;
  key_id: string | null;
  software_version: string | null;
  created_at: Instant;
  created_by: string | null;
  enrolled_at: Instant | null;
  revoked_at: Instant | null;
  /** `publishedAt` of the last description accepted: older ones are refused as replays. */
  last_published_at: Instant | null;
}

export interface StationEnrolmentTokensTable {
  /** SHA-256 (base64url) of the token; the token itself is shown once and never stored. */
  token_hash: string;
  station_id: string;
  expires_at: Instant;
  used_at: Instant | null;
  created_at: Instant;
}

export interface StationAuthChallengesTable {
  nonce_hash: string;
  station_id: string;
  expires_at: Instant;
}

export interface StationSessionsTable {
  token_hash: string;
  station_id: string;
  expires_at: Instant;
  created_at: Instant;
}

/** Every signed description a station published, as received: the hub can show what a station signed. */
export interface StationPublicationsTable {
  id: string;
  station_id: string;
  published_at: Instant;
  received_at: Instant;
  description_digest: string;
  envelope: JSONColumnType<object, string, string>;
}

export interface HubSigningKeysTable {
  /** Always 1: the hub has one key; the row is made at first start by whichever process gets there first. */
  id: number;
  public_key: string;
  key_id: string;
  /** PKCS#8 PEM, or `aes-256-gcm:<iv>:<tag>:<ciphertext>` (base64url) when the hub has a secret. */
  private_key: string;
  created_at: Instant;
}

/** The hub's tables for stations (migrations/0003-stations.ts). */
export interface StationTables {
  stations: StationsTable;
  station_enrolment_tokens: StationEnrolmentTokensTable;
  station_auth_challenges: StationAuthChallengesTable;
  station_sessions: StationSessionsTable;
  station_publications: StationPublicationsTable;
  hub_signing_keys: HubSigningKeysTable;
}
