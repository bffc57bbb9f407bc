import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { importCdmCsv } from '@polder/omop';
import { beforeAll, describe, expect, it } from 'vitest';
import { findListingMismatches } from './_listing-mismatches.ts';
import type { DataQualityReport } from './data-quality-report.ts';
import { runDataQuality } from './run-data-quality.ts';

const eunomiaDir = join(
  new URL('../../../../..', import.meta.url).pathname,
  'shared/data/eunomia-synthea27nj/csv',
);

describe('runDataQuality() on Eunomia Synthea27Nj', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let report: DataQualityReport;

  beforeAll(async () => {
    expect(existsSync(eunomiaDir), `Eunomia Synthea27Nj CSV missing at ${eunomiaDir}`).toBe(true);
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    const imported = await importCdmCsv(connection, eunomiaDir);
    expect(imported.ok).toBe(true);
    report = await runDataQuality(connection, { instance });
  });

  it('reports the 4 measurements outside every observation period', () => {
    const check = report.checks.find(
      (c) => c.checkId === 'withinObservationPeriod.measurement.measurement_date',
    );
    expect(check).toMatchObject({ status: 'failed', numViolatedRows: 4, numDenominatorRows: 10_040 });
    expect(check?.violatingRowsSql).toContain('observation_period');
  });

  it('counts the records outside every observation period in the other tables too', () => {
    // Counted independently with NOT EXISTS over the raw CSV files.
    const outside = Object.fromEntries(
      report.checks
        .filter((c) => c.checkName === 'withinObservationPeriod' && c.status !== 'not applicable')
        .map((c) => [c.table, c.numViolatedRows]),
    );
    expect(outside).toEqual({
      visit_occurrence: 0,
      visit_detail: 0,
      condition_occurrence: 1,
      drug_exposure: 0,
      procedure_occurrence: 1,
      device_exposure: 0,
      measurement: 4,
      observation: 6,
    });
  });

  it('lists exactly those 4 measurements with the failed check’s query', async () => {
    const check = report.checks.find(
      (c) => c.checkId === 'withinObservationPeriod.measurement.measurement_date',
    );
    const rows = (await connection.runAndReadAll(check?.violatingRowsSql ?? '')).getRowObjects();
    expect(rows).toHaveLength(4);
  });

  it('runs every check without error and scores the run', () => {
    expect(report.checks.filter((c) => c.status === 'error').map((c) => `${c.checkId}: ${c.error}`)).toEqual(
      [],
    );
    expect(report.overview.total).toBe(report.checks.length);
    expect(report.score).toBeGreaterThan(90);
    expect(report.score).toBeLessThan(100);
    // Synthea27Nj's DRUG_ERA is empty: DQD reports its checks as not applicable.
    const drugEra = report.checks.find((c) => c.checkId === 'isRequired.drug_era.drug_era_id');
    expect(drugEra).toMatchObject({
      status: 'not applicable',
      notApplicableReason: 'Table DRUG_ERA is empty.',
    });
  });

  it('lists, for every check, as many violating rows as it counts', async () => {
    expect(await findListingMismatches(connection, report)).toEqual([]);
  });

  it('stores a summary row per run in polder.dq_run', async () => {
    const rows = (
      await connection.runAndReadAll(
        `SELECT run_id, checks_total, score FROM polder.dq_run WHERE run_id = $id`,
        {
          id: report.runId,
        },
      )
    ).getRowObjects();
    expect(rows).toEqual([{ run_id: report.runId, checks_total: report.checks.length, score: report.score }]);
  });
});
