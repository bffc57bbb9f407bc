import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import {
  listOptOuts,
  localApiTokenFile,
  openStationStore,
  optOutPurposes,
  recordOptOut,
  startStationLocalApi,
  verifyStationAuditLog,
  withdrawOptOut,
  type OptOutPurpose,
  type StationStore,
} from '@polder/station';
import { parseCount } from './synth-command.ts';

/**
 * Adds the station's local commands to `polder station`: `opt-out record|withdraw|list` for the steward's
 * opt-out register, and `serve-local` for the patient page and the steward's local API.
 */
export function addStationLocalCommands(station: Command): Command {
  return station.addCommand(optOutCommand()).addCommand(serveLocalCommand());
}

/** `polder station opt-out …`: the steward records and withdraws patients' opt-outs. */
export function optOutCommand(): Command {
  const optOut = new Command('opt-out').description(
    "the station's opt-out register (keyed by a keyed hash of the patient number, never the number itself)",
  );
  for (const kind of ['record', 'withdraw'] as const) {
    optOut
      .command(kind)
      .description(
        kind === 'record'
          ? "record a patient's opt-out for purposes (EHDS Art. 53(1) a–f, or all); it applies to permits granted from now on"
          : "withdraw a patient's opt-out for purposes; it applies to permits granted from now on",
      )
      .requiredOption('--station <dir>', 'station directory')
      .requiredOption('--patient <number>', "the patient's number in the source system (Patient id / MRN)")
      .requiredOption('--purpose <purposes...>', 'one or more of a, b, c, d, e, f, all', parsePurposes, [])
      .option('--steward <name>', 'who records it, for the audit log (default: the user running this)')
      .action(
        async (options: { station: string; patient: string; purpose: OptOutPurpose[]; steward?: string }) => {
          const steward = options.steward ?? userInfo().username;
          await withStation(options.station, async (store) => {
            const change = {
              sourceIdentifier: options.patient,
              purposes: options.purpose,
              actor: { id: steward, name: steward, role: 'steward' as const },
              client: 'polder cli',
            };
            const result =
              kind === 'record' ? await recordOptOut(store, change) : await withdrawOptOut(store, change);
            process.stdout.write(
              `${kind === 'record' ? 'recorded' : 'withdrew'} opt-out ${result.reference}: ` +
                `changed [${result.changed.join(', ')}], already so [${result.unchanged.join(', ')}]\n`,
            );
          });
        },
      );
  }
  optOut
    .command('list')
    .description('list the register (pseudonyms only), newest first')
    .requiredOption('--station <dir>', 'station directory')
    .option('--all', 'include withdrawn opt-outs')
    .option('--json', 'print JSON')
    .action(async (options: { station: string; all?: boolean; json?: boolean }) => {
      await withStation(options.station, async (store) => {
        const entries = await listOptOuts(store, { includeWithdrawn: options.all === true, limit: 100_000 });
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify({ optOuts: entries }, null, 2)}\n`);
          return;
        }
        for (const entry of entries) {
          process.stdout.write(
            `${entry.pseudonym.slice(0, 16)}  ${entry.purpose.padEnd(3)}  since ${entry.recordedAt}  by ${entry.recordedBy}` +
              `${entry.withdrawnAt === null ? '' : `  withdrawn ${entry.withdrawnAt}`}\n`,
          );
        }
        process.stdout.write(`${entries.length} opt-out${entries.length === 1 ? '' : 's'}\n`);
      });
    });
  return optOut;
}

/** `polder station serve-local`: the patient page, the steward's console and local API, until stopped. */
export function serveLocalCommand(): Command {
  return new Command('serve-local')
    .description(
      "serve the patient page, the steward's console (/steward) and local API inside the hospital (127.0.0.1 by default)",
    )
    .requiredOption('--station <dir>', 'station directory')
    .option('--port <n>', 'port to listen on', parseCount, 8470)
    .option('--host <host>', 'interface to listen on; widen only behind the hospital portal', '127.0.0.1')
    .action(async (options: { station: string; port: number; host: string }) => {
      await withStation(options.station, async (store) => {
        const api = await startStationLocalApi(store, { port: options.port, host: options.host });
        process.stderr.write(
          `station local API on ${api.url} (patient page at /, steward API under /api with the token in ${join(store.dir, localApiTokenFile)})\n`,
        );
        process.stderr.write(
          api.consoleBuilt
            ? `station console: ${api.consoleUrl} (sign in with the steward token)\n`
            : `station console: ${api.consoleUrl} is not built yet: run npm run build --workspace @polder/web\n`,
        );
        await new Promise<void>((done) => {
          process.once('SIGINT', () => done());
          process.once('SIGTERM', () => done());
        });
        await api.close();
      });
    });
}

/**
 * `polder audit verify --station <dir>`: verifies a station's audit log (hash chain and head anchor),
 * prints the result as JSON and sets exit code 1 when it does not verify.
 */
export async function verifyStationAuditCommand(dir: string): Promise<void> {
  await withStation(dir, async (store) => {
    const result = await verifyStationAuditLog(store);
    process.stdout.write(`${JSON.stringify({ station: store.info.name, ...result }, null, 2)}\n`);
    if (!result.ok) process.exitCode = 1;
  });
}

/** Opens an existing station (never creates one: a typo must not make an empty station) for `work`. */
async function withStation(dir: string, work: (store: StationStore) => Promise<void>): Promise<void> {
  if (!existsSync(join(resolve(dir), 'station.duckdb'))) {
    throw new Error(`Cannot open the station in ${dir}: it holds no station.duckdb`);
  }
  const store = await openStationStore(dir);
  try {
    await work(store);
  } finally {
    store.close();
  }
}

function parsePurposes(value: string, previous: OptOutPurpose[]): OptOutPurpose[] {
  const added = value.split(',').map((part) => part.trim().toLowerCase());
  for (const purpose of added) {
    if (!(optOutPurposes as readonly string[]).includes(purpose)) {
      throw new InvalidArgumentError(`'${purpose}' is not a purpose: use a, b, c, d, e, f or all`);
    }
  }
  return [...previous, ...(added as OptOutPurpose[])];
}
