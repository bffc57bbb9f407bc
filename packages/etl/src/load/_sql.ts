import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

/** A JS value from DuckDB with BIGINTs converted to numbers (ids and counts stay far below 2^53). */
export type SqlValue = string | number | boolean | null | Uint8Array | Date | SqlValue[] | object;

function toPlain(value: unknown): SqlValue {
  if (typeof value === 'bigint') return Number(value);
  return value as SqlValue;
}

/** Runs a query and returns its rows as objects, BIGINT converted to number at this boundary. */
export async function queryRows(
  connection: DuckDBConnection,
  sql: string,
  values?: Record<string, DuckDBValue>,
): Promise<Record<string, SqlValue>[]> {
  const reader = await connection.runAndReadAll(sql, values);
  return reader.getRowObjectsJS().map((row) => {
    const out: Record<string, SqlValue> = {};
    for (const [key, value] of Object.entries(row)) out[key] = toPlain(value);
    return out;
  });
}

/** The first column of the first row as a number (0 when NULL). */
export async function queryNumber(
  connection: DuckDBConnection,
  sql: string,
  values?: Record<string, DuckDBValue>,
): Promise<number> {
  const reader = await connection.runAndReadAll(sql, values);
  const value = reader.getRowsJS()[0]?.[0];
  if (value === null || value === undefined) return 0;
  return Number(value);
}

/**
 * Ranges [from, to) of staging numbers that cover a table's `seq` column in steps of `size`. The big
 * statements run once per range: DuckDB then builds its hash tables for a slice of the events, not all of
 * them, and a run of a million events stays within a few hundred MB.
 */
export async function seqRanges(
  connection: DuckDBConnection,
  table: string,
  size: number,
): Promise<(readonly [number, number])[]> {
  const reader = await connection.runAndReadAll(`SELECT min(seq), max(seq) FROM ${table}`);
  const [min, max] = reader.getRowsJS()[0] ?? [];
  if (min === null || min === undefined || max === null || max === undefined) return [];
  const ranges: (readonly [number, number])[] = [];
  for (let from = Number(min); from <= Number(max); from += size) ranges.push([from, from + size]);
  return ranges;
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
