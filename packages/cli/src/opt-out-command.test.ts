import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStationStore } from '@polder/station';
import { runPolder as polder } from './_run-polder.ts';

let dir: string;
let station: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polder-opt-out-cli-'));
  station = join(dir, 'station');
  await polder('synth', '--hospital', 'C', '--patients', '5', '--out', join(dir, 'export'));
  await polder('ingest', '--station', station, join(dir, 'export'));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('polder station opt-out', () => {
  it('records, lists and withdraws a patient’s opt-out without ever printing the patient number', async () => {
    const recorded = await polder(
      'station',
      'opt-out',
      'record',
      '--station',
      station,
      '--patient',
      '3000001',
      '--purpose',
      'b',
      'e',
      '--steward',
      'sam',
    );
    expect(recorded.stdout).toMatch(/^recorded opt-out [A-Za-z0-9_-]{16}: changed \[b, e\], already so \[\]/);
    const list = await polder('station', 'opt-out', 'list', '--station', station, '--json');
    const { optOuts } = JSON.parse(list.stdout) as { optOuts: { purpose: string; recordedBy: string }[] };
    expect(optOuts.map((entry) => entry.purpose).sort()).toEqual(['b', 'e']);
    expect(optOuts[0]?.recordedBy).toBe('steward:sam');
    const withdrawn = await polder(
      'station',
      'opt-out',
      'withdraw',
      '--station',
      station,
      '--patient',
      '3000001',
      '--purpose',
      'e',
    );
    expect(withdrawn.stdout).toMatch(/changed \[e\]/);
    for (const output of [recorded, list, withdrawn])
      expect(output.stdout + output.stderr).not.toContain('3000001');
  }, 180_000);

  it('refuses an unknown purpose and a directory without a station', async () => {
    await expect(
      polder('station', 'opt-out', 'record', '--station', station, '--patient', '3000002', '--purpose', 'g'),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/'g' is not a purpose/) });
    await expect(
      polder('station', 'opt-out', 'list', '--station', join(dir, 'nowhere')),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/holds no station\.duckdb/) });
  }, 180_000);
});

describe('polder audit verify --station', () => {
  it('reports an intact chain, and a removed newest row through the head anchor', async () => {
    const intact = await polder('audit', 'verify', '--station', station);
    expect(JSON.parse(intact.stdout)).toMatchObject({ ok: true, entries: 2, problems: [] });
    // Remove the newest row as someone with file access would: SQL straight on the station's database.
    const store = await openStationStore(station);
    await store.connection.run(
      'DELETE FROM polder.audit_log WHERE seq = (SELECT max(seq) FROM polder.audit_log)',
    );
    store.close();
    await expect(polder('audit', 'verify', '--station', station)).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/"ok": false[\s\S]*audit-head\.json anchors row 2/),
    });
  }, 180_000);
});

describe('polder station serve-local', () => {
  it('serves the patient page until stopped', async () => {
    const child = spawn(process.execPath, [
      new URL('../bin/polder.js', import.meta.url).pathname,
      'station',
      'serve-local',
      '--station',
      station,
      '--port',
      '0',
    ]);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
          const match = /station local API on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
          if (match?.[1] !== undefined) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`serve-local exited with ${code}: ${err}`)));
      });
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Your patient number');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }, 180_000);
});
