import { userInfo } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import {
  approveTask,
  computeDatasetStatistics,
  declineTask,
  enrolStation,
  listPendingApprovals,
  openStationStore,
  publishDatasetDescription,
  readPendingApprovalsSnapshot,
  readStationEnrolment,
  readStationPolicy,
  readStewardDescription,
  recordPublishedDataset,
  startStationLocalApi,
  startStationService,
  submitApprovalDecision,
  writeStationPolicy,
  type StationPolicy,
  type StationServiceLog,
  type StationStore,
} from '@polder/station';
import { waitForSignal } from './hub-command.ts';

/** `polder station …`: a station's link with the hub. */
export function stationCommand(): Command {
  const station = new Command('station').description(
    "a station's enrolment at the hub, what it publishes there, and the service that runs its tasks",
  );
  station
    .command('enrol')
    .description('enrol this station at a hub with the one-time token its admin gave you; pins the hub key')
    .requiredOption('--station <dir>', 'station directory')
    .requiredOption('--hub <url>', "the hub's base URL")
    .requiredOption('--token <token>', 'the one-time enrolment token (a secret: it is not logged)')
    .option(
      '--hub-key-id <id>',
      'the hub key id the admin announced; enrolment fails unless the hub answers with it',
    )
    .option('--reenrol', 'enrol again (new key pair) although the station is enrolled')
    .action(
      async (options: {
        station: string;
        hub: string;
        token: string;
        hubKeyId?: string;
        reenrol?: boolean;
      }) => {
        const store = await openStationStore(options.station);
        try {
          const enrolment = await enrolStation(store, {
            hubUrl: options.hub,
            token: options.token,
            ...(options.hubKeyId === undefined ? {} : { hubKeyId: options.hubKeyId }),
            ...(options.reenrol ? { reenrol: true } : {}),
          });
          process.stdout.write(
            `enrolled at ${enrolment.hubUrl} as station ${enrolment.stationId}; hub key ${enrolment.hubKeyId} pinned\n`,
          );
        } finally {
          store.close();
        }
      },
    );
  station
    .command('publish')
    .description(
      "compute the dataset's disclosure-controlled statistics and publish them with the steward's description",
    )
    .requiredOption('--station <dir>', 'station directory')
    .requiredOption(
      '--description <file>',
      "the steward's descriptive part (JSON: title, description, themes, DUO codes, …)",
    )
    .action(async (options: { station: string; description: string }) => {
      const steward = await readStewardDescription(options.description);
      const store = await openStationStore(options.station);
      try {
        const statistics = await computeDatasetStatistics(store);
        const receipt = await publishDatasetDescription(store, { statistics, steward });
        // The station service refuses permits that name none of the datasets the station published.
        await recordPublishedDataset(store, receipt.datasetId);
        const enrolment = await readStationEnrolment(store);
        process.stdout.write(
          `published dataset ${receipt.datasetId}${enrolment ? ` (${new URL(`/datasets/${receipt.datasetId}`, enrolment.hubUrl).href})` : ''}\n`,
        );
      } finally {
        store.close();
      }
    });
  station.addCommand(runCommand());
  station.addCommand(policyCommand());
  station.addCommand(approvalsCommand());
  return station;
}

/** Configuration of `polder station run` read once from the environment. */
interface StationRunEnvironment {
  /** Test-only: pause each task this long once its computation started (fault tests kill a station then). */
  readonly taskDelayMs: number | undefined;
}

function readStationRunEnvironment(env: NodeJS.ProcessEnv): StationRunEnvironment {
  const delay = env['POLDER_STATION_TASK_DELAY_MS'];
  if (delay === undefined || delay === '') return Object.freeze({ taskDelayMs: undefined });
  const parsed = Number(delay);
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new Error(
      `Cannot start the station service: POLDER_STATION_TASK_DELAY_MS ${delay} is not a whole number`,
    );
  }
  return Object.freeze({ taskDelayMs: parsed });
}

/** One line per event on stderr: time, level, message, then the fields as JSON. */
function stderrLog(): StationServiceLog {
  const write = (level: string) => (message: string, fields?: Readonly<Record<string, unknown>>) => {
    process.stderr.write(
      `${new Date().toISOString()} ${level} ${message}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}\n`,
    );
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}

function parseWhole(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new InvalidArgumentError('must be a whole number');
  return parsed;
}

function runCommand(): Command {
  return new Command('run')
    .description(
      'run the station service: connect outbound to the hub, run the tasks it offers under the station policy, post signed results',
    )
    .requiredOption('--station <dir>', 'station directory')
    .option('--hub <url>', "the hub's base URL (default: the URL the station enrolled at)")
    .option('--threads <n>', 'DuckDB worker threads', parseWhole)
    .option('--reconnect-max-ms <ms>', 'longest wait between reconnection attempts', parseWhole, 30_000)
    .option(
      '--console-port <n>',
      "also serve the steward console and patient page on 127.0.0.1:<n> (the service holds the station's database, so serve-local cannot run beside it)",
      parseWhole,
    )
    .action(
      async (options: {
        station: string;
        hub?: string;
        threads?: number;
        reconnectMaxMs: number;
        consolePort?: number;
      }) => {
        const environment = readStationRunEnvironment(process.env);
        const store = await openStationStore(options.station, {
          ...(options.threads === undefined ? {} : { threads: options.threads }),
        });
        try {
          const service = await startStationService(store, {
            log: stderrLog(),
            reconnect: { maxMs: options.reconnectMaxMs },
            ...(options.hub === undefined ? {} : { hubUrl: options.hub }),
            ...(environment.taskDelayMs === undefined ? {} : { taskDelayMs: environment.taskDelayMs }),
          });
          const stewardConsole =
            options.consolePort === undefined
              ? undefined
              : await startStationLocalApi(store, { port: options.consolePort });
          if (stewardConsole !== undefined) {
            process.stderr.write(
              `steward console ${stewardConsole.consoleUrl}, patient page ${stewardConsole.url}/ (steward token in ${store.dir}/local-api-token)\n`,
            );
          }
          await waitForSignal();
          await stewardConsole?.close();
          await service.stop();
        } finally {
          store.close();
        }
      },
    );
}

function splitNames(value: string): string[] {
  return value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

function policyCommand(): Command {
  const policy = new Command('policy').description(
    "the station's policy: allowed algorithms, manual approval, stricter disclosure thresholds",
  );
  policy
    .command('show')
    .description('print the station policy as JSON (the default when the steward has set none)')
    .requiredOption('--station <dir>', 'station directory')
    .action(async (options: { station: string }) => {
      process.stdout.write(`${JSON.stringify(await readStationPolicy({ dir: options.station }), null, 2)}\n`);
    });
  policy
    .command('set')
    .description(
      'change the station policy; thresholds may only be stricter than the platform defaults. A running service applies it to the next task',
    )
    .requiredOption('--station <dir>', 'station directory')
    .option('--file <policy.json>', 'replace the whole policy with this file')
    .option(
      '--allow <names>',
      'allowed algorithms, comma-separated (count,summary,crosstab,glm,kaplan-meier)',
    )
    .option('--approval <which>', "manual approval: 'none', 'all', or algorithm names, comma-separated")
    .option('--min-count <n>', 'smallest count released (at least 8)', parseWhole)
    .option('--round-to <n>', 'round released counts to a multiple of this (a multiple of 5)', parseWhole)
    .option('--min-summary-records <n>', 'fewest records for a summary or a model (at least 10)', parseWhole)
    .option('--km-min-at-risk <n>', 'fewest at risk for a Kaplan–Meier step (at least 8)', parseWhole)
    .option(
      '--glm-parameter-ratio <x>',
      'largest parameters-to-records ratio of a GLM (at most 0.33)',
      Number,
    )
    .action(
      async (options: {
        station: string;
        file?: string;
        allow?: string;
        approval?: string;
        minCount?: number;
        roundTo?: number;
        minSummaryRecords?: number;
        kmMinAtRisk?: number;
        glmParameterRatio?: number;
      }) => {
        const dir = options.station;
        let base: StationPolicy;
        if (options.file === undefined) {
          base = await readStationPolicy({ dir });
        } else {
          const { readFile } = await import('node:fs/promises');
          base = JSON.parse(await readFile(options.file, 'utf8')) as StationPolicy;
        }
        const approval = options.approval;
        const next = {
          ...base,
          ...(options.allow === undefined ? {} : { allowedAlgorithms: splitNames(options.allow) }),
          ...(approval === undefined
            ? {}
            : {
                manualApproval: approval === 'none' || approval === 'all' ? approval : splitNames(approval),
              }),
          disclosure: {
            ...base.disclosure,
            ...(options.minCount === undefined ? {} : { minCount: options.minCount }),
            ...(options.roundTo === undefined ? {} : { roundTo: options.roundTo }),
            ...(options.minSummaryRecords === undefined
              ? {}
              : { minSummaryRecords: options.minSummaryRecords }),
            ...(options.kmMinAtRisk === undefined ? {} : { kmMinAtRisk: options.kmMinAtRisk }),
            ...(options.glmParameterRatio === undefined
              ? {}
              : { glmParameterRatio: options.glmParameterRatio }),
          },
        };
        const written = await writeStationPolicy({ dir }, next);
        process.stdout.write(`${JSON.stringify(written, null, 2)}\n`);
      },
    );
  return policy;
}

/**
 * Opens the station's store for a steward's command, or answers undefined when a running `polder station
 * run` holds it (DuckDB lets one process open the file): the command then goes through the service's inbox.
 */
async function openUnlessRunning(dir: string): Promise<StationStore | undefined> {
  try {
    return await openStationStore(dir);
  } catch (error) {
    if (/lock/i.test((error as Error).message)) return undefined;
    throw error;
  }
}

function approvalsCommand(): Command {
  const approvals = new Command('approvals').description(
    'tasks that wait for the steward (policy: manual approval): list, approve, decline',
  );
  const steward = userInfo().username;
  approvals
    .command('list')
    .description('list the tasks waiting for approval, as JSON')
    .requiredOption('--station <dir>', 'station directory')
    .action(async (options: { station: string }) => {
      const store = await openUnlessRunning(options.station);
      let pending;
      if (store === undefined) {
        pending = await readPendingApprovalsSnapshot({ dir: options.station });
      } else {
        try {
          pending = await listPendingApprovals(store);
        } finally {
          store.close();
        }
      }
      process.stdout.write(`${JSON.stringify(pending, null, 2)}\n`);
    });
  for (const approved of [true, false]) {
    approvals
      .command(approved ? 'approve' : 'decline')
      .description(
        approved
          ? 'approve a waiting task: the service runs it'
          : 'decline a waiting task: the service refuses it',
      )
      .argument('<taskId>', 'the task id (from approvals list)')
      .requiredOption('--station <dir>', 'station directory')
      .option('--steward <name>', 'who decides, for the audit log', steward)
      .option('--reason <text>', 'why (shown to the researcher when declined)')
      .action(async (taskId: string, options: { station: string; steward: string; reason?: string }) => {
        const decision = {
          steward: options.steward,
          ...(options.reason === undefined ? {} : { reason: options.reason }),
        };
        const store = await openUnlessRunning(options.station);
        if (store === undefined) {
          await submitApprovalDecision({ dir: options.station }, { taskId, approved, ...decision });
          process.stdout.write(
            `${approved ? 'approval' : 'decline'} of task ${taskId} handed to the running station service\n`,
          );
          return;
        }
        try {
          await (approved ? approveTask : declineTask)(store, taskId, decision);
          process.stdout.write(
            `task ${taskId} ${approved ? 'approved' : 'declined'}; the station service acts on it when it runs\n`,
          );
        } finally {
          store.close();
        }
      });
  }
  return approvals;
}
