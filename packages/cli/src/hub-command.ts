import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { createHub, readHubConfig, totpCode, verifyHubAuditLog, type HubConfig } from '@polder/hub';
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
    .action(async (options: { port?: number; host?: string; dataDir: string }) => {
      const overrides: Partial<HubConfig> = {
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.host === undefined ? {} : { host: options.host }),
      };
      const config = readHubConfig({ POLDER_HUB_DATA_DIR: options.dataDir, ...process.env }, overrides);
      if (config.pgliteDataDir !== undefined)
        await mkdir(dirname(resolve(config.pgliteDataDir)), { recursive: true });
      const hub = await createHub(config);
      await hub.app.listen({ port: config.port, host: config.host });
      process.stderr.write(
        `hub listening on ${config.publicBaseUrl} (${config.databaseUrl === undefined ? `PGlite in ${config.pgliteDataDir ?? 'memory'}` : 'PostgreSQL'})\n`,
      );
      await waitForSignal();
      await hub.close();
    });
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
      '--station <dir>',
      "verify this station's audit log (hash chain and audit-head.json) instead of the hub's",
    )
    .action(async (options: { dataDir: string; station?: string }) => {
      if (options.station !== undefined) return verifyStationAuditCommand(options.station);
      const databaseUrl = process.env['DATABASE_URL'];
      const result = await verifyHubAuditLog(
        databaseUrl ? { databaseUrl } : { pgliteDataDir: options.dataDir },
      );
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
