import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStewardDescription } from './index.ts';

const root = await mkdtemp(join(tmpdir(), 'polder-steward-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const valid = {
  title: 'Hospital A — EHR',
  description: 'Electronic health records of all patients since 2015.',
  keywords: ['EHR'],
  themes: ['HEAL'],
  healthCategories: ['EHRS'],
  accessRights: 'non-public',
  dataUseConditions: ['DUO:0000006'],
  contactPoint: { email: 'data@hospital-a.example' },
  publisher: { name: 'Hospital A', contact: { email: 'info@hospital-a.example' } },
  accessBody: { name: 'HDAB NL', contact: { url: 'https://hdab.example.nl' } },
};

describe('readStewardDescription()', () => {
  it('reads a valid file', async () => {
    const path = join(root, 'ok.json');
    await writeFile(path, JSON.stringify(valid));
    expect(await readStewardDescription(path)).toEqual(valid);
  });

  it('names every problem by its path', async () => {
    const path = join(root, 'bad.json');
    await writeFile(
      path,
      JSON.stringify({ ...valid, themes: ['HEALTH'], accessRights: 'open', colour: 'red', title: undefined }),
    );
    const error = await readStewardDescription(path).then(
      () => new Error('no error'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toContain(`Cannot read the steward's description ${path}`);
    expect(error.message).toContain('themes.0: must be one of AGRI');
    expect(error.message).toContain('accessRights: must be one of public, restricted, non-public');
    expect(error.message).toContain('unknown field(s) colour');
    expect(error.message).toContain('title');
  });

  it('says when the file is not JSON or absent', async () => {
    const path = join(root, 'broken.json');
    await writeFile(path, '{"title": ');
    await expect(readStewardDescription(path)).rejects.toThrow(/it is not JSON/);
    await expect(readStewardDescription(join(root, 'nope.json'))).rejects.toThrow(/cannot be read/);
  });
});
