import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vocabularyNeeds } from './_concepts.ts';
import { C_UNMAPPED_CODES } from './_hospital-c.ts';
import { WINDOW_END } from './_simulate.ts';
import { parseCsv, TempDirs } from './_test-helpers.ts';
import { generateHospital, type GenerationSummary } from './generate-hospital.ts';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

/** The parts of hospital C's mapping.json that the checks read. */
interface MappingFile {
  path: string;
  kind: string;
  id: string;
  columns: Record<string, string | { column: string; system?: string; refPrefix?: string; display?: string }>;
}
interface Mapping {
  delimiter: string;
  dateFormats: string[];
  decimalComma: boolean;
  codeMaps: string[];
  files: MappingFile[];
}

let out = '';
let summary: GenerationSummary;
let mapping: Mapping;
const tables = new Map<string, Record<string, string>[]>();
let stcm: Record<string, string>[] = [];

beforeAll(async () => {
  out = await dirs.make();
  // 2019 needs to be covered for the old CRP code; 600 patients give a few hundred CRP results then.
  summary = await generateHospital({ hospital: 'C', patients: 600, seed: 8, outDir: out });
  mapping = JSON.parse(await readFile(join(out, 'mapping.json'), 'utf8')) as Mapping;
  for (const f of mapping.files)
    tables.set(f.path, parseCsv(await readFile(join(out, f.path), 'latin1'), ';'));
  stcm = parseCsv(await readFile(join(out, 'stcm.csv'), 'utf8'), ',');
}, 60_000);

describe('hospital C', () => {
  it('writes semicolon-separated files whose columns are the ones mapping.json names', async () => {
    expect(mapping.delimiter).toBe(';');
    expect(mapping.decimalComma).toBe(true);
    for (const f of mapping.files) {
      const header = (await readFile(join(out, f.path), 'latin1')).split('\r\n')[0]?.split(';') ?? [];
      expect(header).toContain(f.id);
      for (const spec of Object.values(f.columns)) {
        const column = typeof spec === 'string' ? spec : spec.column;
        expect(header, `${f.path}: ${column}`).toContain(column);
      }
      expect(tables.get(f.path)?.length).toBe(summary.counts[f.path.replace('.csv', '')]);
    }
  });

  it('writes its CSV files in a single-byte Windows encoding, as the hospital system does', async () => {
    expect((mapping as unknown as { encoding: string }).encoding).toBe('windows-1252');
    const bytes = await readFile(join(out, 'labuitslagen.csv'));
    expect(bytes.includes(Buffer.from('proteïne', 'latin1'))).toBe(true);
    expect(bytes.includes(Buffer.from('proteïne', 'utf8'))).toBe(false);
    const descriptions = (tables.get('diagnoses.csv') ?? []).map((r) => r.omschrijving ?? '');
    expect(descriptions).toContain('Acute nierschade');
  });

  it('writes dates as dd-mm-yyyy (with HH:mm) and numbers with a decimal comma', () => {
    const dateColumns: [string, string][] = [];
    for (const f of mapping.files) {
      for (const [field, spec] of Object.entries(f.columns)) {
        if (['birthDate', 'deathDate', 'start', 'end'].includes(field))
          dateColumns.push([f.path, spec as string]);
      }
    }
    expect(dateColumns.length).toBeGreaterThan(8);
    const bad: string[] = [];
    for (const [path, column] of dateColumns) {
      for (const row of tables.get(path) ?? []) {
        const v = row[column] ?? '';
        if (v !== '' && !/^\d{2}-\d{2}-\d{4}( \d{2}:\d{2})?$/.test(v)) bad.push(`${path} ${column}: ${v}`);
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);
    // …and none lies in the future or after the data window.
    const late: string[] = [];
    for (const [path, column] of dateColumns) {
      for (const row of tables.get(path) ?? []) {
        const m = /^(\d{2})-(\d{2})-(\d{4})/.exec(row[column] ?? '');
        if (m && Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1])) > Math.min(WINDOW_END, Date.now())) {
          late.push(`${path} ${column}: ${row[column] ?? ''}`);
        }
      }
    }
    expect(late.slice(0, 10)).toEqual([]);
    const values = (tables.get('labuitslagen.csv') ?? []).map((r) => r.uitslag ?? '');
    expect(values.some((v) => v.includes(','))).toBe(true);
    expect(values.every((v) => /^\d+(,\d+)?$/.test(v))).toBe(true);
  });

  it('maps every local code in its mapping table except the documented blemishes', () => {
    const mapped = new Set(stcm.map((r) => `${r.source_vocabulary_id}|${r.source_code}`));
    const documented = new Set(C_UNMAPPED_CODES.map((u) => `${u.system}|${u.code}`));
    const unmapped = new Map<string, number>();
    let codes = 0;
    for (const f of mapping.files) {
      for (const spec of Object.values(f.columns)) {
        if (typeof spec === 'string' || spec.system === undefined || spec.system.startsWith('http')) continue;
        for (const row of tables.get(f.path) ?? []) {
          const code = row[spec.column] ?? '';
          if (code === '') continue;
          codes++;
          const key = `${spec.system}|${code}`;
          if (!mapped.has(key)) unmapped.set(key, (unmapped.get(key) ?? 0) + 1);
        }
      }
    }
    expect(codes).toBeGreaterThan(10_000);
    for (const key of unmapped.keys()) expect(documented, key).toContain(key);
    // The old CRP code is there, and rare: a blemish, not the norm.
    const oldCrp = unmapped.get('hospital-c-lab|CRP-OUD') ?? 0;
    expect(oldCrp).toBeGreaterThan(0);
    expect(oldCrp / codes).toBeLessThan(0.02);
  });

  it('maps local codes to concept ids in vocabularyNeeds, in the source_to_concept_map layout', () => {
    expect(Object.keys(stcm[0] ?? {})).toEqual([
      'source_code',
      'source_concept_id',
      'source_vocabulary_id',
      'source_code_description',
      'target_concept_id',
      'target_vocabulary_id',
      'valid_start_date',
      'valid_end_date',
      'invalid_reason',
    ]);
    const known = new Map(vocabularyNeeds.map((n) => [n.conceptId, n]));
    for (const row of stcm) {
      const target = known.get(Number(row.target_concept_id));
      expect(target, row.source_code).toBeDefined();
      expect(target?.vocabularyId).toBe(row.target_vocabulary_id);
      expect(target?.standardConcept).toBe('S');
    }
  });

  it('keeps ICU stays inside their hospital stay and deaths after birth', () => {
    const dt = (s: string): number => {
      const m = /^(\d{2})-(\d{2})-(\d{4})(?: (\d{2}):(\d{2}))?$/.exec(s);
      if (!m) return NaN;
      return Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]), Number(m[4] ?? 0), Number(m[5] ?? 0));
    };
    const visits = new Map((tables.get('opnames.csv') ?? []).map((r) => [r.opnamenummer, r]));
    const icu = tables.get('ic_opnames.csv') ?? [];
    expect(icu.length).toBeGreaterThan(20);
    for (const stay of icu) {
      const visit = visits.get(stay.opnamenummer);
      expect(visit?.soort).toBe('KLIN');
      expect(dt(stay.begin ?? '')).toBeGreaterThanOrEqual(dt(visit?.opnamedatum ?? ''));
      expect(dt(stay.einde ?? '')).toBeLessThanOrEqual(dt(visit?.ontslagdatum ?? ''));
    }
    for (const p of tables.get('patienten.csv') ?? []) {
      if (p.overlijdensdatum) expect(dt(p.overlijdensdatum)).toBeGreaterThan(dt(p.geboortedatum ?? ''));
    }
  });
});
