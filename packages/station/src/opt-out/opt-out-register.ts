import type { DuckDBConnection } from '@duckdb/node-api';
import { art53Purposes, type Art53Purpose } from '@polder/protocol';
import { recordStationAudit } from '../audit/station-audit-log.ts';
import type { StationStore } from '../station-store.ts';
import { pseudonymOf, readPseudonymKey, syncPersonPseudonyms, withRegister } from './_station-pseudonyms.ts';

/** What a patient can opt out of: one EHDS Art. 53(1) ground (a–f), or `all` of them. */
export type OptOutPurpose = Art53Purpose | 'all';

/** Every value of {@link OptOutPurpose}. */
export const optOutPurposes: readonly OptOutPurpose[] = [...art53Purposes, 'all'];

/** Who changed the register, for `recorded_by` and the audit log. */
export interface OptOutActor {
  readonly id: string;
  readonly name: string;
  /** 'steward' (on the patient's request), 'patient' (the patient page). */
  readonly role: 'steward' | 'patient';
}

/** Options of {@link recordOptOut} and {@link withdrawOptOut}. */
export interface OptOutChange {
  /** The patient's number in the source system (Patient id / MRN); never stored, only its keyed hash. */
  readonly sourceIdentifier: string;
  readonly purposes: readonly OptOutPurpose[];
  readonly actor: OptOutActor;
  /** Where the request came from (IP address, client), for the audit log. */
  readonly sourceIp?: string;
  readonly client?: string;
  /** When. @default now */
  readonly now?: Date;
}

/** What a change did, per purpose: a batch reports per item instead of failing on the first. */
export interface OptOutChangeResult {
  /** A short reference to the register rows (the pseudonym's first 16 characters), for the audit trail. */
  readonly reference: string;
  /** Purposes whose state changed. */
  readonly changed: readonly OptOutPurpose[];
  /** Purposes already in the asked-for state. */
  readonly unchanged: readonly OptOutPurpose[];
}

/** One row of the register as a steward sees it: no identifier, only the pseudonym. */
export interface OptOutEntry {
  readonly pseudonym: string;
  readonly purpose: OptOutPurpose;
  readonly recordedAt: string;
  readonly recordedBy: string;
  readonly withdrawnAt: string | null;
  readonly withdrawnBy: string | null;
}

/** Options of {@link optedOutPersons}. */
export interface OptedOutPersonsOptions {
  /** The permit's Art. 53(1) ground. */
  readonly purpose: Art53Purpose;
  /** When the permit was granted (its `issuedAt`). */
  readonly grantedAt: Date;
}

/**
 * Records that a patient opts out of secondary use for the given purposes (idempotent per purpose: an
 * opt-out already in force is left as it is). The register keeps only a keyed hash of the patient number;
 * the change goes into the station audit log under that reference, never with the number. A patient who is
 * not (yet) in the station's data can opt out too: the opt-out applies once their records arrive.
 */
export async function recordOptOut(store: StationStore, change: OptOutChange): Promise<OptOutChangeResult> {
  return changeOptOut(store, change, 'record');
}

/** Withdraws a patient's opt-out for the given purposes (idempotent); audited like {@link recordOptOut}. */
export async function withdrawOptOut(store: StationStore, change: OptOutChange): Promise<OptOutChangeResult> {
  return changeOptOut(store, change, 'withdraw');
}

/**
 * Changes to the register made in this process, per database file. Every change goes through
 * {@link recordOptOut} or {@link withdrawOptOut}, and no other process can write while the station holds the
 * file (DuckDB locks it for one writing process), so a counter kept here is the register's version.
 */
const registerChanges = new Map<string, number>();

/**
 * The version of the opt-out register: it moves whenever an opt-out is recorded or withdrawn, so that what was
 * derived from the register (a cached cohort with its opted-out persons left out) is built again. Free to read.
 */
export function optOutRegisterVersion(store: Pick<StationStore, 'databasePath'>): number {
  return registerChanges.get(store.databasePath) ?? 0;
}

async function changeOptOut(
  store: StationStore,
  change: OptOutChange,
  kind: 'record' | 'withdraw',
): Promise<OptOutChangeResult> {
  const purposes = checkPurposes(change.purposes);
  const now = change.now ?? new Date();
  const actor = `${change.actor.role}:${change.actor.id}`;
  const result = await withRegister(store, async (connection) => {
    const key = await readPseudonymKey(store, connection);
    const pseudonym = pseudonymOf(key, change.sourceIdentifier);
    const active = await activePurposes(connection, pseudonym);
    const changed: OptOutPurpose[] = [];
    const unchanged: OptOutPurpose[] = [];
    await connection.run('BEGIN TRANSACTION');
    try {
      for (const purpose of purposes) {
        if ((kind === 'record') === active.has(purpose)) {
          unchanged.push(purpose);
          continue;
        }
        changed.push(purpose);
        if (kind === 'record') {
          await connection.run(
            `INSERT INTO polder.opt_out VALUES ($pseudonym, $purpose, epoch_ms($ms::BIGINT), $actor, NULL, NULL)`,
            { pseudonym, purpose, ms: now.getTime(), actor },
          );
        } else {
          await connection.run(
            `UPDATE polder.opt_out SET withdrawn_at = epoch_ms($ms::BIGINT), withdrawn_by = $actor
             WHERE pseudonym = $pseudonym AND purpose = $purpose AND withdrawn_at IS NULL`,
            { pseudonym, purpose, ms: now.getTime(), actor },
          );
        }
      }
      await connection.run('COMMIT');
      if (changed.length > 0) {
        registerChanges.set(store.databasePath, optOutRegisterVersion(store) + 1);
      }
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return { reference: pseudonym.slice(0, 16), changed, unchanged };
  });
  await recordStationAudit(store, {
    event: `opt-out.${kind}`,
    action: kind === 'record' ? 'create' : 'update',
    outcome: 'success',
    actor: { id: change.actor.id, name: change.actor.name },
    onBehalfOf: change.actor.role === 'steward' ? 'patient' : null,
    objectType: 'opt-out',
    objectId: result.reference,
    sourceIp: change.sourceIp ?? null,
    client: change.client ?? null,
    details: { role: change.actor.role, changed: result.changed, unchanged: result.unchanged },
    now,
  });
  return result;
}

/** The purposes a patient has opted out of now (for the patient page). */
export async function optOutStatus(store: StationStore, sourceIdentifier: string): Promise<OptOutPurpose[]> {
  return withRegister(store, async (connection) => {
    const key = await readPseudonymKey(store, connection);
    const active = await activePurposes(connection, pseudonymOf(key, sourceIdentifier));
    return optOutPurposes.filter((purpose) => active.has(purpose));
  });
}

/** The register, newest first, without identifiers: what a steward lists. */
export async function listOptOuts(
  store: StationStore,
  options: { readonly includeWithdrawn?: boolean; readonly limit?: number } = {},
): Promise<OptOutEntry[]> {
  return withRegister(store, async (connection) => {
    const limit = Math.max(0, Math.min(100_000, Math.floor(options.limit ?? 1000)));
    const rows = (
      await connection.runAndReadAll(
        `SELECT pseudonym, purpose, epoch_ms(recorded_at) AS recorded_ms, recorded_by,
           epoch_ms(withdrawn_at) AS withdrawn_ms, withdrawn_by
         FROM polder.opt_out ${options.includeWithdrawn === true ? '' : 'WHERE withdrawn_at IS NULL'}
         ORDER BY recorded_at DESC, pseudonym, purpose LIMIT ${limit}`,
      )
    ).getRowObjectsJS();
    return rows.map((row) => ({
      pseudonym: String(row['pseudonym']),
      purpose: String(row['purpose']) as OptOutPurpose,
      recordedAt: new Date(Number(row['recorded_ms'])).toISOString(),
      recordedBy: String(row['recorded_by']),
      withdrawnAt: row['withdrawn_ms'] === null ? null : new Date(Number(row['withdrawn_ms'])).toISOString(),
      withdrawnBy: row['withdrawn_by'] === null ? null : String(row['withdrawn_by']),
    }));
  });
}

/**
 * The OMOP person_ids to leave out of an analysis under a permit with `purpose`, granted at `grantedAt`:
 * those whose opt-out for that purpose (or `all`) was in force when the permit was granted. An opt-out
 * applies to permits granted after it (EHDS Art. 71); one recorded later does not reach back into an
 * existing permit, and one withdrawn later still holds for it, so a permit's population is fixed at grant.
 * Sorted ascending.
 */
export async function optedOutPersons(
  store: StationStore,
  options: OptedOutPersonsOptions,
): Promise<number[]> {
  const [purpose] = checkPurposes([options.purpose]);
  if (purpose === 'all' || purpose === undefined) {
    throw new Error("Cannot list opted-out persons: a permit's purpose is one Art. 53(1) ground, a to f");
  }
  const grantedMs = options.grantedAt.getTime();
  if (!Number.isFinite(grantedMs)) throw new Error('Cannot list opted-out persons: grantedAt is not a date');
  return withRegister(store, async (connection) => {
    const any = (await connection.runAndReadAll('SELECT count(*) FROM polder.opt_out')).getRowsJS()[0]?.[0];
    // Without any opt-out there is nothing to map, and no key needs to exist yet.
    if (Number(any ?? 0) === 0) return [];
    await syncPersonPseudonyms(connection, await readPseudonymKey(store, connection));
    const rows = (
      await connection.runAndReadAll(
        `SELECT DISTINCT pp.person_id FROM polder.opt_out o
         JOIN polder.person_pseudonym pp ON pp.pseudonym = o.pseudonym
         WHERE o.purpose IN ($purpose, 'all')
           AND o.recorded_at <= epoch_ms($granted::BIGINT)
           AND (o.withdrawn_at IS NULL OR o.withdrawn_at > epoch_ms($granted::BIGINT))
         ORDER BY pp.person_id`,
        { purpose, granted: grantedMs },
      )
    ).getRowsJS();
    return rows.map((row) => Number(row[0]));
  });
}

/**
 * Deletes `personIds` from the cohort table `cohortTable` (a table with a `person_id` column, named plainly or
 * as `[catalog.]schema.table`, in a connection that sees it: a temporary cohort table lives in one connection
 * only). Returns how many rows
 * went. The ids go through a temporary table, never into the SQL text.
 *
 * @example
 * const excluded = await excludeOptedOut(connection, 'cohort', await optedOutPersons(store, { purpose, grantedAt }));
 */
export async function excludeOptedOut(
  connection: DuckDBConnection,
  cohortTable: string,
  personIds: readonly number[],
): Promise<number> {
  if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*){0,2}$/.test(cohortTable)) {
    throw new Error(`Cannot exclude opted-out persons: '${cohortTable}' is not a plain table name`);
  }
  if (personIds.length === 0) return 0;
  const scratch = `opted_out_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  await connection.run(`CREATE TEMPORARY TABLE ${scratch} (person_id BIGINT)`);
  try {
    const appender = await connection.createAppender(scratch, 'main', 'temp');
    try {
      for (const id of personIds) {
        appender.appendBigInt(BigInt(id));
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    const result = await connection.run(
      `DELETE FROM ${cohortTable} WHERE person_id IN (SELECT person_id FROM temp.main.${scratch})`,
    );
    return Number(result.rowsChanged);
  } finally {
    await connection.run(`DROP TABLE IF EXISTS temp.main.${scratch}`);
  }
}

async function activePurposes(connection: DuckDBConnection, pseudonym: string): Promise<Set<OptOutPurpose>> {
  const rows = (
    await connection.runAndReadAll(
      'SELECT DISTINCT purpose FROM polder.opt_out WHERE pseudonym = $pseudonym AND withdrawn_at IS NULL',
      { pseudonym },
    )
  ).getRowsJS();
  return new Set(rows.map((row) => String(row[0]) as OptOutPurpose));
}

function checkPurposes(purposes: readonly string[]): OptOutPurpose[] {
  if (purposes.length === 0)
    throw new Error('Cannot change an opt-out: name at least one purpose (a–f or all)');
  const unknown = purposes.filter((p) => !(optOutPurposes as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw new Error(
      `Cannot change an opt-out: ${unknown.map((p) => `'${p}'`).join(', ')} is not a purpose (use a–f from EHDS Art. 53(1), or all)`,
    );
  }
  return [...new Set(purposes as readonly OptOutPurpose[])];
}

/**
 * The short reference under which the register and the audit log know a patient (the pseudonym's first 16
 * characters), for audit entries about that patient that are not changes (a patient page lookup).
 */
export async function optOutReference(store: StationStore, sourceIdentifier: string): Promise<string> {
  return withRegister(store, async (connection) =>
    pseudonymOf(await readPseudonymKey(store, connection), sourceIdentifier).slice(0, 16),
  );
}
