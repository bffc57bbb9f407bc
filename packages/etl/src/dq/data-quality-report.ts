import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Outcome of one check, as DataQualityDashboard reports it. */
export type DataQualityCheckStatus = 'passed' | 'failed' | 'not applicable' | 'error';

/** The result of one data-quality check. Counts are rows (persons or distinct values where DQD says so). */
export interface DataQualityCheckResult {
  /** Stable id: checkName.table[.field[.conceptId[.unitConceptId]]]. */
  readonly checkId: string;
  readonly checkName: string;
  readonly level: 'TABLE' | 'FIELD' | 'CONCEPT';
  readonly table: string;
  readonly field?: string;
  readonly conceptId?: number;
  readonly conceptName?: string;
  readonly unitConceptId?: number;
  readonly description: string;
  /** Conformance, Completeness or Plausibility. */
  readonly kahnCategory: string;
  readonly kahnSubcategory?: string;
  /** Verification or Validation. */
  readonly kahnContext: string;
  /** fatal, convention or characterization. */
  readonly severity: string;
  readonly status: DataQualityCheckStatus;
  /** null when the check errored. */
  readonly numViolatedRows: number | null;
  readonly numDenominatorRows: number | null;
  /** Fraction 0..1 (DQD's pctViolatedRows); null when the check errored. */
  readonly pctViolatedRows: number | null;
  /** Percent of violating rows above which the check fails (0: any violating row fails it). */
  readonly threshold: number;
  readonly notes?: string;
  readonly notApplicableReason?: string;
  readonly error?: string;
  /** For failed checks: a query (DuckDB SQL) that lists the violating rows. */
  readonly violatingRowsSql?: string;
}

/** Counts of one group of checks (a Kahn category × context, or all). */
export interface DataQualityCounts {
  readonly passed: number;
  readonly failed: number;
  readonly notApplicable: number;
  readonly error: number;
  readonly total: number;
  /** passed / (passed + failed) × 100, rounded to 2 decimals, as DQD shows it; null when nothing was evaluated. */
  readonly percentPassed: number | null;
}

/** A data-quality run of a station's OMOP CDM. */
export interface DataQualityReport {
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly cdmSchema: string;
  /** Overall score: percent of evaluated checks that passed (DQD's "percentPassed"). */
  readonly score: number | null;
  readonly overview: DataQualityCounts;
  /** Keyed "Conformance/Verification", "Completeness/Validation", …; every category × context is present. */
  readonly byKahn: Readonly<Record<string, DataQualityCounts>>;
  readonly checks: readonly DataQualityCheckResult[];
}

export const kahnCategories = ['Conformance', 'Completeness', 'Plausibility'] as const;
export const kahnContexts = ['Verification', 'Validation'] as const;

/** Counts the statuses of some check results. */
export function countDataQualityResults(checks: readonly DataQualityCheckResult[]): DataQualityCounts {
  const count = (status: DataQualityCheckStatus): number => checks.filter((c) => c.status === status).length;
  const passed = count('passed');
  const failed = count('failed');
  return {
    passed,
    failed,
    notApplicable: count('not applicable'),
    error: count('error'),
    total: checks.length,
    percentPassed: passed + failed === 0 ? null : Math.round((passed / (passed + failed)) * 10_000) / 100,
  };
}

const percent = (value: number | null): string => (value === null ? '–' : `${value.toFixed(2)}%`);
const plural = (n: number, word: string): string =>
  `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

function locationOf(check: DataQualityCheckResult): string {
  const parts = [check.table, check.field].filter((p) => p !== undefined).join('.');
  if (check.conceptId === undefined) return parts;
  const unit = check.unitConceptId === undefined ? '' : `, unit ${check.unitConceptId}`;
  return `${parts} = ${check.conceptId} (${check.conceptName ?? ''}${unit})`;
}

/**
 * A readable summary of a report: the score, a table by Kahn category × context (passed, failed, %
 * passed), then every failed check (fatal ones first) with its violating-row count and the query that
 * lists the rows, and the checks that errored.
 *
 * @example
 * console.log(formatDataQualitySummary(await runDataQuality(connection)));
 */
export function formatDataQualitySummary(report: DataQualityReport): string {
  const o = report.overview;
  const lines = [
    `Data quality of ${report.cdmSchema} — run ${report.runId}, ${report.startedAt} (${(report.durationMs / 1000).toFixed(1)} s)`,
    '',
    `Score: ${percent(report.score)} of evaluated checks passed (${plural(o.passed, 'passed check')}, ${plural(o.failed, 'failed check')}; ${o.notApplicable} not applicable, ${o.error} errors; ${o.total} checks in all)`,
    '',
  ];
  const header = [
    '',
    ...kahnContexts.flatMap((c) => [`${c}: pass`, 'fail', '%']),
    'Total: pass',
    'fail',
    '%',
  ];
  const rows: string[][] = [header];
  const cells = (counts: DataQualityCounts | undefined): string[] =>
    counts ? [String(counts.passed), String(counts.failed), percent(counts.percentPassed)] : ['0', '0', '–'];
  for (const category of kahnCategories) {
    const total = countDataQualityResults(report.checks.filter((c) => c.kahnCategory === category));
    rows.push([
      category,
      ...kahnContexts.flatMap((context) => cells(report.byKahn[`${category}/${context}`])),
      ...cells(total),
    ]);
  }
  const contextTotals = kahnContexts.map((context) =>
    countDataQualityResults(report.checks.filter((c) => c.kahnContext === context)),
  );
  rows.push(['Total', ...contextTotals.flatMap(cells), ...cells(report.overview)]);
  const widths = header.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  for (const row of rows) {
    lines.push(
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  '),
    );
  }

  // Fatal first, then convention, then characterization; within a severity as the checks ran.
  const rank = (severity: string): number => {
    const index = ['fatal', 'convention', 'characterization'].indexOf(severity);
    return index < 0 ? 3 : index;
  };
  const failed = report.checks
    .filter((c) => c.status === 'failed')
    .map((check, order) => ({ check, order }))
    .sort((a, b) => rank(a.check.severity) - rank(b.check.severity) || a.order - b.order)
    .map(({ check }) => check);
  lines.push('', failed.length === 0 ? 'No check failed.' : `Failed checks (${failed.length}):`);
  for (const check of failed) {
    const pct = ((check.pctViolatedRows ?? 0) * 100).toFixed(2);
    lines.push(
      '',
      `✗ ${check.checkName} [${check.kahnCategory}/${check.kahnContext}, ${check.severity}] ${locationOf(check)}`,
      `  ${check.description}`,
      `  ${(check.numViolatedRows ?? 0).toLocaleString('en-US')} of ${(check.numDenominatorRows ?? 0).toLocaleString('en-US')} violating (${pct}% > threshold ${check.threshold}%)`,
    );
    if (check.violatingRowsSql) lines.push(`  rows: ${check.violatingRowsSql.replace(/\s+/g, ' ')};`);
  }
  const errors = report.checks.filter((c) => c.status === 'error');
  if (errors.length > 0) {
    lines.push('', `Checks that could not run (${errors.length}):`);
    for (const check of errors)
      lines.push(`! ${check.checkName} ${locationOf(check)}: ${check.error ?? 'unknown error'}`);
  }
  lines.push('');
  return lines.join('\n');
}

/** Writes dq-report.json and dq-summary.txt into `dir` (created if absent); returns their paths. */
export async function writeDataQualityReport(
  report: DataQualityReport,
  dir: string,
): Promise<{ readonly reportPath: string; readonly summaryPath: string }> {
  await mkdir(dir, { recursive: true });
  const reportPath = join(dir, 'dq-report.json');
  const summaryPath = join(dir, 'dq-summary.txt');
  await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(summaryPath, formatDataQualitySummary(report));
  return { reportPath, summaryPath };
}
