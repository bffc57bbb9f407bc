import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import {
  formatIngestReport,
  runDataQuality,
  writeDataQualityReport,
  type DataQualityReport,
} from '@polder/etl';
import { describeStation, ingestIntoStation, openStationStore, type StationOverview } from '@polder/station';
import { generateHospital, HOSPITAL_PROFILES, type HospitalId } from '@polder/synth';
import { startProgress } from './progress.ts';
import { parseCount } from './synth-command.ts';

/** Patients per demo hospital unless `--patients` says otherwise (see docs/decisions.md). */
export const demoPatientsPerHospital = 2000;

const hospitals: readonly HospitalId[] = ['A', 'B', 'C'];

interface DemoOptions {
  readonly dir: string;
  readonly patients: number;
  readonly fresh?: boolean;
}

/** `polder demo` (what `npm start` runs): three synthetic hospitals, each ingested into its own station. */
export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run the demo: generate three hospitals (FHIR Bundles, FHIR NDJSON, CSV), ingest each into its station, check quality',
    )
    .option('--dir <dir>', 'where the demo keeps its exports and stations', '.polder/demo')
    .option('--patients <n>', 'patients per hospital', parseCount, demoPatientsPerHospital)
    .option('--fresh', 'discard an earlier demo and start again')
    .action(async (options: DemoOptions) => {
      const dir = resolve(options.dir);
      for (const hospital of hospitals) await runHospital(hospital, dir, options);
      process.stdout.write(
        `\nThe stations are DuckDB files (OMOP CDM 5.4 in schema cdm, ingest runs and quarantine in schema polder).\n` +
          `Try: npx polder dq --station ${join(options.dir, 'stations', 'hospital-a')}\n`,
      );
    });
}

async function runHospital(hospital: HospitalId, dir: string, options: DemoOptions): Promise<void> {
  const profile = HOSPITAL_PROFILES[hospital];
  const slug = `hospital-${hospital.toLowerCase()}`;
  const exportDir = join(dir, 'exports', slug);
  const stationDir = join(dir, 'stations', slug);
  if (options.fresh) {
    const { rm } = await import('node:fs/promises');
    await rm(exportDir, { recursive: true, force: true });
    await rm(stationDir, { recursive: true, force: true });
  }
  process.stdout.write(`\n== ${profile.name} (hospital ${hospital}) ==\n`);
  const store = await openStationStore(stationDir, { name: slug });
  try {
    const before = await describeStation(store);
    let dq: DataQualityReport | undefined;
    if (before.lastIngest?.status === 'completed' && existsSync(join(stationDir, 'dq', 'dq-report.json'))) {
      process.stdout.write(
        `reusing the station from an earlier start (ingest run ${before.lastIngest.runId}); --fresh starts again\n`,
      );
      dq = JSON.parse(await readFile(join(stationDir, 'dq', 'dq-report.json'), 'utf8')) as DataQualityReport;
    } else {
      const generation = startProgress(`generating hospital ${hospital}: patients`, options.patients);
      const summary = await generateHospital({
        hospital,
        patients: options.patients,
        outDir: exportDir,
        onProgress: (done, total) => generation.update(done, total),
      });
      generation.stop();
      process.stdout.write(
        `source export: ${summary.totalRecords.toLocaleString('en-US')} records (${summary.format}) in ${exportDir}\n`,
      );
      const ingestion = startProgress(`ingesting hospital ${hospital}: records`);
      const report = await ingestIntoStation(store, [summary.ingestPath], {
        sourceName: slug,
        onProgress: (read) => ingestion.update(read),
      });
      ingestion.stop();
      process.stdout.write(`${formatIngestReport(report)}\n`);
      dq = await runDataQuality(store.connection, { instance: store.instance });
      await writeDataQualityReport(dq, join(stationDir, 'dq'));
    }
    printStation(await describeStation(store), dq, stationDir);
  } finally {
    store.close();
  }
}

function printStation(overview: StationOverview, dq: DataQualityReport, stationDir: string): void {
  const n = (value: number): string => value.toLocaleString('en-US');
  const lines = [
    `station: ${overview.databasePath}`,
    `persons ${n(overview.rows['person'] ?? 0)}, visits ${n(overview.rows['visit_occurrence'] ?? 0)}, ICU stays ${n(
      overview.rows['visit_detail'] ?? 0,
    )}, measurements ${n(overview.rows['measurement'] ?? 0)}, conditions ${n(overview.rows['condition_occurrence'] ?? 0)}, drugs ${n(
      overview.rows['drug_exposure'] ?? 0,
    )}; in quarantine ${n(overview.quarantined)}`,
  ];
  if (overview.coverage) lines.push(`visits from ${overview.coverage.from} to ${overview.coverage.to}`);
  lines.push(
    `data quality: ${dq.score ?? '–'}% of ${n(dq.overview.passed + dq.overview.failed)} evaluated checks passed`,
  );
  for (const [key, counts] of Object.entries(dq.byKahn)) {
    if (counts.passed + counts.failed === 0) continue;
    lines.push(
      `  ${key.padEnd(28)} ${String(counts.passed).padStart(5)} passed ${String(counts.failed).padStart(4)} failed`,
    );
  }
  const failed = dq.checks
    .filter((check) => check.status === 'failed')
    .sort((a, b) => (b.numViolatedRows ?? 0) - (a.numViolatedRows ?? 0))
    .slice(0, 5);
  if (failed.length > 0) lines.push('  largest failures:');
  for (const check of failed) {
    const where = [check.table, check.field, check.conceptName].filter(Boolean).join('.');
    lines.push(`    ${check.checkName} ${where}: ${n(check.numViolatedRows ?? 0)} rows`);
  }
  lines.push(`  full report: ${join(stationDir, 'dq', 'dq-summary.txt')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
