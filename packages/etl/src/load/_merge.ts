import type { DuckDBConnection } from '@duckdb/node-api';
import { queryNumber, queryRows, seqRanges, sqlString } from './_sql.ts';

/** The CDM tables the loader writes, with their key columns. */
export const idColumns: Readonly<Record<string, string>> = {
  care_site: 'care_site_id',
  person: 'person_id',
  visit_occurrence: 'visit_occurrence_id',
  visit_detail: 'visit_detail_id',
  condition_occurrence: 'condition_occurrence_id',
  drug_exposure: 'drug_exposure_id',
  procedure_occurrence: 'procedure_occurrence_id',
  device_exposure: 'device_exposure_id',
  measurement: 'measurement_id',
  observation: 'observation_id',
};

/**
 * The six clinical tables share one key space, so that a record whose concept changes domain moves to
 * its new table with the same id.
 */
export const clinicalTables = [
  'condition_occurrence',
  'drug_exposure',
  'procedure_occurrence',
  'device_exposure',
  'measurement',
  'observation',
] as const;

/** What a merge did, per action. */
export interface MergeCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** How to merge one candidate table into its CDM table. */
export interface MergeSpec {
  /** The CDM table. */
  readonly table: string;
  /**
   * The temp table with the new rows: seq, source_id, record_id, resource_type, content_hash and the CDM
   * columns (without the key).
   */
  readonly candidates: string;
  /** CDM columns (without the key), named as in the candidate table. */
  readonly columns: readonly string[];
  /** Extra candidate columns that count as content of the row (e.g. a person's death date). */
  readonly hashExtra?: readonly string[];
  /** Tables whose keys share one space with this table's (including itself). */
  readonly keySpace: readonly string[];
  /** The column of the row's person, for observation periods: 'person_id', 'row_id' (person) or none. */
  readonly personColumn?: 'person_id' | 'row_id';
  /** Further writes that belong to the last chunk's transaction (a person's death row); `plan` holds the actions. */
  readonly afterWrite?: () => Promise<void>;
}

/** Context of one ingest run. */
export interface MergeContext {
  readonly source: string;
  readonly runId: number;
  /** Events per statement in the big statements (see `seqRanges`). */
  readonly chunkSize: number;
}

/**
 * Merges candidates into a CDM table, idempotently per source record (`polder.source_record`):
 *
 * - a source_id not seen before → inserted with a new key;
 * - seen, same table, same row hash → unchanged;
 * - seen, same table, other row hash → updated in place (same key);
 * - seen in another table of the same key space → deleted there and inserted here with the same key.
 *
 * The row hash covers the CDM row as it would be written (concepts included), not just the source text:
 * a record whose text is the same but whose code now maps (a new mapping, a new vocabulary) is updated too.
 *
 * New keys are (largest key in the key space) + 1 + the event's staging number: unique, in staging order, with
 * gaps. Not from a SEQUENCE, because a station may also hold rows imported from an OMOP export whose keys a
 * sequence would not know; and not a row_number() window, which sorted a million rows for nothing.
 * Persons touched (inserted, updated, moved, or whose row moved away) are added to temp table `touched`.
 */
export async function mergeCandidates(
  connection: DuckDBConnection,
  spec: MergeSpec,
  context: MergeContext,
): Promise<MergeCounts> {
  const id = idColumns[spec.table];
  if (id === undefined) throw new Error(`Cannot merge into ${spec.table}: not a table the loader writes`);
  const table = `cdm.${spec.table}`;
  const source = sqlString(context.source);
  const space = spec.keySpace.map(sqlString).join(', ');
  const base = await queryNumber(
    connection,
    `SELECT coalesce(max(m), 0) FROM (${spec.keySpace
      .map((t) => `SELECT max(${idColumns[t] ?? 'NULL'}) AS m FROM cdm.${t}`)
      .join(' UNION ALL ')}
      UNION ALL SELECT max(row_id) FROM polder.source_record WHERE target_table IN (${space}))`,
  );
  const hashed = [...spec.columns, ...(spec.hashExtra ?? [])].map((c) => `c.${c}`).join(', ');
  const personColumn = spec.personColumn;
  // The plan keeps only keys and hashes; the row itself is read from the candidates when written, so that a
  // million-row merge does not hold a second copy of every column.
  const query = (from: number, to: number): string => `
    WITH j AS (
      SELECT c.seq, c.source_id, c.record_id, c.resource_type, c.content_hash,
        ${personColumn === 'person_id' ? 'c.person_id' : 'CAST(NULL AS BIGINT) AS person_id'},
        hash(${hashed}) AS row_hash, sr.target_table AS old_table, sr.row_id AS old_id,
        sr.row_hash AS old_hash, sr.content_hash AS old_content_hash,
        sr.row_id IS NOT NULL AND sr.target_table IN (${space}) AS keeps_key
      FROM (SELECT * FROM ${spec.candidates} WHERE seq >= ${from} AND seq < ${to}) c
      LEFT JOIN polder.source_record sr ON sr.source = ${source} AND sr.source_id = c.source_id
    )
    SELECT j.* EXCLUDE (keeps_key),
      CASE
        WHEN old_id IS NULL THEN 'insert'
        WHEN old_table <> ${sqlString(spec.table)} THEN 'move'
        WHEN old_hash = row_hash THEN 'unchanged'
        ELSE 'update'
      END AS action,
      CASE WHEN keeps_key THEN old_id ELSE ${base} + 1 + seq END AS row_id
    FROM j`;
  await connection.run(`CREATE OR REPLACE TABLE polder_work.plan AS ${query(0, 0)}`);
  for (const [from, to] of await seqRanges(connection, spec.candidates, context.chunkSize)) {
    await connection.run(`INSERT INTO polder_work.plan ${query(from, to)}`);
  }

  if (personColumn !== undefined) {
    const person = personColumn === 'row_id' ? 'row_id' : 'person_id';
    await connection.run(
      `INSERT INTO touched SELECT DISTINCT ${person} FROM polder_work.plan WHERE action <> 'unchanged'`,
    );
    if (spec.table !== 'person') {
      await connection.run(`
        INSERT INTO touched SELECT DISTINCT t.person_id FROM ${table} t
        JOIN polder_work.plan p ON p.action = 'update' AND t.${id} = p.row_id`);
    }
  }

  // The CDM rows and their source_record entries are committed together, one chunk of events at a time
  // (a million rows in one transaction held them all in memory until the commit): a run that fails
  // half-way leaves every table consistent with the source-id map, and running it again completes it.
  const inTransaction = async (work: () => Promise<void>): Promise<void> => {
    await connection.run('BEGIN TRANSACTION');
    try {
      await work();
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK');
      throw error;
    }
  };
  await inTransaction(async () => {
    const moved = await queryRows(
      connection,
      `SELECT DISTINCT old_table FROM polder_work.plan WHERE action = 'move'`,
    );
    for (const row of moved) {
      const oldTable = String(row['old_table']);
      const oldId = idColumns[oldTable];
      if (oldId === undefined) continue;
      const ids = `SELECT old_id FROM polder_work.plan WHERE action = 'move' AND old_table = ${sqlString(oldTable)}`;
      if (personColumn !== undefined && oldTable !== 'person') {
        await connection.run(
          `INSERT INTO touched SELECT DISTINCT person_id FROM cdm.${oldTable} WHERE ${oldId} IN (${ids})`,
        );
      }
      await connection.run(`DELETE FROM cdm.${oldTable} WHERE ${oldId} IN (${ids})`);
    }
  });

  const columnList = spec.columns.join(', ');
  const ranges = await seqRanges(connection, 'polder_work.plan', context.chunkSize);
  for (const [index, [from, to]] of ranges.entries()) {
    const plan = `(SELECT * FROM polder_work.plan WHERE seq >= ${from} AND seq < ${to})`;
    const candidates = `(SELECT * FROM ${spec.candidates} WHERE seq >= ${from} AND seq < ${to})`;
    await inTransaction(async () => {
      await connection.run(`
        INSERT INTO ${table} (${id}, ${columnList})
        SELECT p.row_id, ${spec.columns.map((c) => `c.${c}`).join(', ')}
        FROM ${plan} p JOIN ${candidates} c ON c.seq = p.seq WHERE p.action IN ('insert', 'move')`);
      await connection.run(`
        UPDATE ${table} AS t SET ${spec.columns.map((c) => `${c} = u.${c}`).join(', ')}
        FROM (SELECT p.row_id, c.* FROM ${plan} p JOIN ${candidates} c ON c.seq = p.seq WHERE p.action = 'update') u
        WHERE t.${id} = u.row_id`);
      await connection.run(`
        INSERT INTO polder.source_record
        SELECT ${source}, source_id, record_id, resource_type, ${sqlString(spec.table)}, row_id, content_hash,
          row_hash, ${context.runId}
        FROM ${plan} WHERE action = 'insert'`);
      await connection.run(`
        UPDATE polder.source_record AS sr
        SET target_table = ${sqlString(spec.table)}, row_id = p.row_id, content_hash = p.content_hash,
          row_hash = p.row_hash, ingest_run_id = ${context.runId}
        FROM ${plan} p
        WHERE sr.source = ${source} AND sr.source_id = p.source_id
          AND (p.action IN ('update', 'move') OR p.content_hash <> p.old_content_hash)`);
      if (index === ranges.length - 1 && spec.afterWrite !== undefined) await spec.afterWrite();
    });
  }
  if (ranges.length === 0 && spec.afterWrite !== undefined) await inTransaction(spec.afterWrite);

  const counts: MergeCounts = { inserted: 0, updated: 0, unchanged: 0 };
  for (const row of await queryRows(
    connection,
    'SELECT action, count(*) AS n FROM polder_work.plan GROUP BY action',
  )) {
    const n = Number(row['n']);
    if (row['action'] === 'insert') counts.inserted += n;
    else if (row['action'] === 'unchanged') counts.unchanged += n;
    else counts.updated += n;
  }
  return counts;
}
