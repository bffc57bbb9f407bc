import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditAnchoring, createHub, readHubConfig, recordAudit } from '@polder/hub';
import { runPolder } from './_run-polder.ts';

const directories: string[] = [];
afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

describe('polder audit verify', () => {
  it('reports the newest rows removed, against the anchor file beside the data directory', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'polder-audit-cli-'));
    directories.push(parent);
    const dataDir = join(parent, 'hub');
    const config = readHubConfig({}, { pgliteDataDir: dataDir, logLevel: 'silent' });
    let hub = await createHub(config);
    for (const event of ['test.one', 'test.two', 'test.three']) {
      await recordAudit(hub.db, { event, action: 'read', outcome: 'success' });
    }
    // What `polder hub` does every few seconds: the head goes to <data dir>.audit-anchors.jsonl.
    const anchor = await new AuditAnchoring(hub.db, `${dataDir}.audit-anchors.jsonl`).anchor();
    expect(anchor?.seq).toBeGreaterThanOrEqual(3);
    await hub.close();

    const intact = await runPolder('audit', 'verify', '--data-dir', dataDir);
    expect(JSON.parse(intact.stdout)).toMatchObject({ ok: true });

    // Someone with owner rights goes around the append-only triggers and drops the newest rows.
    hub = await createHub(config);
    await hub.db.transaction().execute(async (trx) => {
      await sql`alter table audit_log disable trigger user`.execute(trx);
      await sql`delete from audit_log where seq >= ${anchor?.seq ?? 0}`.execute(trx);
      await sql`alter table audit_log enable trigger user`.execute(trx);
    });
    await hub.close();

    const tampered = await runPolder('audit', 'verify', '--data-dir', dataDir).then(
      (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(tampered).toMatchObject({ code: 1 });
    expect(JSON.parse(tampered?.stdout ?? '{}')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/removed/),
    });
  });
});
