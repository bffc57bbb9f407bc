import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectSource } from './index.ts';

const root = await mkdtemp(join(tmpdir(), 'polder-detect-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const mapping = {
  source: 'hospital-c',
  files: [
    { path: 'p.csv', kind: 'person', resourceType: 'Patient', id: 'id', columns: { birthDate: 'dob' } },
  ],
};

describe('detectSource()', () => {
  it('reads a CSV export through its mapping config, named directly or by its directory', async () => {
    const dir = join(root, 'csv');
    await mkdir(dir);
    await writeFile(join(dir, 'mapping.json'), JSON.stringify(mapping));
    expect(await detectSource(dir)).toEqual({ path: join(dir, 'mapping.json'), kind: 'csv' });
    expect(await detectSource(join(dir, 'mapping.json'))).toEqual({
      path: join(dir, 'mapping.json'),
      kind: 'csv',
    });
  });

  it('treats Bundles, NDJSON, FHIR directories and unparseable JSON as FHIR (whose reader reports the problem)', async () => {
    const bundle = join(root, 'bundle.json');
    await writeFile(bundle, JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [] }));
    const broken = join(root, 'broken.json');
    await writeFile(broken, '{"resourceType": "Bund');
    expect((await detectSource(bundle)).kind).toBe('fhir');
    expect((await detectSource(broken)).kind).toBe('fhir');
    expect((await detectSource(root)).kind).toBe('fhir');
  });

  it('says which path does not exist', async () => {
    await expect(detectSource(join(root, 'nope'))).rejects.toThrow(
      /Cannot ingest .*nope: no such file or directory/,
    );
  });
});
