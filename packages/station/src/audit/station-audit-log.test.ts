import { rm, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listStationAudit,
  openStationStore,
  recordStationAudit,
  stationAuditHeadFile,
  verifyStationAuditLog,
  type StationStore,
} from '../index.ts';

let root: string;
let store: StationStore;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'polder-station-audit-'));
  store = await openStationStore(join(root, 'station'), { threads: 1 });
});
afterAll(async () => {
  store.close();
  await rm(root, { recursive: true, force: true });
});

/** Empties the log and its anchor, then appends `count` entries. */
async function freshLog(count: number): Promise<void> {
  await store.connection.run('DELETE FROM polder.audit_log').catch(() => undefined);
  await rm(join(store.dir, stationAuditHeadFile), { force: true });
  for (let i = 0; i < count; i += 1) {
    await recordStationAudit(store, {
      event: i % 2 === 0 ? 'task.run' : 'opt-out.record',
      action: i % 2 === 0 ? 'execute' : 'create',
      outcome: 'success',
      actor: { id: `steward-${i}`, name: 'steward' },
      purpose: 'b',
      objectType: 'task',
      objectId: `task-${i}`,
      details: { b: i, a: [1, { z: true, y: null }] },
      now: new Date(Date.UTC(2026, 0, 1, 12, 0, i)),
    });
  }
}

describe('recordStationAudit()', () => {
  it('chains each row to the one before and anchors the newest in audit-head.json', async () => {
    await freshLog(3);
    const rows = await listStationAudit(store, { limit: 10 });
    expect(rows.map((r) => r.seq)).toEqual([3, 2, 1]);
    expect(rows[2]?.prevHash).toBe('0'.repeat(64));
    expect(rows[1]?.prevHash).toBe(rows[2]?.hash);
    expect(rows[0]?.prevHash).toBe(rows[1]?.hash);
    expect(rows[0]?.occurredAt).toBe('2026-01-01T12:00:02.000Z');
    expect(rows[0]?.details).toBe('{"a":[1,{"y":null,"z":true}],"b":2}');
    const head = JSON.parse(await readFile(join(store.dir, stationAuditHeadFile), 'utf8')) as unknown;
    expect(head).toMatchObject({ seq: 3, hash: rows[0]?.hash });
    expect(await verifyStationAuditLog(store)).toEqual({
      ok: true,
      entries: 3,
      lastHash: rows[0]?.hash,
      problems: [],
    });
  });

  it('keeps one chain when appends race', async () => {
    await freshLog(0);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        recordStationAudit(store, { event: 'race', action: 'read', outcome: 'success', details: { i } }),
      ),
    );
    expect(await verifyStationAuditLog(store)).toMatchObject({ ok: true, entries: 20 });
  });

  it('refuses details that JSON cannot carry, and writes nothing', async () => {
    await freshLog(1);
    await expect(
      recordStationAudit(store, {
        event: 'bad',
        action: 'read',
        outcome: 'failure',
        details: { n: Number.NaN },
      }),
    ).rejects.toThrow(/Cannot serialise canonical JSON/);
    expect(await verifyStationAuditLog(store)).toMatchObject({ ok: true, entries: 1 });
  });

  it('continues the chain from the anchor after the newest rows were removed, so the removal stays visible', async () => {
    await freshLog(4);
    await store.connection.run('DELETE FROM polder.audit_log WHERE seq >= 3');
    const next = await recordStationAudit(store, { event: 'later', action: 'read', outcome: 'success' });
    expect(next.seq).toBe(5);
    const result = await verifyStationAuditLog(store);
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual({ seq: 5, problem: 'rows 3–4 are missing' });
  });
});

describe('listStationAudit()', () => {
  it('pages backwards and filters by event and the events under it', async () => {
    await freshLog(6);
    expect((await listStationAudit(store, { limit: 2 })).map((r) => r.seq)).toEqual([6, 5]);
    expect((await listStationAudit(store, { limit: 2, before: 5 })).map((r) => r.seq)).toEqual([4, 3]);
    expect((await listStationAudit(store, { limit: 10, event: 'opt-out' })).map((r) => r.seq)).toEqual([
      6, 4, 2,
    ]);
    expect(await listStationAudit(store, { limit: 10, event: 'opt' })).toEqual([]);
  });
});

describe('verifyStationAuditLog()', () => {
  it('accepts an empty log without an anchor', async () => {
    await freshLog(0);
    expect(await verifyStationAuditLog(store)).toMatchObject({ ok: true, entries: 0, problems: [] });
  });

  it('detects the newest row removed, through the anchor', async () => {
    await freshLog(5);
    await store.connection.run('DELETE FROM polder.audit_log WHERE seq = 5');
    expect(await verifyStationAuditLog(store)).toMatchObject({
      ok: false,
      entries: 4,
      problems: [{ seq: 5, problem: expect.stringMatching(/rows 5–5 are missing.*anchors row 5/) }],
    });
  });

  it('detects a missing or unreadable anchor', async () => {
    await freshLog(2);
    await writeFile(join(store.dir, stationAuditHeadFile), 'not json');
    expect((await verifyStationAuditLog(store)).problems[0]?.problem).toMatch(/not JSON/);
    await rm(join(store.dir, stationAuditHeadFile));
    expect((await verifyStationAuditLog(store)).problems[0]?.problem).toMatch(/is missing/);
  });

  const columns = [
    'occurred_at',
    'event',
    'action',
    'outcome',
    'actor_id',
    'actor_name',
    'on_behalf_of',
    'purpose',
    'object_type',
    'object_id',
    'source_ip',
    'client',
    'details',
    'prev_hash',
    'hash',
  ] as const;
  type Tampering =
    | { kind: 'edit'; seq: number; column: (typeof columns)[number]; rehash: boolean }
    | { kind: 'delete'; seqs: number[] }
    | { kind: 'delete-tail'; count: number };
  const size = 8;
  const tamperings: fc.Arbitrary<Tampering> = fc.oneof(
    fc.record({
      kind: fc.constant('edit' as const),
      seq: fc.integer({ min: 1, max: size }),
      column: fc.constantFrom(...columns),
      rehash: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('delete' as const),
      seqs: fc.uniqueArray(fc.integer({ min: 1, max: size }), { minLength: 1, maxLength: size }),
    }),
    fc.record({ kind: fc.constant('delete-tail' as const), count: fc.integer({ min: 1, max: size }) }),
  );

  it('detects any edit or removal of rows, including the newest ones (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(tamperings, { minLength: 1, maxLength: 3 }), async (steps) => {
        await freshLog(size);
        for (const step of steps) {
          if (step.kind === 'edit') {
            const value =
              step.column === 'occurred_at'
                ? `occurred_at + INTERVAL 1 SECOND`
                : `coalesce(${step.column}, '') || 'x'`;
            // Editing the hash too (as a tamperer recomputing it would) must still break the chain.
            const hash = step.rehash && step.column !== 'hash' ? `, hash = sha256(hash)` : '';
            await store.connection.run(
              `UPDATE polder.audit_log SET ${step.column} = ${value}${hash} WHERE seq = ${step.seq}`,
            );
          } else if (step.kind === 'delete') {
            await store.connection.run(`DELETE FROM polder.audit_log WHERE seq IN (${step.seqs.join(',')})`);
          } else {
            await store.connection.run(
              `DELETE FROM polder.audit_log WHERE seq > (SELECT max(seq) - ${step.count} FROM polder.audit_log)`,
            );
          }
        }
        const before = (
          await store.connection.runAndReadAll('SELECT count(*) FROM polder.audit_log')
        ).getRowsJS();
        const result = await verifyStationAuditLog(store);
        // A step can be a no-op only when it hit rows already gone; at least the first one always changes something.
        expect(result.ok).toBe(false);
        expect(result.problems.length).toBeGreaterThan(0);
        expect(Number(before[0]?.[0])).toBe(result.entries);
      }),
      { numRuns: 30 },
    );
  }, 60_000);
});
