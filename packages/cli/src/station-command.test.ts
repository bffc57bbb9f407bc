import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, readHubConfig, seedDemoAccounts, type Hub } from '@polder/hub';
import { demoStewardDescription, signInAsAdmin } from './demo-federation.ts';
import { runPolder } from './_run-polder.ts';

const polder = runPolder;

let hub: Hub;
let url: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polder-station-cli-'));
  hub = await createHub(readHubConfig({ POLDER_LOG_LEVEL: 'silent' }, { port: 0, host: '127.0.0.1' }));
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const address = hub.app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});
afterAll(async () => {
  await hub.close();
  await rm(dir, { recursive: true, force: true });
});

describe('polder station', () => {
  it('enrols with a one-time token, publishes the dataset, and refuses the same token twice', async () => {
    const admin = (await seedDemoAccounts(hub)).find((account) => account.role === 'admin');
    if (admin === undefined) throw new Error('no demo admin');
    const created = await fetch(`${url}/api/stations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: await signInAsAdmin(url, admin) },
      body: JSON.stringify({ name: 'CLI test hospital' }),
    });
    expect(created.status).toBe(201);
    const { enrolmentToken } = (await created.json()) as { enrolmentToken: string };

    const station = join(dir, 'station');
    await polder('synth', '--hospital', 'B', '--patients', '20', '--out', join(dir, 'export'));
    await polder('ingest', '--station', station, join(dir, 'export'));
    const enrol = await polder(
      'station',
      'enrol',
      '--station',
      station,
      '--hub',
      url,
      '--token',
      enrolmentToken,
    );
    expect(enrol.stdout).toMatch(/enrolled at .* as station [0-9a-f-]{36}; hub key \S+ pinned/);
    expect(enrol.stdout + enrol.stderr).not.toContain(enrolmentToken);

    const descriptionFile = join(dir, 'description.json');
    await writeFile(descriptionFile, JSON.stringify(demoStewardDescription('B')));
    const publish = await polder(
      'station',
      'publish',
      '--station',
      station,
      '--description',
      descriptionFile,
    );
    const datasetId = /published dataset ([0-9a-f-]{36})/.exec(publish.stdout)?.[1];
    expect(datasetId).toBeDefined();
    const dataset = await fetch(`${url}/api/datasets/${datasetId}`, {
      headers: { accept: 'application/json' },
    });
    expect(dataset.status).toBe(200);
    expect(JSON.stringify(await dataset.json())).toContain('Zaanstreek General Hospital');

    await expect(
      polder('station', 'enrol', '--station', join(dir, 'other'), '--hub', url, '--token', enrolmentToken),
    ).rejects.toMatchObject({ stderr: expect.stringMatching(/Cannot enrol|refused/i) });
  }, 120_000);
});
