import { sql, type Kysely } from 'kysely';
import { Compile } from 'typebox/compile';
import { PermitDocument } from '@polder/protocol';
import type { Database } from '../db/database.ts';

/**
 * The federation reads the access procedure's `permits` table (its columns as the federation contract names
 * them) with plain SQL, so that it depends on the table's contract, not on the access code's types.
 */

/** A permit as the federation needs it. */
export interface PermitRecord {
  readonly id: string;
  /** The compact JWS the stations verify. */
  readonly token: string;
  readonly document: PermitDocument;
  readonly status: 'active' | 'expired' | 'revoked';
  readonly validUntil: Date;
  readonly revokedAt: Date | null;
}

const documentValidator = Compile(PermitDocument);

/** PostgreSQL's "undefined table": the access migration has not run on this database. */
function isMissingTable(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '42P01';
}

/** The permit with this id, or undefined when there is none (or no permits table yet). */
export async function findPermit(db: Kysely<Database>, id: string): Promise<PermitRecord | undefined> {
  try {
    const result = await sql<{
      id: string;
      token: string;
      document: unknown;
      status: string;
      valid_until: Date | string;
      revoked_at: Date | string | null;
    }>`select id, token, document, status, valid_until, revoked_at from permits where id = ${id}`.execute(db);
    const row = result.rows[0];
    if (row === undefined) return undefined;
    const document: unknown = typeof row.document === 'string' ? JSON.parse(row.document) : row.document;
    if (!documentValidator.Check(document)) return undefined;
    const status = row.status === 'active' || row.status === 'revoked' ? row.status : 'expired';
    return {
      id: row.id,
      token: row.token,
      document,
      status,
      validUntil: new Date(row.valid_until),
      revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    };
  } catch (error) {
    if (isMissingTable(error)) return undefined;
    throw error;
  }
}

/** Every revoked permit with the time it was revoked, oldest first. */
export async function revokedPermits(
  db: Kysely<Database>,
): Promise<{ permitId: string; revokedAt: string }[]> {
  try {
    const result = await sql<{ id: string; revoked_at: Date | string | null }>`
      select id, revoked_at from permits where status = 'revoked' order by revoked_at, id`.execute(db);
    return result.rows.map((row) => ({
      permitId: row.id,
      revokedAt: new Date(row.revoked_at ?? 0).toISOString(),
    }));
  } catch (error) {
    if (isMissingTable(error)) return [];
    throw error;
  }
}

/** Why a permit cannot be used now, or undefined when it can. */
export function permitUnusableBecause(permit: PermitRecord, now: Date): string | undefined {
  if (permit.status === 'revoked') return `permit ${permit.id} was revoked`;
  if (permit.status !== 'active') return `permit ${permit.id} has expired`;
  if (now.getTime() >= permit.validUntil.getTime() || now.getTime() >= Date.parse(permit.document.validUntil))
    return `permit ${permit.id} expired at ${permit.document.validUntil}`;
  if (now.getTime() < Date.parse(permit.document.validFrom))
    return `permit ${permit.id} is valid only from ${permit.document.validFrom}`;
  return undefined;
}

/** The stations a permit's datasets are held by, each once, in the permit's order. */
export function stationsOfPermit(permit: PermitDocument): string[] {
  return [...new Set(permit.datasets.map((dataset) => dataset.stationId))];
}
