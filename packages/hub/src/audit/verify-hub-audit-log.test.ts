import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHub } from '../create-hub.ts';
import { readHubConfig } from '../hub-config.ts';
import { recordAudit } from './audit-log.ts';
import { verifyHubAuditLog } from './verify-hub-audit-log.ts';

const directories: string[] = [];
afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

describe('verifyHubAuditLog()', () => {
  // PGlite on disk only: the PostgreSQL run of the suite need not repeat it.
  const onPostgres = (process.env['POLDER_TEST_DATABASE_URL'] ?? '') !== '';
  it.skipIf(onPostgres)(
    'verifies the log of a stopped hub in a PGlite directory (what `polder audit verify` runs)',
    async () => {
      const pgliteDataDir = await mkdtemp(join(tmpdir(), 'polder-hub-audit-'));
      directories.push(pgliteDataDir);
      const hub = await createHub(readHubConfig({}, { pgliteDataDir, logLevel: 'silent' }));
      await recordAudit(hub.db, { event: 'test.one', action: 'read', outcome: 'success' });
      await recordAudit(hub.db, { event: 'test.two', action: 'read', outcome: 'success' });
      await hub.close();
      expect(await verifyHubAuditLog({ pgliteDataDir })).toMatchObject({ ok: true, rows: 2 });
      await expect(verifyHubAuditLog({ pgliteDataDir: join(pgliteDataDir, 'missing') })).rejects.toThrow(
        /holds no hub database/,
      );
    },
  );
});
