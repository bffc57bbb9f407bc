import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import {
  AuditAnchoring,
  createHub,
  readAuditAnchors,
  readHubConfig,
  totpCode,
  verifyHubAuditLog,
  type Hub,
  type HubConfig,
} from '@polder/hub';
import { verifyStationAuditCommand } from './opt-out-command.ts';
import { parseCount } from './synth-command.ts';

/** `polder hub`: runs the hub service until stopped. */
export function hubCommand(): Command {
  return new Command('hub')
    .description(
      'run the hub: catalogue, accounts, station enrolment (PostgreSQL from DATABASE_URL, else embedded PGlite)',
    )
    .option('--port <n>', 'port to listen on (default: PORT or 3000)', parseCount)
    .option('--host <host>', 'interface to listen on (default: HOST or 127.0.0.1)')
    .option('--data-dir <dir>', 'PGlite data directory when DATABASE_URL is unset', '.polder/hub')
    .option(
      '--audit-anchors <file>',
      "file the audit log's head is appended to every few seconds (default: POLDER_AUDIT_ANCHOR_FILE, else beside the PGlite data directory)",
    )
    .action(async (options: { port?: number; host?: string; dataDir: string; auditAnchors?: string }) => {
      const overrides: Partial<HubConfig> = {
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.host === undefined ? {} : { host: options.host }),
      };
      const config = readHubConfig({ POLDER_HUB_DATA_DIR: options.dataDir, ...process.env }, overrides);
      if (config.pgliteDataDir !== undefined)
        await mkdir(dirname(resolve(config.pgliteDataDir)), { recursive: true });
      const hub = await createHub(config);
      const anchorFile = options.auditAnchors ?? defaultAnchorFile(config);
      const anchoring = anchorFile === undefined ? undefined : startAuditAnchoring(hub, anchorFile);
      if (anchorFile === undefined) {
        process.stderr.write(
          'warning: no --audit-anchors file (POLDER_AUDIT_ANCHOR_FILE): removal of the newest audit rows would go unnoticed\n',
        );
      }
      await hub.app.listen({ port: config.port, host: config.host });
      process.stderr.write(
        `hub listening on ${config.publicBaseUrl} (${config.databaseUrl === undefined ? `PGlite in ${config.pgliteDataDir ?? 'memory'}` : 'PostgreSQL'})\n`,
      );
      await waitForSignal();
      await anchoring?.stop();
      await hub.close();
    });
}

/**
 * Where the audit log's head is anchored by default: POLDER_AUDIT_ANCHOR_FILE, else beside a PGlite data
 * directory (`<dir>.audit-anchors.jsonl`, outside the database files); none for PostgreSQL without it.
 */
export function defaultAnchorFile(
  config: Pick<HubConfig, 'databaseUrl' | 'pgliteDataDir'>,
): string | undefined {
  const configured = process.env['POLDER_AUDIT_ANCHOR_FILE'];
  if (configured !== undefined && configured !== '') return configured;
  if (config.databaseUrl === undefined && config.pgliteDataDir !== undefined) {
    return `${resolve(config.pgliteDataDir)}.audit-anchors.jsonl`;
  }
  return undefined;
}

/** Anchors the hub's audit log head to `file` every 5 s (and once more on stop). */
export function startAuditAnchoring(hub: Hub, file: string): AuditAnchoring {
  const anchoring = new AuditAnchoring(hub.db, file);
  anchoring.start(5000, (error) => hub.app.log.error({ err: error }, 'cannot anchor the audit log'));
  return anchoring;
}

/** Resolves on SIGINT or SIGTERM, so that the caller can close the service cleanly. */
export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** `polder audit verify`: checks the hub's hash-chained audit log. */
export function auditCommand(): Command {
  const audit = new Command('audit').description('the audit log');
  audit
    .command('verify')
    .description("verify the hub's hash-chained audit log; any changed, removed or reordered row is reported")
    .option(
      '--data-dir <dir>',
      'PGlite data directory of a stopped hub (when DATABASE_URL is unset)',
      '.polder/hub',
    )
    .option(
      '--anchors <file>',
      "the hub's audit anchor file, to detect removal of the newest rows (default: POLDER_AUDIT_ANCHOR_FILE, else beside the PGlite data directory when it exists)",
    )
    .option(
      '--station <dir>',
      "verify this station's audit log (hash chain and audit-head.json) instead of the hub's",
    )
    .action(async (options: { dataDir: string; station?: string; anchors?: string }) => {
      if (options.station !== undefined) return verifyStationAuditCommand(options.station);
      const databaseUrl = process.env['DATABASE_URL'];
      const location = databaseUrl ? { databaseUrl } : { pgliteDataDir: options.dataDir };
      const anchorFile =
        options.anchors ??
        [defaultAnchorFile(databaseUrl ? { databaseUrl } : { pgliteDataDir: options.dataDir })].find(
          (file) => file !== undefined && existsSync(file),
        );
      if (anchorFile === undefined) {
        process.stderr.write(
          'warning: no audit anchor file: a removal of the newest rows cannot be detected (give --anchors)\n',
        );
      }
      const result = await verifyHubAuditLog(location, {
        ...(anchorFile === undefined ? {} : { anchors: readAuditAnchors(anchorFile) }),
      });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      if (!result.ok) process.exitCode = 1;
    });
  return audit;
}

/** `polder totp SECRET`: the current TOTP code for a (demo) second-factor secret. */
export function totpCommand(): Command {
  return new Command('totp')
    .description('print the current TOTP code for a base32 secret (for the demo accounts)')
    .argument('<secret>', 'base32 secret')
    .action((secret: string) => {
      process.stdout.write(`${totpCode(secret, new Date())}\n`);
    });
}
