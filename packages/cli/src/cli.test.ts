import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPolder } from './_run-polder.ts';
import { afterAll, describe, expect, it } from 'vitest';

const polder = runPolder;

const dirs: string[] = [];

/** A port nobody listens on now (the demo's hub must keep one URL across its two starts). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'polder-cli-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('polder command', () => {
  it('runs from the TypeScript sources with no build step and lists its commands', async () => {
    const { stdout } = await polder('--help');
    for (const command of ['demo', 'synth', 'ingest', 'dq', 'vocab']) expect(stdout).toContain(command);
  });

  it('answers a bad option with a message that says what is wrong', async () => {
    await expect(
      polder('synth', '--hospital', 'Q', '--patients', '5', '--out', '/tmp/x'),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining("'Q' is not a hospital"),
    });
  });

  it('demo: three hospitals ingested into stations that enrol at the hub and publish; a second start reuses them', async () => {
    const dir = await tempDir();
    const port = String(await freePort());
    const first = await polder('demo', '--dir', dir, '--patients', '40', '--port', port, '--no-serve');
    const summaries = first.stdout.split('\n== ').filter((part) => /^.+ \(hospital [ABC]\) ==/.test(part));
    expect(summaries).toHaveLength(3);
    for (const summary of summaries) {
      const persons = Number(/persons ([\d,]+)/.exec(summary)?.[1]?.replaceAll(',', ''));
      expect(persons, summary).toBe(40);
      expect(summary).toMatch(/data quality: [\d.]+% of [\d,]+ evaluated checks passed/);
      expect(summary).toMatch(/Conformance\/Verification\s+\d+ passed/);
    }
    expect(first.stdout.match(/enrolled at the hub as station/g)).toHaveLength(3);
    expect(first.stdout).toMatch(/researcher\s+researcher@demo\.polder\.test/);
    const second = await polder('demo', '--dir', dir, '--patients', '40', '--port', port, '--no-serve');
    expect(second.stdout.match(/reusing the station/g)).toHaveLength(3);
    expect(second.stdout.match(/persons 40,/g)).toHaveLength(3);
    expect(second.stdout.match(/enrolled earlier as station/g)).toHaveLength(3);
  }, 180_000);

  it('ingest → dq on a synthetic NDJSON export, and a second ingest changes no row count', async () => {
    const dir = await tempDir();
    await polder('synth', '--hospital', 'B', '--patients', '30', '--out', join(dir, 'b'));
    const first = JSON.parse(
      (await polder('ingest', '--json', '--station', join(dir, 's'), join(dir, 'b'))).stdout,
    ) as {
      tables: { table: string; inserted: number; unchanged: number }[];
    };
    const second = JSON.parse(
      (await polder('ingest', '--json', '--station', join(dir, 's'), join(dir, 'b'))).stdout,
    ) as {
      tables: { table: string; inserted: number; updated: number; unchanged: number }[];
    };
    const person = first.tables.find((t) => t.table === 'person');
    expect(person?.inserted).toBe(30);
    for (const table of second.tables) {
      expect(table.inserted, table.table).toBe(0);
      expect(table.updated, table.table).toBe(0);
    }
    const dq = await polder('dq', '--station', join(dir, 's'));
    expect(dq.stdout).toMatch(/Score: [\d.]+% of evaluated checks passed/);
  }, 120_000);
});
