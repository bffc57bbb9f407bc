import type { DuckDBConnection } from '@duckdb/node-api';
import { CheckCompiler } from './_compile-checks.ts';
import type { DataQualityReport } from './data-quality-report.ts';

/**
 * For tests: runs every check's violating-rows query and names the checks whose listing holds a different
 * number of rows than the check counted (the overlap check counts persons but lists their periods).
 */
export async function findListingMismatches(
  connection: DuckDBConnection,
  report: DataQualityReport,
): Promise<string[]> {
  const catalog = new Map<string, Map<string, string>>();
  const columns = await connection.runAndReadAll(
    `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $schema`,
    { schema: report.cdmSchema },
  );
  for (const [table, column, type] of columns.getRows()) {
    const fields = catalog.get(String(table)) ?? new Map<string, string>();
    catalog.set(String(table), fields.set(String(column), String(type)));
  }
  const results = new Map(report.checks.map((check) => [check.checkId, check]));
  const mismatches: string[] = [];
  for (const compiled of new CheckCompiler(report.cdmSchema, catalog).compileAll()) {
    const result = results.get(compiled.checkId);
    if (compiled.plan.kind !== 'sql' || !result || result.status === 'error') continue;
    if (compiled.checkName === 'measureObservationPeriodOverlap') continue;
    const listed = await connection.runAndReadAll(
      `SELECT count(*) FROM (${compiled.plan.sql.violatingRowsSql})`,
    );
    const count = Number(listed.getRows()[0]?.[0]);
    if (count !== result.numViolatedRows)
      mismatches.push(`${compiled.checkId}: ${count} ≠ ${result.numViolatedRows}`);
  }
  return mismatches;
}
