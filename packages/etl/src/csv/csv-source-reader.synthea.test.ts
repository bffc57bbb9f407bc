/**
 * The CSV reader on real data: the raw Synthea 3.0 CSV export in ../shared/data/dbt-synthea-seeds/synthea,
 * read through the mapping config in fixtures/synthea-csv/.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClinicalEvent, PersonEvent, ReaderOutput, SourceEvent, VisitEvent } from '../source-event.ts';
import { readCsvMappingConfig } from './csv-mapping-config.ts';
import { readCsvSource, readCsvSourceCodeMaps } from './csv-source-reader.ts';
import type { SourceToConceptMapRow } from './source-to-concept-map.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const dataDir = resolve(repoRoot, '../shared/data/dbt-synthea-seeds/synthea');
const configPath = fileURLToPath(new URL('./fixtures/synthea-csv/mapping.json', import.meta.url));

/** Data rows of a file, counted independently of the reader: non-empty lines minus the header (Synthea quotes no line breaks). */
async function countRows(file: string): Promise<number> {
  const text = await readFile(file, 'utf8');
  return text.split(/\r?\n/).filter((l) => l !== '').length - 1;
}

/** The cells of a line, for spot checks of rows whose values hold no quoted commas. */
async function lineCells(file: string, line: number): Promise<string[]> {
  const text = await readFile(join(dataDir, file), 'utf8');
  return (text.split('\n')[line - 1] ?? '').split(',');
}

let out: ReaderOutput[];
let events: SourceEvent[];
const byFile = new Map<string, ReaderOutput[]>();

beforeAll(async () => {
  if (!existsSync(join(dataDir, 'patients.csv'))) {
    throw new Error(
      `The Synthea CSV test data is missing: expected ${dataDir} (see ../shared/data/README.md)`,
    );
  }
  out = [];
  for await (const o of readCsvSource(configPath, { now: new Date('2026-01-01T00:00:00Z') })) out.push(o);
  events = out.filter((o): o is SourceEvent => o.kind !== 'invalid' && o.kind !== 'skipped');
  for (const o of out) {
    const name = basename(o.location.file);
    byFile.set(name, [...(byFile.get(name) ?? []), o]);
  }
});

describe('readCsvSource() on the Synthea CSV export', () => {
  it('turns every row of every mapped file into exactly one event or InvalidRecord', async () => {
    const config = await readCsvMappingConfig(configPath);
    for (const mapping of config.files) {
      const rows = await countRows(join(dataDir, mapping.path));
      const outputs = byFile.get(mapping.path) ?? [];
      expect(outputs.length, mapping.path).toBe(rows);
      const lines = outputs.map((o) => o.location.line);
      expect(new Set(lines).size, `${mapping.path}: one output per line`).toBe(rows);
      expect(Math.min(...(lines as number[]))).toBe(2);
      expect(Math.max(...(lines as number[]))).toBe(rows + 1);
    }
    // Known row counts from SOURCES.txt.
    expect(Object.fromEntries([...byFile].map(([f, o]) => [f, o.length]))).toEqual({
      'organizations.csv': 63,
      'patients.csv': 27,
      'encounters.csv': 604,
      'conditions.csv': 438,
      'observations.csv': 990,
      'medications.csv': 663,
      'procedures.csv': 249,
      'immunizations.csv': 29,
      'allergies.csv': 40,
    });
  });

  it('finds no invalid rows in this clean export', () => {
    expect(out.filter((o) => o.kind === 'invalid')).toEqual([]);
  });

  it('gives every record a unique sourceId, and every reference points at a record that exists', () => {
    const ids = new Set(events.map((e) => e.sourceId));
    expect(ids.size).toBe(events.length);
    const idsOf = (kind: SourceEvent['kind']) =>
      new Set(events.filter((e) => e.kind === kind).map((e) => e.sourceId));
    const persons = idsOf('person');
    const visits = idsOf('visit');
    const careSites = idsOf('careSite');
    expect(persons.size).toBe(27);
    let visitRefs = 0;
    for (const e of events) {
      if (e.kind === 'visit' || e.kind === 'clinical') expect(persons, e.sourceId).toContain(e.personRef);
      if (e.kind === 'visit' && e.careSiteRef !== undefined) expect(careSites).toContain(e.careSiteRef);
      if (e.kind === 'clinical' && e.visitRef !== undefined) {
        expect(visits, e.sourceId).toContain(e.visitRef);
        visitRefs += 1;
      }
    }
    // Only the QALY/DALY/QOLS observations have no encounter.
    expect(events.filter((e) => e.kind === 'clinical').length - visitRefs).toBe(75);
  });

  it('parses dates as the file states them', async () => {
    const patient = (byFile.get('patients.csv') ?? []).find((o) => o.location.line === 2) as PersonEvent;
    const [, birth] = await lineCells('patients.csv', 2);
    expect(patient.birthDate).toBe(birth);
    expect(patient.birthDate).toBe('2014-10-06');

    const dead = events.filter((e): e is PersonEvent => e.kind === 'person' && e.deathDate !== undefined);
    expect(dead.map((p) => p.deathDate).sort()).toEqual(['1976-07-25', '2004-03-21']);

    for (const line of [2, 100, 439]) {
      const condition = (byFile.get('conditions.csv') ?? []).find(
        (o) => o.location.line === line,
      ) as ClinicalEvent;
      const [start, stop, patientId] = await lineCells('conditions.csv', line);
      expect(condition.start).toBe(start);
      expect(condition.end).toBe(stop === '' ? undefined : stop);
      expect(condition.personRef).toBe(`Patient/${patientId}`);
    }

    const encounter = (byFile.get('encounters.csv') ?? []).find((o) => o.location.line === 2) as VisitEvent;
    expect(encounter).toMatchObject({ start: '2023-01-27T16:17:47Z', end: '2023-01-27T16:32:47Z' });
    expect(encounter.visitClass.codings[0]).toEqual({
      system: 'synthea-encounter-class',
      code: 'ambulatory',
    });
  });

  it('reads numeric and text observation values and allergy code systems per row', async () => {
    const observations = (byFile.get('observations.csv') ?? []) as ClinicalEvent[];
    const height = observations.find((o) => o.location.line === 2);
    expect(height?.value).toEqual({
      number: 127.9,
      unit: { system: 'http://unitsofmeasure.org', code: 'cm' },
    });
    const cells = await lineCells('observations.csv', 2);
    expect(String(height?.value?.number)).toBe(cells[6]);
    const numeric = observations.filter((o) => o.value?.number !== undefined).length;
    const text = observations.filter((o) => o.value?.text !== undefined).length;
    expect(numeric + text).toBe(990);
    const allergies = (byFile.get('allergies.csv') ?? []) as ClinicalEvent[];
    const systems = allergies.map((a) => a.concept.codings[0]?.system);
    expect(systems.filter((s) => s === 'http://snomed.info/sct')).toHaveLength(37);
    expect(systems.filter((s) => s === 'http://www.nlm.nih.gov/research/umls/rxnorm')).toHaveLength(3);
  });

  it('ships code maps that cover every local code the export uses', async () => {
    const maps: SourceToConceptMapRow[] = [];
    for await (const row of readCsvSourceCodeMaps(configPath)) {
      expect(row.kind).toBe('sourceToConceptMap');
      if (row.kind === 'sourceToConceptMap') maps.push(row);
    }
    const mapped = new Set(maps.map((m) => `${m.sourceVocabularyId}|${m.sourceCode}`));
    const local = new Set<string>();
    for (const e of events) {
      const concepts =
        e.kind === 'visit' ? [e.visitClass] : e.kind === 'person' ? [e.gender, e.race, e.ethnicity] : [];
      for (const c of concepts) {
        for (const coding of c?.codings ?? []) {
          if (coding.system.startsWith('synthea-')) local.add(`${coding.system}|${coding.code}`);
        }
      }
    }
    expect([...local].filter((l) => !mapped.has(l))).toEqual([]);
    expect(local.size).toBeGreaterThan(10);
  });
});
