import { readdir, readFile, rm, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  excludeOptedOut,
  listOptOuts,
  listStationAudit,
  openStationStore,
  optedOutPersons,
  optOutStatus,
  recordOptOut,
  verifyStationAuditLog,
  withdrawOptOut,
  type StationStore,
} from '../index.ts';
import { pseudonymOf } from './_station-pseudonyms.ts';
import { ingestTestPatients, personIdOf } from './_test-station.ts';

const steward = { id: 'steward-1', name: 'Steward One', role: 'steward' } as const;
const patients = ['7000100', '7000101', '7000102', '7000103'];

let root: string;
let store: StationStore;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'polder-opt-out-'));
  store = await openStationStore(join(root, 'station'), { threads: 1 });
  await ingestTestPatients(store, patients, join(root, 'export-1'));
});
afterAll(async () => {
  store.close();
  await rm(root, { recursive: true, force: true });
});

const day = (d: number): Date => new Date(Date.UTC(2026, 2, d, 12));

describe('optedOutPersons()', () => {
  it('applies an opt-out only to permits granted after it, and a withdrawal only to permits granted after that (Art. 71)', async () => {
    const person = await personIdOf(store, '7000100');
    await recordOptOut(store, { sourceIdentifier: '7000100', purposes: ['b'], actor: steward, now: day(10) });
    await withdrawOptOut(store, {
      sourceIdentifier: '7000100',
      purposes: ['b'],
      actor: steward,
      now: day(20),
    });
    expect(await optedOutPersons(store, { purpose: 'b', grantedAt: day(9) })).not.toContain(person);
    expect(await optedOutPersons(store, { purpose: 'b', grantedAt: day(11) })).toContain(person);
    expect(await optedOutPersons(store, { purpose: 'b', grantedAt: day(19) })).toContain(person);
    expect(await optedOutPersons(store, { purpose: 'b', grantedAt: day(21) })).not.toContain(person);
    // Another purpose is not touched.
    expect(await optedOutPersons(store, { purpose: 'c', grantedAt: day(11) })).not.toContain(person);
  });

  it("lets 'all' cover every purpose, and leaves other patients in", async () => {
    const person = await personIdOf(store, '7000101');
    await recordOptOut(store, {
      sourceIdentifier: 'Patient/7000101',
      purposes: ['all'],
      actor: steward,
      now: day(1),
    });
    for (const purpose of ['a', 'b', 'c', 'd', 'e', 'f'] as const) {
      const excluded = await optedOutPersons(store, { purpose, grantedAt: day(2) });
      expect(excluded).toContain(person);
      expect(excluded).not.toContain(await personIdOf(store, '7000102'));
    }
  });

  it('applies to a patient whose records arrive after the opt-out', async () => {
    await recordOptOut(store, {
      sourceIdentifier: ' 7000200 ',
      purposes: ['d'],
      actor: steward,
      now: day(1),
    });
    await ingestTestPatients(store, [...patients, '7000200'], join(root, 'export-2'));
    const person = await personIdOf(store, '7000200');
    expect(await optedOutPersons(store, { purpose: 'd', grantedAt: day(2) })).toContain(person);
  });
});

describe('recordOptOut() and withdrawOptOut()', () => {
  it('are idempotent per purpose and report what changed', async () => {
    const first = await recordOptOut(store, {
      sourceIdentifier: '7000103',
      purposes: ['a', 'e'],
      actor: steward,
    });
    expect(first).toMatchObject({ changed: ['a', 'e'], unchanged: [] });
    const again = await recordOptOut(store, {
      sourceIdentifier: '7000103',
      purposes: ['e', 'f'],
      actor: steward,
    });
    expect(again).toMatchObject({ changed: ['f'], unchanged: ['e'] });
    expect(await optOutStatus(store, '7000103')).toEqual(['a', 'e', 'f']);
    const withdrawn = await withdrawOptOut(store, {
      sourceIdentifier: '7000103',
      purposes: ['a', 'b'],
      actor: steward,
    });
    expect(withdrawn).toMatchObject({ changed: ['a'], unchanged: ['b'] });
    expect(await optOutStatus(store, '7000103')).toEqual(['e', 'f']);
  });

  it('refuses an unknown purpose or an empty patient number, changing nothing', async () => {
    await expect(
      recordOptOut(store, { sourceIdentifier: '7000102', purposes: ['z' as 'a'], actor: steward }),
    ).rejects.toThrow(/'z' is not a purpose/);
    await expect(
      recordOptOut(store, { sourceIdentifier: '  ', purposes: ['a'], actor: steward }),
    ).rejects.toThrow(/patient number is empty/);
    expect(await optOutStatus(store, '7000102')).toEqual([]);
  });

  it('audits every change under a reference, never the patient number', async () => {
    await recordOptOut(store, {
      sourceIdentifier: '7000102',
      purposes: ['c'],
      actor: steward,
      client: 'test',
    });
    const [latest] = await listStationAudit(store, { limit: 1, event: 'opt-out' });
    expect(latest).toMatchObject({ event: 'opt-out.record', actorId: 'steward-1', objectType: 'opt-out' });
    const audit = JSON.stringify(await listStationAudit(store, { limit: 1000 }));
    for (const number of [...patients, '7000200']) expect(audit).not.toContain(number);
    expect((await verifyStationAuditLog(store)).ok).toBe(true);
  });
});

describe('the pseudonym', () => {
  it('never equals or contains the patient number (property)', async () => {
    const key = (await readFile(join(store.dir, 'pseudonym-key'), 'utf8')).trim();
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9-]{6,40}$/), (identifier) => {
        const pseudonym = pseudonymOf(key, identifier);
        expect(pseudonym).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(pseudonym.includes(identifier)).toBe(false);
        expect(pseudonymOf(key, `Patient/${identifier}`)).toBe(pseudonym);
      }),
    );
  });

  it('is keyed by a station secret only its owner can read', async () => {
    expect((await stat(join(store.dir, 'pseudonym-key'))).mode & 0o777).toBe(0o600);
  });

  it('is all the station keeps of a patient number that was never ingested (bytes of every station file)', async () => {
    const secret = 'QX-41958-opt-out-only';
    await recordOptOut(store, { sourceIdentifier: secret, purposes: ['all'], actor: steward });
    const expected = await stationPseudonymOf(secret);
    const pseudonym = (await listOptOuts(store)).find((entry) => entry.pseudonym === expected);
    expect(pseudonym).toMatchObject({ purpose: 'all', recordedBy: 'steward:steward-1', withdrawnAt: null });
    // A second store on the same directory would be refused while this one is open: checkpoint instead.
    await store.connection.run('CHECKPOINT');
    let sawPseudonym = false;
    for (const file of await readdir(store.dir)) {
      const info = await stat(join(store.dir, file));
      if (!info.isFile()) continue;
      const bytes = await readFile(join(store.dir, file));
      expect(bytes.includes(Buffer.from(secret)), file).toBe(false);
      if (bytes.includes(Buffer.from(pseudonym?.pseudonym ?? '-'))) sawPseudonym = true;
    }
    // The positive control: what is stored can be found this way, so the absence above means something.
    expect(sawPseudonym).toBe(true);
  });
});

describe('excludeOptedOut()', () => {
  it('removes the given persons from a cohort table in the connection that holds it', async () => {
    const connection = await store.instance.connect();
    try {
      await connection.run(
        "CREATE TEMPORARY TABLE cohort AS SELECT person_id, DATE '2026-01-01' AS index_date FROM cdm.person",
      );
      const before = Number(
        (await connection.runAndReadAll('SELECT count(*) FROM cohort')).getRowsJS()[0]?.[0],
      );
      const excluded = await optedOutPersons(store, { purpose: 'b', grantedAt: new Date() });
      expect(excluded.length).toBeGreaterThan(0);
      expect(await excludeOptedOut(connection, 'cohort', excluded)).toBe(excluded.length);
      const left = (await connection.runAndReadAll('SELECT person_id FROM cohort'))
        .getRowsJS()
        .map((r) => Number(r[0]));
      expect(left).toHaveLength(before - excluded.length);
      for (const id of excluded) expect(left).not.toContain(id);
      await expect(excludeOptedOut(connection, 'cohort; DROP TABLE x', [1])).rejects.toThrow(
        /not a plain table name/,
      );
    } finally {
      connection.closeSync();
    }
  });
});

async function stationPseudonymOf(identifier: string): Promise<string> {
  const key = (await readFile(join(store.dir, 'pseudonym-key'), 'utf8')).trim();
  return pseudonymOf(key, identifier);
}
