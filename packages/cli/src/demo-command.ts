import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import {
  formatIngestReport,
  runDataQuality,
  writeDataQualityReport,
  type DataQualityReport,
} from '@polder/etl';
import {
  createHub,
  readHubConfig,
  seedDemoAccounts,
  type AuditAnchoring,
  type DemoAccount,
  type Hub,
} from '@polder/hub';
import {
  describeStation,
  ingestIntoStation,
  openStationStore,
  startStationLocalApi,
  startStationService,
  type StationOverview,
} from '@polder/station';
import { generateHospital, HOSPITAL_PROFILES, type HospitalId } from '@polder/synth';
import { enrolAndPublish, signInAsAdmin } from './demo-federation.ts';
import { defaultAnchorFile, startAuditAnchoring, waitForSignal } from './hub-command.ts';
import { startProgress } from './progress.ts';
import { parseCount } from './synth-command.ts';

/** Patients per demo hospital unless `--patients` says otherwise (see docs/decisions.md). */
export const demoPatientsPerHospital = 2000;

const hospitals: readonly HospitalId[] = ['A', 'B', 'C'];

interface DemoOptions {
  readonly dir: string;
  readonly patients: number;
  readonly port: number;
  readonly fresh?: boolean;
  /** commander's negation of --no-serve */
  readonly serve: boolean;
}

interface DemoHub {
  readonly hub: Hub;
  readonly anchoring: AuditAnchoring;
  readonly url: string;
  readonly accounts: readonly DemoAccount[];
  adminCookie(): Promise<string>;
}

/** `polder demo` (what `npm start` runs): three synthetic hospitals, each ingested into its own station. */
export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run the demo: generate three hospitals (FHIR Bundles, FHIR NDJSON, CSV), ingest each into its station, check quality',
    )
    .option('--dir <dir>', 'where the demo keeps its exports and stations', '.polder/demo')
    .option('--patients <n>', 'patients per hospital', parseCount, demoPatientsPerHospital)
    .option('--port <n>', 'port of the hub', parseCount, 3000)
    .option('--fresh', 'discard an earlier demo and start again')
    .option('--no-serve', 'set everything up, print it, and stop instead of serving the hub')
    .action(async (options: DemoOptions) => {
      const dir = resolve(options.dir);
      if (options.fresh) {
        const { rm } = await import('node:fs/promises');
        await rm(dir, { recursive: true, force: true });
      }
      const demoHub = await startDemoHub(dir, options.port);
      const running: RunningStation[] = [];
      try {
        for (const [i, hospital] of hospitals.entries()) {
          const station = await runHospital(hospital, dir, options, demoHub, options.port + 1 + i);
          if (station !== undefined) running.push(station);
        }
        printHub(demoHub, options);
        if (options.serve) await waitForSignal();
      } finally {
        for (const station of running) await station.stop();
        await demoHub.anchoring.stop();
        await demoHub.hub.close();
      }
    });
}

/** Starts the hub on embedded PGlite in the demo directory, with the demo accounts. */
async function startDemoHub(dir: string, port: number): Promise<DemoHub> {
  await mkdir(dir, { recursive: true }); // PGlite makes its own directory, but not its parents
  const config = readHubConfig(
    {
      ...process.env,
      POLDER_HUB_DATA_DIR: join(dir, 'hub'),
      POLDER_LOG_LEVEL: process.env['POLDER_LOG_LEVEL'] ?? 'warn',
    },
    { port, host: '127.0.0.1', publicBaseUrl: `http://localhost:${port}` },
  );
  const hub = await createHub(config);
  const anchoring = startAuditAnchoring(
    hub,
    defaultAnchorFile(config) ?? join(dir, 'hub.audit-anchors.jsonl'),
  );
  try {
    await hub.app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await anchoring.stop();
    await hub.close();
    throw new Error(`Cannot start the demo hub on port ${port}; is another program using it? Try --port`, {
      cause: error,
    });
  }
  const accounts = await seedDemoAccounts(hub);
  const url = `http://localhost:${port}`;
  const admin = accounts.find((account) => account.role === 'admin');
  if (admin === undefined) throw new Error('Cannot run the demo: the hub seeded no admin account');
  let cookie: string | undefined;
  return {
    hub,
    anchoring,
    url,
    accounts,
    adminCookie: async () => (cookie ??= await signInAsAdmin(url, admin)),
  };
}

function printHub(demoHub: DemoHub, options: DemoOptions): void {
  const lines = [
    '',
    `== Hub: ${demoHub.url} ==`,
    `catalogue: ${demoHub.url}/  ·  API docs: ${demoHub.url}/api/docs  ·  HealthDCAT-AP: ${demoHub.url}/catalogue`,
    'demo accounts (second factor: npx polder totp SECRET prints the current code):',
  ];
  for (const account of demoHub.accounts) {
    const totp = account.totpSecret === undefined ? '' : `  TOTP secret ${account.totpSecret}`;
    lines.push(`  ${account.role.padEnd(22)} ${account.email.padEnd(42)} ${account.password}${totp}`);
  }
  lines.push(
    '',
    'The stations are DuckDB files (OMOP CDM 5.4 in schema cdm; ingest runs, quarantine and DQ runs in schema polder).',
    `Try: npx polder dq --station ${join(options.dir, 'stations', 'hospital-a')}`,
  );
  if (options.serve) lines.push('', 'The hub runs until you press Ctrl-C.');
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** A demo station left running: its service (tasks from the hub) and its console inside the hospital. */
interface RunningStation {
  stop(): Promise<void>;
}

/**
 * Builds (or reuses) one hospital's station, enrols it and publishes its dataset; when the demo serves,
 * starts the station's service (which runs the hub's analysis tasks) and its local console on `consolePort`,
 * and returns them running.
 */
async function runHospital(
  hospital: HospitalId,
  dir: string,
  options: DemoOptions,
  demoHub: DemoHub,
  consolePort: number,
): Promise<RunningStation | undefined> {
  const profile = HOSPITAL_PROFILES[hospital];
  const slug = `hospital-${hospital.toLowerCase()}`;
  const exportDir = join(dir, 'exports', slug);
  const stationDir = join(dir, 'stations', slug);
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
    const federation = await enrolAndPublish(store, hospital, {
      url: demoHub.url,
      adminCookie: () => demoHub.adminCookie(),
    });
    process.stdout.write(
      `${federation.enrolledNow ? 'enrolled at the hub' : 'enrolled earlier'} as station ${federation.stationId}; published its dataset: ${demoHub.url}/datasets/${federation.datasetId}\n`,
    );
    if (!options.serve) {
      store.close();
      return undefined;
    }
    const service = await startStationService(store, { hubUrl: demoHub.url });
    const stewardConsole = await startStationLocalApi(store, { port: consolePort }).catch(() => undefined);
    process.stdout.write(
      `station service connected to the hub (runs approved analyses under the station's policy)${
        stewardConsole === undefined
          ? `; port ${consolePort} is taken, so no steward console (npx polder station serve-local --station ${stationDir})`
          : `; steward console ${stewardConsole.consoleUrl} (token in ${join(stationDir, 'local-api-token')}), patient page ${stewardConsole.url}/`
      }\n`,
    );
    return {
      async stop() {
        await stewardConsole?.close();
        await service.stop();
        store.close();
      },
    };
  } catch (error) {
    store.close();
    throw error;
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
