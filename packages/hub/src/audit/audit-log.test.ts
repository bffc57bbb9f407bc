import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../_test-hub.ts';
import { AuditAnchoring, readAuditAnchors } from './audit-anchor.ts';
import { recordAudit, verifyAuditLog } from './audit-log.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub.close());

/** Tampering as someone with table-owner rights would: around the append-only triggers. */
async function tamper(statement: ReturnType<typeof sql>): Promise<void> {
  await hub.db.transaction().execute(async (trx) => {
    await sql`alter table audit_log disable trigger user`.execute(trx);
    await statement.execute(trx);
    await sql`alter table audit_log enable trigger user`.execute(trx);
  });
}

beforeEach(async () => {
  await tamper(sql`delete from audit_log`);
  for (let i = 0; i < 5; i += 1) {
    await recordAudit(hub.db, {
      event: 'test.event',
      action: 'read',
      outcome: 'success',
      actor: { id: `user-${i}`, name: `user${i}@test.polder` },
      objectType: 'dataset',
      objectId: `dataset-${i}`,
      purpose: 'scientific research',
      details: { b: 2, a: [1, { z: true, y: null }] },
    });
  }
});

describe('verifyAuditLog()', () => {
  it('accepts an untouched log', async () => {
    expect(await verifyAuditLog(hub.db)).toMatchObject({ ok: true, rows: 5 });
  });

  it('detects a changed field', async () => {
    await tamper(sql`update audit_log set actor_name = 'someone@else' where seq = 3`);
    expect(await verifyAuditLog(hub.db)).toMatchObject({ ok: false, rows: 2, firstBrokenRow: 3 });
  });

  it('detects a changed field even when the row hash is recomputed', async () => {
    await tamper(sql`update audit_log set outcome = 'failure', hash = repeat('a', 64) where seq = 2`);
    const result = await verifyAuditLog(hub.db);
    expect(result.ok).toBe(false);
    expect(result.firstBrokenRow).toBe(2);
  });

  it('detects a deleted row', async () => {
    await tamper(sql`delete from audit_log where seq = 4`);
    expect(await verifyAuditLog(hub.db)).toMatchObject({
      ok: false,
      firstBrokenRow: 5,
      reason: expect.stringMatching(/row 4 is missing/),
    });
  });

  it('detects the first row deleted', async () => {
    await tamper(sql`delete from audit_log where seq = 1`);
    expect(await verifyAuditLog(hub.db)).toMatchObject({ ok: false, firstBrokenRow: 2 });
  });

  it('detects two rows swapped', async () => {
    await tamper(sql`update audit_log set seq = -2 where seq = 2`);
    await tamper(sql`update audit_log set seq = 2 where seq = 3`);
    await tamper(sql`update audit_log set seq = 3 where seq = -2`);
    expect(await verifyAuditLog(hub.db)).toMatchObject({ ok: false, firstBrokenRow: 2 });
  });

  it('detects removal of the newest rows against anchors kept outside the database', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'polder-anchor-')), 'anchors.jsonl');
    const anchoring = new AuditAnchoring(hub.db, file);
    const before = await verifyAuditLog(hub.db);
    expect(await anchoring.anchor()).toMatchObject({ seq: before.rows, hash: before.lastHash });
    expect(await anchoring.anchor()).toBeNull(); // unchanged head: nothing appended
    const anchors = readAuditAnchors(file);
    expect(await verifyAuditLog(hub.db, { anchors })).toMatchObject({ ok: true });
    await tamper(sql`delete from audit_log where seq = ${before.rows}`);
    // The shorter chain is valid on its own; only the anchor shows the removal.
    expect(await verifyAuditLog(hub.db)).toMatchObject({ ok: true });
    expect(await verifyAuditLog(hub.db, { anchors })).toMatchObject({
      ok: false,
      firstBrokenRow: before.rows,
      reason: expect.stringMatching(/removed/),
    });
  });

  it('detects a rewritten chain that no longer matches an anchor', async () => {
    const rows = await verifyAuditLog(hub.db);
    const anchors = [{ seq: rows.rows, hash: 'f'.repeat(64) }];
    expect(await verifyAuditLog(hub.db, { anchors })).toMatchObject({ ok: false, firstBrokenRow: rows.rows });
  });

  it('readAuditAnchors() names a line that is not an anchor', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'polder-anchor-')), 'anchors.jsonl');
    writeFileSync(file, '{"seq":1,"hash":"' + 'a'.repeat(64) + '"}\nnot json\n');
    expect(() => readAuditAnchors(file)).toThrow(/line 2/);
  });
});

describe('recordAudit()', () => {
  it('is refused an UPDATE or DELETE by the database', async () => {
    await expect(sql`update audit_log set event = 'x'`.execute(hub.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(hub.db)).rejects.toThrow(/append-only/);
  });

  it('keeps one chain under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        recordAudit(hub.db, {
          event: 'test.concurrent',
          action: 'execute',
          outcome: 'success',
          objectId: String(i),
        }),
      ),
    );
    expect(await verifyAuditLog(hub.db)).toMatchObject({ ok: true, rows: 25 });
  });

  it('rolls back with the transaction it was written in', async () => {
    await expect(
      hub.db.transaction().execute(async (trx) => {
        await recordAudit(trx, { event: 'test.rolled_back', action: 'create', outcome: 'success' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await verifyAuditLog(hub.db)).toMatchObject({ ok: true, rows: 5 });
  });
});

describe('the hub writes the audit log', () => {
  it('records refused requests with the route and status', async () => {
    const researcher = await hub.sessionCookie(await hub.createUser({ roles: ['researcher'] }));
    await hub.app.inject({ method: 'GET', url: '/api/users' });
    await hub.app.inject({ method: 'GET', url: '/api/users', headers: { cookie: researcher } });
    const refusals = await hub.db
      .selectFrom('audit_log')
      .select(['event', 'outcome', 'object_id', 'details', 'actor_id'])
      .where('event', '=', 'request.refused')
      .orderBy('seq')
      .execute();
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toMatchObject({ outcome: 'refused', object_id: 'GET /api/users', actor_id: null });
    expect(JSON.parse(refusals[0]?.details ?? '{}')).toEqual({ code: 'unauthenticated', status: 401 });
    expect(refusals[1]?.actor_id).not.toBeNull();
    expect(JSON.parse(refusals[1]?.details ?? '{}')).toEqual({ code: 'forbidden', status: 403 });
    expect((await verifyAuditLog(hub.db)).ok).toBe(true);
  });
});
