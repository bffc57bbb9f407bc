import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { StationContext } from './algorithm.ts';

/**
 * A {@linkcode StationContext} `query` over a DuckDB connection: `$1`-style parameters bound, rows as
 * objects, BIGINT/HUGEINT converted to number at this boundary (counts stay far below 2^53).
 *
 * @example
 * const ctx = { query: duckDbQuery(connection), cohortTable: 'cohort_1', policy };
 */
export function duckDbQuery(connection: DuckDBConnection): StationContext['query'] {
  return async (sql, params) => {
    const reader = await connection.runAndReadAll(
      sql,
      params === undefined ? undefined : (params as DuckDBValue[]),
    );
    return reader.getRowObjectsJS().map((row) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(row)) out[key] = toPlain(value);
      return out;
    });
  };
}

function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toPlain);
  return value;
}
