import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ReaderOutput, VisitEvent } from '../source-event.ts';
import { readFhirNdjson } from './read-fhir-ndjson.ts';
import { readFhirSource, readFhirSourceBatches } from './read-fhir-source.ts';
import { collect, recordIdOf, sharedData } from './_test-support.ts';

function countBy(outputs: readonly ReaderOutput[], key: (o: ReaderOutput) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outputs) counts[key(o)] = (counts[key(o)] ?? 0) + 1;
  return counts;
}

describe('readFhirSource()', () => {
  it('reads a directory of NDJSON files as one source, leaving out the export log', async () => {
    const outputs = await collect(readFhirSource(sharedData('synthea-bulk-ndjson/10-patients')));
    expect(countBy(outputs, (o) => `${o.kind} ${o.resourceType ?? '?'}`)).toEqual({
      'careSite Organization': 43,
      'clinical AllergyIntolerance': 11,
      'clinical Condition': 555,
      'clinical Immunization': 161,
      'clinical MedicationRequest': 1745,
      'clinical Procedure': 2056,
      'person Patient': 13,
      'visit Encounter': 1215,
      'skipped Device': 16,
      'skipped DocumentReference': 1215,
      'skipped Location': 44,
      'skipped Practitioner': 43,
      'skipped PractitionerRole': 43,
    });
    // Synthea's bulk export names care sites by conditional reference ("Organization?identifier=…|id"):
    // the Organization file is read first, so every encounter finds its care site.
    const careSites = new Set(outputs.filter((o) => o.kind === 'careSite').map((o) => recordIdOf(o)));
    const visits = outputs.filter((o): o is VisitEvent => o.kind === 'visit');
    expect(visits.every((v) => v.careSiteRef !== undefined && careSites.has(v.careSiteRef))).toBe(true);
  });

  it('yields the same outputs in batches', async () => {
    const folder = sharedData('synthea-bulk-ndjson/10-patients');
    const batches: ReaderOutput[][] = [];
    for await (const batch of readFhirSourceBatches(folder, { chunkSize: 256 * 1024 })) batches.push(batch);
    expect(batches.length).toBeGreaterThan(13);
    expect(batches.flat()).toEqual(await collect(readFhirSource(folder)));
  });

  it('reads a directory of Bundles, each on its own', async () => {
    const outputs = await collect(readFhirSource(join(sharedData('synthea-r4-bundles'), 'bundles')));
    expect(new Set(outputs.map((o) => o.location.file)).size).toBe(44);
    expect(new Set(outputs.map((o) => `${o.location.file}#${o.location.entry}`)).size).toBe(11_718);
  });

  it('reads the official HL7 R4 examples (single resources, not Bundles)', async () => {
    const folder = sharedData('hl7-fhir-r4-examples');
    const [patient] = await collect(readFhirSource(join(folder, 'patient-example.json')));
    expect(patient).toMatchObject({
      kind: 'person',
      sourceId: 'Patient/example',
      birthDate: '1974-12-25',
      gender: { codings: [{ code: 'male' }] },
      careSiteRef: 'Organization/1',
    });
    expect(patient?.kind === 'person' && patient.deathDate).toBe(undefined);
    const [observation] = await collect(readFhirSource(join(folder, 'observation-example.json')));
    expect(observation).toMatchObject({
      kind: 'clinical',
      sourceId: 'Observation/example',
      personRef: 'Patient/example',
      visitRef: 'Encounter/example',
      domainHint: 'measurement',
      start: '2016-03-28',
      value: { number: 185, unit: { system: 'http://unitsofmeasure.org', code: '[lb_av]', display: 'lbs' } },
    });
    expect(observation?.kind === 'clinical' && observation.concept.codings.map((c) => c.code)).toEqual([
      '29463-7',
      '3141-9',
      '27113001',
      'body-weight',
    ]);
    // The report's results are separate Observation resources (not in this file): nothing inline to load.
    expect(await collect(readFhirSource(join(folder, 'diagnosticreport-example.json')))).toMatchObject([
      { kind: 'skipped', resourceType: 'DiagnosticReport', recordId: 'DiagnosticReport/3' },
    ]);
    expect(await collect(readFhirSource(join(folder, 'conceptmap-example.json')))).toMatchObject([
      {
        kind: 'skipped',
        resourceType: 'ConceptMap',
        reason: 'ConceptMap has no OMOP target in Polder; it is counted, not loaded',
      },
    ]);
  });

  it('reads gzip-compressed NDJSON and Bundles like plain ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polder-fhir-gz-'));
    try {
      const ndjson = join(sharedData('synthea-bulk-ndjson/10-patients'), 'Condition.000.ndjson');
      const bundle = join(
        sharedData('synthea-r4-bundles'),
        'bundles',
        'Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json',
      );
      await writeFile(join(dir, 'Condition.000.ndjson.gz'), gzipSync(await readFile(ndjson)));
      await writeFile(join(dir, 'Abdul.json.gz'), gzipSync(await readFile(bundle)));
      const plain = [...(await collect(readFhirSource(ndjson))), ...(await collect(readFhirSource(bundle)))];
      const zipped = await collect(readFhirSource(dir, { chunkSize: 4096 }));
      const strip = (o: ReaderOutput): unknown => ({ ...o, location: { ...o.location, file: '' } });
      expect(zipped.map(strip)).toEqual(plain.map(strip));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a cut-off gzip file up to the cut, then says where it broke', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polder-fhir-gz-'));
    try {
      const ndjson = join(sharedData('synthea-bulk-ndjson/10-patients'), 'Condition.000.ndjson');
      const zipped = gzipSync(await readFile(ndjson));
      const path = join(dir, 'Condition.000.ndjson.gz');
      await writeFile(path, zipped.subarray(0, Math.floor(zipped.length / 2)));
      const outputs = await collect(readFhirSource(path, { chunkSize: 8192 }));
      const last = outputs.at(-1);
      const readLines = outputs.length - 1;
      expect(readLines).toBeGreaterThan(100);
      expect(last).toMatchObject({
        kind: 'invalid',
        location: { file: path, line: readLines + 1 },
        reason: `Cannot read Condition.000.ndjson.gz beyond line ${readLines}: unexpected end of file (the compressed file is damaged or truncated)`,
      });
      const plain = await collect(readFhirSource(ndjson));
      expect(outputs.slice(0, -1).map((o) => recordIdOf(o))).toEqual(
        plain.slice(0, readLines).map((o) => recordIdOf(o)),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads subdirectories and leaves out a Bulk Data export manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polder-fhir-tree-'));
    try {
      const bundle = join(
        sharedData('synthea-r4-bundles'),
        'bundles',
        'Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json',
      );
      await mkdir(join(dir, 'bundles'));
      await writeFile(join(dir, 'bundles', 'abdul.json'), await readFile(bundle));
      const manifest = {
        transactionTime: '2026-01-01T00:00:00Z',
        request: 'x/$export',
        output: [{ type: 'Patient', url: 'Patient.000.ndjson' }],
      };
      await writeFile(join(dir, 'export.json'), JSON.stringify(manifest, null, 2));
      await writeFile(
        join(dir, 'Patient.000.ndjson'),
        '{"resourceType":"Patient","id":"p","birthDate":"1990"}\n',
      );
      const outputs = await collect(readFhirSource(dir));
      expect(outputs[0]).toMatchObject({ kind: 'person', sourceId: 'Patient/p' });
      expect(outputs.slice(1)).toEqual(await collect(readFhirSource(join(dir, 'bundles', 'abdul.json'))));
      expect(await collect(readFhirSource(join(dir, 'export.json')))).toEqual([]);
      await mkdir(join(dir, 'empty'));
      await expect(collect(readFhirSource(join(dir, 'empty')))).rejects.toThrow(
        `Cannot read FHIR source ${join(dir, 'empty')}: the directory holds no .ndjson or .json files`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says which path it cannot read', async () => {
    await expect(collect(readFhirSource('/nonexistent/fhir'))).rejects.toThrow(
      /^Cannot read FHIR source \/nonexistent\/fhir: ENOENT/,
    );
    await expect(collect(readFhirNdjson('/nonexistent/Patient.ndjson'))).rejects.toThrow(
      /^Cannot read \/nonexistent\/Patient\.ndjson: ENOENT/,
    );
  });
});
