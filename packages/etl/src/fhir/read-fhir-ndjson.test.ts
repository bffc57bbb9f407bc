import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvalidRecord, ReaderOutput } from '../source-event.ts';
import { readFhirNdjson } from './read-fhir-ndjson.ts';
import { collect, recordIdOf, sharedData } from './_test-support.ts';

/** Per file: every non-blank line is one record, seen once by line number and once by recordId. */
async function expectReconciled(path: string, outputs: readonly ReaderOutput[]): Promise<void> {
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const lineNumbers = new Set(outputs.map((o) => o.location.line));
  const recordIds = new Set(outputs.map((o) => recordIdOf(o)));
  expect(lineNumbers.size, path).toBe(lines.length);
  expect(recordIds.size, path).toBe(lines.length);
  expect(recordIds.has(undefined), path).toBe(false);
  const type = path.split('/').at(-1)?.split('.')[0];
  expect(outputs.every((o) => o.resourceType === type)).toBe(true);
}

describe('readFhirNdjson() on Synthea Bulk Data exports', () => {
  it('reads every file of the 10-patient export with exact reconciliation against its lines', async () => {
    const folder = sharedData('synthea-bulk-ndjson/10-patients');
    const files = (await readdir(folder)).filter((f) => f.endsWith('.ndjson') && f !== 'log.ndjson');
    expect(files).toHaveLength(13);
    for (const file of files) {
      const outputs = await collect(readFhirNdjson(join(folder, file)));
      await expectReconciled(join(folder, file), outputs);
      const invalid = outputs.filter((o): o is InvalidRecord => o.kind === 'invalid');
      expect(
        invalid.map((o) => `${o.location.line}: ${o.reason}`),
        file,
      ).toEqual([]);
    }
  });

  it('reads the 1,144 Patients of the 1000-patient export', async () => {
    const path = join(sharedData('synthea-bulk-ndjson/1000-patients-Patient-only'), 'Patient.000.ndjson');
    const outputs = await collect(readFhirNdjson(path, { chunkSize: 64 * 1024 }));
    await expectReconciled(path, outputs);
    expect(outputs.filter((o) => o.kind === 'person')).toHaveLength(1144);
    expect(outputs.filter((o) => o.kind === 'person' && o.deathDate !== undefined).length).toBeGreaterThan(0);
  });
});

describe('readFhirNdjson() on bad input', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'polder-fhir-ndjson-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const patient = (id: string, birthDate: string): string =>
    JSON.stringify({ resourceType: 'Patient', id, gender: 'female', birthDate });
  const observation = (id: string, extra: object): string =>
    JSON.stringify({
      resourceType: 'Observation',
      id,
      status: 'final',
      category: [{ coding: [{ code: 'laboratory' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] },
      subject: { reference: 'Patient/a' },
      effectiveDateTime: '2021-03-04T08:00:00+01:00',
      ...extra,
    });

  it('turns each bad line into an InvalidRecord naming file and line, and reads the rest', async () => {
    const path = join(dir, 'Mixed.000.ndjson');
    await writeFile(
      path,
      [
        patient('a', '1960-07-01'),
        patient('b', '2199-01-01'),
        patient('c', '1960-02-30'),
        JSON.stringify({ resourceType: 'Patient', id: 'd', gender: 'male' }),
        '',
        observation('o1', { valueQuantity: { value: '5.4', unit: 'mmol/L' } }),
        observation('o2', {
          valueQuantity: { value: 5.4, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
        }),
        observation('o3', {
          code: { coding: [{ system: 'urn:local:lab', code: 'GLU' }] },
          valueString: 'high',
        }),
        observation('o4', { effectiveDateTime: undefined }),
        JSON.stringify({
          resourceType: 'Condition',
          id: 'c1',
          code: { text: 'x' },
          onsetDateTime: '2020-01-01',
        }),
        JSON.stringify({ resourceType: 'Condition', code: { text: 'x' } }),
        '{"resourceType":"Observation","id":"cut","status":"final","code":{"cod',
      ].join('\n'),
    );
    const outputs = await collect(readFhirNdjson(path));
    const rows = outputs.map((o) => [
      o.location.line,
      o.kind,
      o.kind === 'invalid' ? o.reason : recordIdOf(o),
    ]);
    expect(rows).toEqual([
      [1, 'person', 'Patient/a'],
      [2, 'invalid', 'Patient.birthDate 2199-01-01 lies in the future'],
      [3, 'invalid', 'Patient.birthDate "1960-02-30" is not a valid FHIR date or dateTime'],
      [4, 'invalid', 'Patient.birthDate is missing: OMOP person.year_of_birth is required'],
      [6, 'invalid', 'Observation.valueQuantity.value must be a number, got string "5.4"'],
      [7, 'clinical', 'Observation/o2'],
      [8, 'clinical', 'Observation/o3'],
      [
        9,
        'invalid',
        'Observation has no effective time (effectiveDateTime, effectivePeriod.start or effectiveInstant)',
      ],
      [10, 'invalid', 'Condition.subject is missing: the record cannot be linked to a person'],
      [11, 'invalid', 'Condition has no id; without one the record cannot be loaded or updated later'],
      [
        12,
        'invalid',
        expect.stringMatching(
          /^Cannot parse line 12 of Mixed\.000\.ndjson: (Unexpected end of JSON input|Unterminated string)/,
        ),
      ],
    ]);
    expect(outputs.every((o) => o.location.file === path)).toBe(true);
    expect(outputs[1]).toMatchObject({
      resourceType: 'Patient',
      recordId: 'Patient/b',
      raw: patient('b', '2199-01-01'),
    });
    expect(outputs.at(-1)).toMatchObject({ resourceType: 'Observation', recordId: 'Observation/cut' });
    expect(outputs[5]).toMatchObject({
      domainHint: 'measurement',
      status: 'laboratory',
      value: {
        number: 5.4,
        unit: { system: 'http://unitsofmeasure.org', code: 'mmol/L', display: 'mmol/L' },
      },
    });
    // Unknown code system: an event with that system (the loader reports it unmapped), not an invalid record.
    expect(outputs[6]).toMatchObject({
      concept: { codings: [{ system: 'urn:local:lab', code: 'GLU' }] },
      value: { text: 'high' },
      domainHint: 'observation',
    });
  });

  it('honours the date bounds it is given (date-shifted sources)', async () => {
    const path = join(dir, 'Patient.shifted.ndjson');
    await writeFile(path, `${patient('m', '2150-03-01')}\n${patient('old', '1899-12-31')}\n`);
    const outputs = await collect(readFhirNdjson(path, { now: new Date('2200-01-01'), earliestYear: 1850 }));
    expect(outputs.map((o) => o.kind)).toEqual(['person', 'person']);
    const strict = await collect(readFhirNdjson(path));
    expect(strict.map((o) => (o.kind === 'invalid' ? o.reason : o.kind))).toEqual([
      'Patient.birthDate 2150-03-01 lies in the future',
      'Patient.birthDate 1899-12-31 lies before 1900',
    ]);
  });

  it('handles CRLF line ends, a byte-order mark and lines longer than a chunk', async () => {
    const path = join(dir, 'Patient.crlf.ndjson');
    const long = JSON.stringify({
      resourceType: 'Patient',
      id: 'long',
      birthDate: '1990',
      text: { div: 'x'.repeat(50_000) },
    });
    await writeFile(path, `\uFEFF${patient('a', '1960')}\r\n${long}\r\n${patient('b', '1961')}\r\n`);
    const outputs = await collect(readFhirNdjson(path, { chunkSize: 1000 }));
    expect(outputs.map((o) => [o.kind, o.location.line, recordIdOf(o)])).toEqual([
      ['person', 1, 'Patient/a'],
      ['person', 2, 'Patient/long'],
      ['person', 3, 'Patient/b'],
    ]);
  });
});
