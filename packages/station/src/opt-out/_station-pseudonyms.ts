import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { generatePseudonymKey, keyedPseudonym } from '@polder/privacy';
import type { StationStore } from '../station-store.ts';

/** The station secret that keys patient pseudonyms; lose it and every opt-out loses its patient. */
export const pseudonymKeyFile = 'pseudonym-key';

const tableDdl = [
  'CREATE SCHEMA IF NOT EXISTS polder',
  `CREATE TABLE IF NOT EXISTS polder.opt_out (
    pseudonym VARCHAR NOT NULL,
    purpose VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by VARCHAR NOT NULL,
    withdrawn_at TIMESTAMP,
    withdrawn_by VARCHAR
  )`,
  // person_id → pseudonym of its patient number, kept in step with the source-id map on use (see
  // syncPersonPseudonyms); person_id is unique here by construction (anti-join on insert).
  `CREATE TABLE IF NOT EXISTS polder.person_pseudonym (
    person_id BIGINT NOT NULL,
    pseudonym VARCHAR NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS polder.task_usage (
    usage_id INTEGER NOT NULL,
    task_id VARCHAR NOT NULL,
    project_id VARCHAR NOT NULL,
    project_title VARCHAR NOT NULL,
    permit_id VARCHAR NOT NULL,
    purpose VARCHAR NOT NULL,
    used_at TIMESTAMP NOT NULL,
    persons BIGINT NOT NULL
  )`,
  // One row per (project, person): a project that re-runs an analysis on the same cohort adds nothing.
  `CREATE TABLE IF NOT EXISTS polder.project_usage_person (
    project_id VARCHAR NOT NULL,
    person_id BIGINT NOT NULL
  )`,
];

/** Creates the opt-out register's tables if they are not there (idempotent). */
export async function ensureOptOutTables(connection: DuckDBConnection): Promise<void> {
  for (const statement of tableDdl) await connection.run(statement);
}

/** Databases whose register tables exist already in this process: DDL is a write transaction each time. */
const ensured = new WeakSet<object>();

const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `work` on a connection of its own, after every earlier call for the same database has finished:
 * the register's read-then-write steps must not interleave, and they must not land inside a transaction
 * someone else holds open on the store's shared connection.
 */
export function withRegister<T>(
  store: StationStore,
  work: (connection: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const key = store.databasePath;
  const run = async (): Promise<T> => {
    const connection = await store.instance.connect();
    try {
      if (!ensured.has(store.instance)) {
        await ensureOptOutTables(connection);
        ensured.add(store.instance);
      }
      return await work(connection);
    } finally {
      connection.closeSync();
    }
  };
  const next = (queues.get(key) ?? Promise.resolve()).then(run, run);
  const settled = next.catch(() => undefined);
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}

/**
 * Reads the station's pseudonym key (base64url), making it (32 random bytes, mode 0600) on first use. Refuses to make a
 * new key while opt-outs exist: they were keyed with the lost one, and a new key would silently orphan them.
 */
export async function readPseudonymKey(store: StationStore, connection: DuckDBConnection): Promise<string> {
  const path = join(store.dir, pseudonymKeyFile);
  try {
    const key = (await readFile(path, 'utf8')).trim();
    // Fails early, with the file named, rather than at the first pseudonym.
    keyedPseudonym(key, 'check');
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const existing = (
    await connection.runAndReadAll(
      'SELECT (SELECT count(*) FROM polder.opt_out) + (SELECT count(*) FROM polder.person_pseudonym)',
    )
  ).getRowsJS()[0]?.[0];
  if (Number(existing ?? 0) > 0) {
    throw new Error(
      `Cannot use the opt-out register: ${pseudonymKeyFile} is missing from ${store.dir} but the register holds ` +
        'pseudonyms made with it; restore the file from the station backup',
    );
  }
  const key = generatePseudonymKey();
  // 'wx': of two processes racing to make the key, the second fails instead of replacing the first's.
  await writeFile(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
  return key;
}

/**
 * The patient number a person's source id carries: source ids are `<prefix>/<id>` ("Patient/3000012"),
 * and a patient gives only the id. Input may also come with the prefix; both give the same number.
 */
export function patientNumberOf(sourceIdentifier: string): string {
  const trimmed = sourceIdentifier.trim();
  const slash = trimmed.indexOf('/');
  return slash >= 0 && /^[A-Za-z][\w.-]*$/.test(trimmed.slice(0, slash)) ? trimmed.slice(slash + 1) : trimmed;
}

/** The pseudonym of a patient's source identifier under the station key. */
export function pseudonymOf(key: string, sourceIdentifier: string): string {
  const number = patientNumberOf(sourceIdentifier);
  if (number === '') throw new Error('Cannot make a pseudonym: the patient number is empty');
  return keyedPseudonym(key, number);
}

/**
 * Brings `polder.person_pseudonym` up to date with the source-id map: pseudonyms are made only for persons
 * loaded since the last call (an anti-join), so the steady state costs one join, and a fresh station of
 * 100,000 persons pays for 100,000 HMACs once. Returns how many persons were added.
 */
export async function syncPersonPseudonyms(connection: DuckDBConnection, key: string): Promise<number> {
  // The steady state: person_id is unique in both and persons are never removed from the source-id map,
  // so equal counts mean nothing is missing, and two counts cost far less than the anti-join.
  const counts = (
    await connection.runAndReadAll(
      `SELECT (SELECT count(*) FROM polder.source_record WHERE target_table = 'person'),
              (SELECT count(*) FROM polder.person_pseudonym)`,
    )
  ).getRowsJS()[0];
  if (counts !== undefined && Number(counts[0]) === Number(counts[1])) return 0;
  const missing = (
    await connection.runAndReadAll(
      `SELECT sr.row_id, sr.source_id FROM polder.source_record sr
       WHERE sr.target_table = 'person'
         AND NOT EXISTS (SELECT 1 FROM polder.person_pseudonym pp WHERE pp.person_id = sr.row_id)`,
    )
  ).getRowsJS();
  if (missing.length === 0) return 0;
  const appender = await connection.createAppender('person_pseudonym', 'polder');
  try {
    for (const [personId, sourceId] of missing) {
      appender.appendBigInt(BigInt(personId as bigint | number));
      appender.appendVarchar(pseudonymOf(key, String(sourceId)));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return missing.length;
}
