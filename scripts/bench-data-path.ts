/**
 * The station data path's benchmarks (`npm run bench -- data-path`). Prints one JSON line per figure so runs compare.
 *
 * 1. synth: hospital B (FHIR Bulk NDJSON) with enough patients for ≥ 1,000,000 resources.
 * 2. ingest: that export → a fresh station, in a child process (resources/s, peak RSS).
 * 3. dq: the data-quality run over ≥ 100,000 persons. The ingested station is scaled up by copying its
 *    persons with fresh ids (every clinical table, in SQL) until it holds 100,000 persons, so the DQ
 *    figure measures realistic rows without an hour of generation first.
 *
 * Options: --patients N (default: enough for 1,000,000 resources), --keep (reuse bench-out/ exports), --only synth|ingest|dq.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runDataQuality } from '@polder/etl';
import { openStationStore } from '@polder/station';
import { generateHospital, patientsForRecords } from '@polder/synth';
import { scaleToPersons } from './_scale-station.ts';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'bench-out');
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const patients = Number(option('patients') ?? patientsForRecords('B', 1_000_000));
const only = option('only');
const emit = (figure: Record<string, unknown>): void =>
  console.log(JSON.stringify({ at: new Date().toISOString(), ...figure }));

const exportDir = join(out, `hospital-b-${patients}`);
const stationDir = join(out, 'station-ingest');

if (only === undefined || only === 'synth' || !existsSync(join(exportDir, 'export.json'))) {
  rmSync(exportDir, { recursive: true, force: true });
  const summary = await generateHospital({ hospital: 'B', patients, outDir: exportDir, seed: 42 });
  emit({
    bench: 'synth.hospitalB.ndjson',
    patients,
    resources: summary.totalRecords,
    seconds: summary.elapsedMs / 1000,
    resourcesPerSecond: Math.round(summary.totalRecords / (summary.elapsedMs / 1000)),
  });
  if (summary.totalRecords < 1_000_000)
    console.error(`note: only ${summary.totalRecords} resources; use --patients to reach 1,000,000`);
}

if (only === undefined || only === 'ingest') {
  rmSync(stationDir, { recursive: true, force: true });
  const line = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'scripts/bench-ingest-child.ts'), stationDir, exportDir],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  emit({
    bench: 'ingest.fhirNdjson',
    target: '≥ 25,000 resources/s, peak RSS < 1 GB',
    ...JSON.parse(line.trim().split('\n').pop() ?? '{}'),
  });
}

if (only === undefined || only === 'dq') {
  const dqDir = join(out, 'station-dq');
  rmSync(dqDir, { recursive: true, force: true });
  execFileSync('cp', ['-r', stationDir, dqDir]);
  const store = await openStationStore(dqDir);
  const persons = await scaleToPersons(store.connection, 100_000);
  const started = performance.now();
  const report = await runDataQuality(store.connection, { instance: store.instance });
  const seconds = (performance.now() - started) / 1000;
  store.close();
  emit({
    bench: 'dq.run',
    persons,
    checks: report.checks.length,
    evaluated: report.overview.passed + report.overview.failed,
    seconds: Number(seconds.toFixed(2)),
  });
}
