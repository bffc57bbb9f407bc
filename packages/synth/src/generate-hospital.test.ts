import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateHospital, patientsForRecords, RECORDS_PER_PATIENT } from './generate-hospital.ts';
import { TempDirs, readTree } from './_test-helpers.ts';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

describe('generateHospital()', () => {
  for (const hospital of ['A', 'B', 'C'] as const) {
    it(`writes byte-identical output for the same seed (hospital ${hospital})`, async () => {
      const one = await dirs.make();
      const two = await dirs.make();
      const three = await dirs.make();
      await generateHospital({ hospital, patients: 40, seed: 11, outDir: one });
      await generateHospital({ hospital, patients: 40, seed: 11, outDir: two });
      await generateHospital({ hospital, patients: 40, seed: 12, outDir: three });
      const a = await readTree(one);
      const b = await readTree(two);
      const c = await readTree(three);
      expect([...a.keys()]).toEqual([...b.keys()]);
      for (const [path, bytes] of a) expect(bytes.equals(b.get(path) ?? Buffer.alloc(0)), path).toBe(true);
      const differs = [...a].some(([path, bytes]) => !bytes.equals(c.get(path) ?? Buffer.alloc(0)));
      expect(differs || a.size !== c.size).toBe(true);
    });
  }

  it('reports counts that match the NDJSON files and the bulk manifest (hospital B)', async () => {
    const out = await dirs.make();
    const progress: number[] = [];
    const summary = await generateHospital({
      hospital: 'B',
      patients: 60,
      seed: 3,
      outDir: out,
      onProgress: (done, total) => {
        expect(total).toBe(60);
        progress.push(done);
      },
    });
    expect(progress).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(summary.counts.Patient).toBe(60);
    const manifest = JSON.parse(await readFile(join(out, 'export.json'), 'utf8')) as {
      output: { type: string; url: string; count: number }[];
    };
    let total = 0;
    for (const o of manifest.output) {
      expect(o.url).toMatch(new RegExp(`^${o.type}\\.\\d{3}\\.ndjson$`));
      const lines = (await readFile(join(out, o.url), 'utf8')).split('\n').filter((l) => l !== '');
      expect(lines.length).toBe(o.count);
      for (const l of lines) expect((JSON.parse(l) as { resourceType: string }).resourceType).toBe(o.type);
      total += o.count;
    }
    expect(total).toBe(summary.totalRecords);
  });

  it('writes one transaction Bundle per patient (hospital A)', async () => {
    const out = await dirs.make();
    const summary = await generateHospital({ hospital: 'A', patients: 25, seed: 5, outDir: out });
    expect(summary.ingestPath).toBe(join(out, 'bundles'));
    const tree = await readTree(join(out, 'bundles'));
    expect(tree.size).toBe(25);
    let entries = 0;
    for (const bytes of tree.values()) {
      const bundle = JSON.parse(bytes.toString('utf8')) as {
        resourceType: string;
        type: string;
        entry: unknown[];
      };
      expect(bundle.resourceType).toBe('Bundle');
      expect(bundle.type).toBe('transaction');
      entries += bundle.entry.length;
    }
    expect(entries).toBe(summary.totalRecords);
  });

  it('rejects a bad hospital, patient count or seed with a clear message', async () => {
    const out = await dirs.make();
    await expect(generateHospital({ hospital: 'D' as 'A', patients: 1, outDir: out })).rejects.toThrow(
      /choose A, B or C/,
    );
    await expect(generateHospital({ hospital: 'A', patients: -1, outDir: out })).rejects.toThrow(
      /non-negative integer/,
    );
    await expect(generateHospital({ hospital: 'A', patients: 1, seed: 0.5, outDir: out })).rejects.toThrow(
      /seed/,
    );
  });

  for (const [hospital, tolerance] of [
    ['A', 0.2],
    ['B', 0.15],
    ['C', 0.15],
  ] as const) {
    it(`maps the number of patients predictably to the number of records (hospital ${hospital})`, async () => {
      const summary = await generateHospital({
        hospital,
        patients: 600,
        seed: 21,
        outDir: await dirs.make(),
      });
      const expected = RECORDS_PER_PATIENT[hospital] * 600;
      expect(Math.abs(summary.totalRecords - expected) / expected).toBeLessThan(tolerance);
    });
  }

  it('patientsForRecords() asks for enough patients to reach the number of records', async () => {
    for (const seed of [1, 2, 3]) {
      const patients = patientsForRecords('B', 30_000);
      const summary = await generateHospital({ hospital: 'B', patients, seed, outDir: await dirs.make() });
      expect(summary.totalRecords).toBeGreaterThanOrEqual(30_000);
      expect(summary.totalRecords).toBeLessThan(30_000 * 1.2);
    }
  });
});
