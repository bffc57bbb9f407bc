/*
 * For the benchmarks: a station scaled up from an ingested sample, so that figures at 100,000 persons and more
 * measure realistic rows without generating and ingesting them all first.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Copies the station's persons with fresh ids (an offset per copy on every person, visit and row key) until
 * it holds at least `target` persons; returns the count.
 */
export async function scaleToPersons(connection: DuckDBConnection, target: number): Promise<number> {
  const count = async (): Promise<number> =>
    Number((await connection.runAndReadAll('SELECT count(*) FROM cdm.person')).getRows()[0]?.[0] ?? 0);
  const base = await count();
  if (base === 0) throw new Error('Cannot scale the station: it has no persons (did the ingest run?)');
  const offset = 1_000_000_000_000;
  const tables = (
    await connection.runAndReadAll(
      `SELECT DISTINCT table_name FROM information_schema.columns
       WHERE table_schema = 'cdm' AND column_name = 'person_id' ORDER BY 1`,
    )
  )
    .getRows()
    .map((row) => String(row[0]));
  const idColumns = (table: string, columns: readonly string[]) =>
    new Set(
      columns.filter(
        (c) => c === 'person_id' || c === `${table}_id` || /visit_(occurrence|detail)_id$/.test(c),
      ),
    );
  const columnsOf = new Map<string, string[]>();
  for (const table of tables) {
    columnsOf.set(
      table,
      (
        await connection.runAndReadAll(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = 'cdm' AND table_name = '${table}' ORDER BY ordinal_position`,
        )
      )
        .getRows()
        .map((row) => String(row[0])),
    );
  }
  for (let copy = 1; copy * base < target; copy += 1) {
    for (const [table, columns] of columnsOf) {
      const shifted = idColumns(table, columns);
      const select = columns.map((c) => (shifted.has(c) ? `${c} + ${copy * offset} AS ${c}` : c)).join(', ');
      await connection.run(
        `INSERT INTO cdm.${table} SELECT ${select} FROM cdm.${table} WHERE person_id < ${offset}`,
      );
    }
  }
  return count();
}
