import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClinicalEvent, InvalidRecord, ReaderOutput, SourceEvent } from '../source-event.ts';
import type { FhirSkippedRecord } from './fhir-reader-options.ts';
import { readFhirBundle } from './read-fhir-bundle.ts';
import { collect, recordIdOf, sharedData } from './_test-support.ts';

interface ManifestEntry {
  readonly file: string;
  readonly entries: number;
  readonly types: Readonly<Record<string, number>>;
}

const isEvent = (o: ReaderOutput): o is SourceEvent => o.kind !== 'invalid' && o.kind !== 'skipped';

describe('readFhirBundle() on the 44 Synthea R4 bundles', () => {
  const folder = sharedData('synthea-r4-bundles');

  it('accounts for every resource of every bundle, per type, exactly as the manifest counts them', async () => {
    const manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as ManifestEntry[];
    expect(manifest).toHaveLength(44);
    for (const bundle of manifest) {
      const outputs = await collect(readFhirBundle(join(folder, 'bundles', bundle.file)));
      const idsByType = new Map<string, Set<string>>();
      for (const o of outputs) {
        const id = recordIdOf(o);
        expect(
          id,
          `${bundle.file}: output without recordId ${JSON.stringify(o).slice(0, 200)}`,
        ).toBeDefined();
        const type = o.resourceType ?? '?';
        if (!idsByType.has(type)) idsByType.set(type, new Set());
        idsByType.get(type)?.add(id ?? '');
      }
      const counts = Object.fromEntries([...idsByType].map(([type, ids]) => [type, ids.size]));
      expect(counts, bundle.file).toEqual(bundle.types);
      const invalid = outputs.filter((o): o is InvalidRecord => o.kind === 'invalid');
      expect(
        invalid.map((o) => o.reason),
        bundle.file,
      ).toEqual([]);
      expect(outputs.every((o) => o.location.entry !== undefined && o.location.line !== undefined)).toBe(
        true,
      );
    }
  });

  it('resolves urn:uuid references to the Type/id of the bundled resources', async () => {
    const manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as ManifestEntry[];
    for (const bundle of manifest.slice(0, 12)) {
      const events = (await collect(readFhirBundle(join(folder, 'bundles', bundle.file)))).filter(isEvent);
      const ids = new Set(events.map((e) => e.sourceId));
      const patient = events.find((e) => e.kind === 'person');
      expect(patient?.sourceId).toMatch(/^Patient\/[0-9a-f-]{36}$/);
      for (const e of events) {
        if (e.kind === 'clinical' || e.kind === 'visit' || e.kind === 'visitDetail') {
          expect(e.personRef).toBe(patient?.sourceId);
        }
        if (e.kind === 'clinical' && e.visitRef !== undefined)
          expect(ids.has(e.visitRef), e.visitRef).toBe(true);
        if (e.kind === 'visit' && e.careSiteRef !== undefined)
          expect(ids.has(e.careSiteRef), e.careSiteRef).toBe(true);
      }
    }
  });

  it('yields the same outputs whatever the chunk size', async () => {
    const manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as ManifestEntry[];
    for (const bundle of manifest.slice(0, 3)) {
      const path = join(folder, 'bundles', bundle.file);
      const whole = await collect(readFhirBundle(path));
      expect(await collect(readFhirBundle(path, { chunkSize: 997 })), bundle.file).toEqual(whole);
    }
  });

  it('maps Synthea resources to the expected events', async () => {
    const outputs = await collect(
      readFhirBundle(join(folder, 'bundles', 'Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json')),
    );
    const person = outputs.find((o) => o.kind === 'person');
    expect(person).toMatchObject({
      sourceId: 'Patient/018f428e-34f6-4707-8009-5ad742f901e7',
      gender: { codings: [{ system: 'http://hl7.org/fhir/administrative-gender', code: 'male' }] },
      race: { codings: [{ code: '2106-3' }], text: 'White' },
      ethnicity: { codings: [{ code: '2186-5' }] },
      location: { entry: 0, line: 5 },
    });
    const components = outputs.filter((o) => o.kind === 'clinical' && o.sourceId.includes('#component-'));
    expect(components.length).toBeGreaterThan(0);
    const bp = components[0] as ClinicalEvent;
    expect(bp.sourceId).toBe(`${bp.recordId}#component-0`);
    expect(bp).toMatchObject({ domainHint: 'measurement', value: { unit: { code: 'mm[Hg]' } } });
    const lab = outputs.find(
      (o): o is ClinicalEvent =>
        o.kind === 'clinical' && o.resourceType === 'Observation' && o.status === 'laboratory',
    );
    expect(lab?.value?.number).toBeTypeOf('number');
    const skipped = outputs.find(
      (o): o is FhirSkippedRecord => o.kind === 'skipped' && o.resourceType === 'Claim',
    );
    expect(skipped?.reason).toMatch(/Claim has no OMOP target/);
  });
});

describe('readFhirBundle() on bad input', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'polder-fhir-bundle-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a truncated bundle up to the cut, then reports the entry and line where it broke', async () => {
    const source = join(
      sharedData('synthea-r4-bundles'),
      'bundles',
      'Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json',
    );
    const text = await readFile(source, 'utf8');
    const path = join(dir, 'cut.json');
    await writeFile(path, text.slice(0, Math.floor(text.length * 0.6)));
    const whole = await collect(readFhirBundle(source));
    const cut = await collect(readFhirBundle(path, { chunkSize: 4096 }));
    const last = cut.at(-1) as InvalidRecord;
    expect(last.kind).toBe('invalid');
    const brokenEntry = last.location.entry ?? -1;
    expect(brokenEntry).toBeGreaterThan(50);
    expect(last.reason).toBe(
      `cut.json is truncated: entry ${brokenEntry} (from line ${last.location.line}) is cut off; the ${brokenEntry} entries before it were read`,
    );
    const before = whole.filter((o) => (o.location.entry ?? 0) < brokenEntry);
    expect(cut.slice(0, -1)).toEqual(before.map((o) => ({ ...o, location: { ...o.location, file: path } })));
    const brokenInWhole = whole.find((o) => o.location.entry === brokenEntry);
    expect(last.location.line).toBe(brokenInWhole?.location.line);
    expect(last.recordId).toBe(brokenInWhole === undefined ? undefined : recordIdOf(brokenInWhole));
    expect(text.startsWith(last.raw.trimEnd().slice(0, 20), text.indexOf(last.raw.slice(0, 40)))).toBe(true);
  });

  it('reports unparsable, incomplete and invalid entries by index and line while reading the rest', async () => {
    const bundle = [
      '{ "resourceType": "Bundle", "type": "collection", "entry": [',
      '  { "fullUrl": "urn:uuid:p1", "resource": { "resourceType": "Patient", "id": "p1", "birthDate": "1970-02-03" } },',
      '  { "resource": { "resourceType": "Patient", "id": "p2", "birthDate": 1970-01-01 } },',
      '  { "resource": { "resourceType": "Patient", "id": "p3", "birthDate": "2199-01-01" } },',
      '  { "resource": { "resourceType": "Condition", "id": "c1", "subject": { "reference": "urn:uuid:p1" } } },',
      '  { "request": { "method": "POST", "url": "Patient" } },',
      '  { "resource": { "resourceType": "Observation", "id": "o1", "status": "final",',
      '      "code": { "coding": [{ "system": "http://example.org/unknown", "code": "x-1" }] },',
      '      "subject": { "reference": "urn:uuid:p1" }, "effectiveDateTime": "2020-01-01",',
      '      "valueQuantity": { "value": "5.4", "unit": "mmol/L" } } },',
      '  { "resource": { "resourceType": "Observation", "id": "o2", "status": "final",',
      '      "code": { "coding": [{ "system": "http://example.org/unknown", "code": "x-1" }] },',
      '      "subject": { "reference": "urn:uuid:p1" }, "effectiveDateTime": "2020-01-01" } }',
      ']}',
    ].join('\n');
    const path = join(dir, 'bad.json');
    await writeFile(path, bundle);
    const outputs = await collect(readFhirBundle(path));
    const summary = outputs.map((o) => [
      o.kind,
      o.location.entry,
      o.location.line,
      o.kind === 'invalid' ? o.reason : '',
    ]);
    expect(summary).toEqual([
      ['person', 0, 2, ''],
      ['invalid', 1, 3, expect.stringMatching(/^Cannot parse entry 1 \(line 3\) of bad\.json: /)],
      ['invalid', 2, 4, 'Patient.birthDate 2199-01-01 lies in the future'],
      ['invalid', 3, 5, 'Condition.code is missing (no coding and no text)'],
      ['invalid', 4, 6, 'Entry 4 (line 6) of bad.json has no resource'],
      ['invalid', 5, 7, 'Observation.valueQuantity.value must be a number, got string "5.4"'],
      ['clinical', 6, 11, ''],
    ]);
    expect(outputs[1]).toMatchObject({
      resourceType: 'Patient',
      recordId: 'Patient/p2',
      raw: expect.stringContaining('"p2"'),
    });
    // An unknown code system is the loader's business (concept 0), not an error.
    expect(outputs[6]).toMatchObject({
      concept: { codings: [{ system: 'http://example.org/unknown', code: 'x-1' }] },
      personRef: 'Patient/p1',
      domainHint: 'observation',
    });
  });

  it('resolves forward urn:uuid references and Medications anywhere in the bundle', async () => {
    const entries = [
      {
        fullUrl: 'urn:uuid:c1',
        resource: {
          resourceType: 'Condition',
          id: 'c1',
          code: { text: 'Sepsis' },
          subject: { reference: 'urn:uuid:p1' },
          encounter: { reference: 'urn:uuid:e2' },
          onsetDateTime: '2020-05-02',
        },
      },
      {
        fullUrl: 'urn:uuid:m1',
        resource: {
          resourceType: 'MedicationRequest',
          id: 'm1',
          status: 'active',
          medicationReference: { reference: 'urn:uuid:med1' },
          subject: { reference: 'urn:uuid:p1' },
          authoredOn: '2020-05-02',
          dosageInstruction: [
            { route: { coding: [{ system: 'http://snomed.info/sct', code: '26643006' }] } },
          ],
          dispenseRequest: { quantity: { value: 30 }, expectedSupplyDuration: { value: 2, code: 'wk' } },
        },
      },
      {
        fullUrl: 'urn:uuid:m2',
        resource: {
          resourceType: 'MedicationRequest',
          id: 'm2',
          medicationReference: { reference: 'Medication/nowhere' },
          subject: { reference: 'urn:uuid:p1' },
          authoredOn: '2020-05-02',
        },
      },
      {
        fullUrl: 'urn:uuid:m3',
        resource: {
          resourceType: 'MedicationAdministration',
          id: 'm3',
          contained: [
            { resourceType: 'Medication', id: 'x', code: { coding: [{ system: 'rx', code: '42' }] } },
          ],
          medicationReference: { reference: '#x' },
          subject: { reference: 'urn:uuid:p1' },
          context: { reference: 'urn:uuid:e2' },
          effectivePeriod: { start: '2020-05-02T10:00:00Z', end: '2020-05-02T11:00:00Z' },
        },
      },
      {
        fullUrl: 'urn:uuid:med1',
        resource: { resourceType: 'Medication', id: 'med1', code: { coding: [{ system: 'rx', code: '7' }] } },
      },
      {
        fullUrl: 'urn:uuid:p1',
        resource: {
          resourceType: 'Patient',
          id: 'p1',
          birthDate: '1950',
          managingOrganization: { reference: 'Organization/o' },
        },
      },
      {
        fullUrl: 'urn:uuid:e1',
        resource: {
          resourceType: 'Encounter',
          id: 'e1',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
          subject: { reference: 'urn:uuid:p1' },
          period: { start: '2020-05-01', end: '2020-05-09' },
          hospitalization: { dischargeDisposition: { coding: [{ system: 'd', code: 'home' }] } },
        },
      },
      {
        fullUrl: 'urn:uuid:e2',
        resource: {
          resourceType: 'Encounter',
          id: 'e2',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'ACUTE' },
          type: [{ coding: [{ system: 'http://snomed.info/sct', code: '309904001' }], text: 'ICU' }],
          subject: { reference: 'urn:uuid:p1' },
          partOf: { reference: 'urn:uuid:e1' },
          period: { start: '2020-05-02', end: '2020-05-04' },
        },
      },
      {
        fullUrl: 'urn:uuid:c2',
        resource: {
          resourceType: 'Condition',
          id: 'c2',
          verificationStatus: { coding: [{ code: 'refuted' }] },
          code: { text: 'Not this' },
          subject: { reference: 'urn:uuid:p1' },
        },
      },
    ];
    const path = join(dir, 'refs.json');
    await writeFile(
      path,
      JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }, null, 1),
    );
    const outputs = await collect(readFhirBundle(path));
    const byId = new Map(outputs.map((o) => [recordIdOf(o), o]));
    expect(byId.get('Condition/c1')).toMatchObject({
      personRef: 'Patient/p1',
      visitRef: 'Encounter/e2',
      start: '2020-05-02',
    });
    expect(byId.get('MedicationRequest/m1')).toMatchObject({
      concept: { codings: [{ system: 'rx', code: '7' }] },
      domainHint: 'drug',
      route: { codings: [{ code: '26643006' }] },
      quantity: 30,
      daysSupply: 14,
      location: { entry: 1 },
    });
    expect(byId.get('MedicationRequest/m2')).toMatchObject({
      kind: 'invalid',
      reason:
        'MedicationRequest.medicationReference Medication/nowhere cannot be resolved: the Medication is neither contained nor in this source',
      location: { entry: 2 },
    });
    expect(byId.get('MedicationAdministration/m3')).toMatchObject({
      concept: { codings: [{ code: '42' }] },
      visitRef: 'Encounter/e2',
      end: '2020-05-02T11:00:00Z',
    });
    expect(byId.get('Medication/med1')).toMatchObject({ kind: 'skipped' });
    expect(byId.get('Patient/p1')).toMatchObject({
      kind: 'person',
      birthDate: '1950',
      careSiteRef: 'Organization/o',
    });
    expect(byId.get('Encounter/e1')).toMatchObject({
      kind: 'visit',
      visitClass: { codings: [{ code: 'IMP' }] },
      dischargeTo: { codings: [{ code: 'home' }] },
    });
    expect(byId.get('Encounter/e2')).toMatchObject({
      kind: 'visitDetail',
      visitRef: 'Encounter/e1',
      detailType: { codings: [{ code: 'ACUTE' }, { code: '309904001' }], text: 'ICU' },
    });
    expect(byId.get('Condition/c2')).toMatchObject({
      kind: 'skipped',
      reason: 'Condition.verificationStatus is refuted: the condition is not present',
    });
    expect(outputs).toHaveLength(entries.length);
  });

  it('names a JSON file that is neither a Bundle nor a resource', async () => {
    const path = join(dir, 'manifest.json');
    await writeFile(path, '[{"file": "a.json"}]');
    expect(await collect(readFhirBundle(path))).toEqual([
      {
        kind: 'invalid',
        location: { file: path },
        raw: '',
        reason: 'manifest.json is not a FHIR Bundle or resource: it has no resourceType',
      },
    ]);
  });

  it('waits for forward urn:uuid references, so that they find entries whose id differs from their uuid', async () => {
    const entries = [
      {
        fullUrl: 'urn:uuid:1111',
        resource: {
          resourceType: 'Condition',
          id: 'c1',
          code: { text: 'Asthma' },
          subject: { reference: 'urn:uuid:2222' },
          encounter: { reference: 'urn:uuid:not-in-bundle' },
          onsetDateTime: '2020-01-01',
        },
      },
      { fullUrl: 'urn:uuid:2222', resource: { resourceType: 'Patient', id: 'mrn-77', birthDate: '1980' } },
    ];
    const path = join(dir, 'forward.json');
    await writeFile(path, JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }));
    expect(await collect(readFhirBundle(path))).toMatchObject([
      { kind: 'person', sourceId: 'Patient/mrn-77' },
      {
        kind: 'clinical',
        sourceId: 'Condition/c1',
        personRef: 'Patient/mrn-77',
        visitRef: 'Encounter/not-in-bundle',
        location: { entry: 0 },
      },
    ]);
  });

  it('reads a JSON file holding one resource instead of a Bundle', async () => {
    const path = join(dir, 'single.json');
    await writeFile(path, JSON.stringify({ resourceType: 'Organization', id: 'o', name: 'OLVG' }));
    expect(await collect(readFhirBundle(path))).toMatchObject([
      { kind: 'careSite', sourceId: 'Organization/o', name: 'OLVG', location: { file: path, line: 1 } },
    ]);
  });
});
