import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFhirSource } from '../fhir/read-fhir-source.ts';
import { createTestStation, type TestStation } from './_test-station.ts';
import type { IngestReport } from './ingest-report.ts';
import { ingest } from './ingest.ts';

const data = resolve(import.meta.dirname, '../../../../../shared/data');
const bundles = join(data, 'synthea-r4-bundles/bundles');
const ndjson = join(data, 'synthea-bulk-ndjson/10-patients');
const loadedTypes = [
  'Patient',
  'Encounter',
  'Condition',
  'Observation',
  'MedicationRequest',
  'Immunization',
  'Procedure',
];

function requireData(path: string): string {
  if (!existsSync(path))
    throw new Error(`Cannot run the FHIR ingest tests: ${path} is missing (see ../shared/data/README.md)`);
  return path;
}

/** Records of a type that ended in a CDM table, in quarantine, or were skipped by the reader. */
async function accountedFor(station: TestStation, report: IngestReport, type: string): Promise<number> {
  const [row] = await station.rows(`
    SELECT count(*) AS n FROM (
      SELECT record_id FROM polder.source_record WHERE resource_type = '${type}'
      UNION SELECT record_id FROM polder.quarantine WHERE resource_type = '${type}'
    )`);
  return Number(row?.['n']) + (report.skipped[type] ?? 0);
}

async function cdmCounts(station: TestStation): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of [
    'person',
    'death',
    'care_site',
    'visit_occurrence',
    'visit_detail',
    'condition_occurrence',
    'drug_exposure',
    'procedure_occurrence',
    'device_exposure',
    'measurement',
    'observation',
    'observation_period',
  ]) {
    counts[table] = await station.count(`cdm.${table}`);
  }
  counts['quarantine'] = await station.count('polder.quarantine');
  counts['source_record'] = await station.count('polder.source_record');
  return counts;
}

describe('ingest() of the 44 Synthea R4 Bundles', () => {
  let station: TestStation;
  let report: IngestReport;
  beforeAll(async () => {
    station = await createTestStation();
    report = await ingest(station.connection, {
      name: 'synthea',
      inputs: [readFhirSource(requireData(bundles))],
    });
  });
  afterAll(() => station.close());

  it('accounts for every resource of the loaded types: in a CDM table or in quarantine (manifest.json)', async () => {
    const manifest = JSON.parse(readFileSync(join(bundles, '../manifest.json'), 'utf8')) as {
      types: Record<string, number>;
    }[];
    for (const type of loadedTypes) {
      const expected = manifest.reduce((sum, file) => sum + (file.types[type] ?? 0), 0);
      expect({ type, count: await accountedFor(station, report, type) }).toEqual({ type, count: expected });
    }
  });

  it('changes no row count when ingested a second time', async () => {
    const before = await cdmCounts(station);
    const again = await ingest(station.connection, { name: 'synthea', inputs: [readFhirSource(bundles)] });
    expect(await cdmCounts(station)).toEqual(before);
    expect(again.tables.reduce((sum, t) => sum + t.inserted + t.updated, 0)).toBe(0);
  });
});

describe('ingest() of the Synthea Bulk NDJSON export', () => {
  it('accounts for every resource of the loaded types (line counts of the files)', async () => {
    const station = await createTestStation();
    try {
      const report = await ingest(station.connection, {
        name: 'bulk',
        inputs: [readFhirSource(requireData(ndjson))],
      });
      for (const type of loadedTypes) {
        const file = join(ndjson, `${type}.000.ndjson`);
        if (!existsSync(file)) continue;
        const lines = readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '').length;
        expect({ type, count: await accountedFor(station, report, type) }).toEqual({ type, count: lines });
      }
      expect(await station.count('cdm.person')).toBe(13);
    } finally {
      station.close();
    }
  });
});

describe('ingest() of a damaged NDJSON export', () => {
  it('quarantines a truncated line and a dangling patient reference while the rest loads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polder-load-test-'));
    const station = await createTestStation();
    try {
      const condition = (id: string, patient: string): string =>
        JSON.stringify({
          resourceType: 'Condition',
          id,
          subject: { reference: `Patient/${patient}` },
          code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] },
          onsetDateTime: '2020-01-01',
        });
      // Conditions first in the directory listing does not matter: the loader merges persons first.
      writeFileSync(
        join(dir, 'Condition.000.ndjson'),
        [condition('c1', 'p1'), condition('c2', 'ghost'), condition('c3', 'p2').slice(0, 40)].join('\n'),
      );
      writeFileSync(
        join(dir, 'Patient.000.ndjson'),
        [
          JSON.stringify({ resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1970-01-01' }),
          JSON.stringify({ resourceType: 'Patient', id: 'p2', gender: 'male', birthDate: '1980-01-01' }),
        ].join('\n'),
      );
      const report = await ingest(station.connection, { name: 'damaged', inputs: [readFhirSource(dir)] });
      expect(await station.count('cdm.person')).toBe(2);
      expect(await station.count('cdm.condition_occurrence')).toBe(1);
      const quarantine = await station.rows(
        'SELECT line, record_id, reason, raw FROM polder.quarantine ORDER BY line',
      );
      expect(quarantine).toHaveLength(2);
      expect(quarantine[0]).toMatchObject({
        line: 2,
        record_id: 'Condition/c2',
        reason: 'references patient Patient/ghost, which is not in the station',
      });
      expect(quarantine[1]).toMatchObject({ line: 3, raw: condition('c3', 'p2').slice(0, 40) });
      expect(report.quarantined).toBe(2);
    } finally {
      station.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
