import { describe, expect, it } from 'vitest';
import type { ReaderOutput } from '../source-event.ts';
import { mapResource } from './_map-resource.ts';
import { createReaderContext, resolveReference } from './_reader-context.ts';

const NOW = new Date('2026-01-01T00:00:00Z');

function map(resource: object): ReaderOutput[] {
  const out: ReaderOutput[] = [];
  mapResource(
    resource,
    JSON.stringify(resource),
    { file: 'test.ndjson', line: 1 },
    createReaderContext({ now: NOW }),
    out,
  );
  return out;
}

function reasons(resource: object): string[] {
  return map(resource).map((o) =>
    o.kind === 'invalid' || o.kind === 'skipped' ? ((o as { reason?: string }).reason ?? '') : o.kind,
  );
}

const subject = { reference: 'Patient/p' };
const loinc = (code: string): object => ({ coding: [{ system: 'http://loinc.org', code }] });
const vitals = [
  { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
];

describe('mapResource() for Observations', () => {
  it('yields the own value first, then one event per component, all with the record id', () => {
    const out = map({
      resourceType: 'Observation',
      id: 'bp',
      status: 'final',
      category: vitals,
      code: loinc('85354-9'),
      subject,
      effectiveDateTime: '2020-01-01T10:00:00Z',
      valueString: 'see components',
      component: [
        {
          code: loinc('8480-6'),
          valueQuantity: { value: 120, code: 'mm[Hg]', system: 'http://unitsofmeasure.org' },
        },
        {
          code: loinc('8462-4'),
          valueQuantity: { value: 80, code: 'mm[Hg]' },
          referenceRange: [{ low: { value: 60 }, high: { value: 90 } }],
        },
      ],
    });
    expect(
      out.map((o) => [
        o.kind === 'clinical' && o.sourceId,
        o.kind === 'clinical' && o.recordId,
        o.kind === 'clinical' && o.domainHint,
      ]),
    ).toEqual([
      ['Observation/bp', 'Observation/bp', 'observation'],
      ['Observation/bp#component-0', 'Observation/bp', 'measurement'],
      ['Observation/bp#component-1', 'Observation/bp', 'measurement'],
    ]);
    expect(out[2]).toMatchObject({
      value: { number: 80, unit: { system: '', code: 'mm[Hg]' }, rangeLow: 60, rangeHigh: 90 },
    });
  });

  it('yields only the components when the Observation has no value of its own', () => {
    const out = map({
      resourceType: 'Observation',
      id: 'bp',
      category: vitals,
      code: loinc('85354-9'),
      subject,
      effectivePeriod: { start: '2020-01-01', end: '2020-01-02' },
      component: [{ code: loinc('8480-6'), valueQuantity: { value: 120 } }],
    });
    expect(out).toMatchObject([
      { sourceId: 'Observation/bp#component-0', start: '2020-01-01', end: '2020-01-02' },
    ]);
  });

  it('makes a coded laboratory result an observation and keeps the comparator', () => {
    const lab = [{ coding: [{ code: 'laboratory' }] }];
    const coded = map({
      resourceType: 'Observation',
      id: 'a',
      category: lab,
      code: loinc('x'),
      subject,
      effectiveDateTime: '2020',
      valueCodeableConcept: { text: 'positive' },
    });
    expect(coded).toMatchObject([
      { domainHint: 'observation', value: { concept: { codings: [], text: 'positive' } } },
    ]);
    const below = map({
      resourceType: 'Observation',
      id: 'b',
      category: lab,
      code: loinc('x'),
      subject,
      effectiveDateTime: '2020',
      valueQuantity: { value: 5, comparator: '<' },
    });
    expect(below).toMatchObject([{ domainHint: 'measurement', value: { number: 5, operator: '<' } }]);
  });

  it('rejects wrong types and subjects that are not patients, naming the element', () => {
    const base = {
      resourceType: 'Observation',
      id: 'a',
      code: loinc('x'),
      subject,
      effectiveDateTime: '2020-01-01',
    };
    expect(reasons({ ...base, valueInteger: 3.5 })).toEqual([
      'Observation.valueInteger must be an integer, got 3.5',
    ]);
    expect(reasons({ ...base, code: 'x' })).toEqual([
      'Observation.code must be a CodeableConcept object, got string "x"',
    ]);
    expect(reasons({ ...base, subject: { reference: 'Group/g1' } })).toEqual([
      'Observation.subject refers to Group/g1; only Patient subjects can be loaded',
    ]);
    expect(reasons({ ...base, effectiveDateTime: '01-02-2020' })).toEqual([
      'Observation.effectiveDateTime "01-02-2020" is not a valid FHIR date or dateTime',
    ]);
    expect(reasons({ ...base, component: [{ valueQuantity: { value: 1 } }] })).toEqual([
      'Observation.component[0].code is missing (no coding and no text)',
    ]);
    expect(reasons({ ...base, status: 'entered-in-error' })).toEqual([
      'Observation.status is entered-in-error: it did not happen, so it is not loaded',
    ]);
  });
});

describe('mapResource() for DiagnosticReports', () => {
  it('yields contained Observations and conclusion codes, inheriting subject and time from the report', () => {
    const out = map({
      resourceType: 'DiagnosticReport',
      id: 'r',
      code: loinc('58410-2'),
      subject,
      encounter: { reference: 'Encounter/e' },
      effectiveDateTime: '2021-05-05',
      contained: [
        {
          resourceType: 'Observation',
          id: 'hb',
          code: loinc('718-7'),
          valueQuantity: { value: 7.2, code: 'mmol/L' },
        },
      ],
      result: [{ reference: '#hb' }],
      conclusionCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '271737000' }] }],
    });
    expect(out).toMatchObject([
      {
        sourceId: 'DiagnosticReport/r#hb',
        recordId: 'DiagnosticReport/r',
        personRef: 'Patient/p',
        visitRef: 'Encounter/e',
        start: '2021-05-05',
        value: { number: 7.2 },
      },
      {
        sourceId: 'DiagnosticReport/r#conclusion-0',
        domainHint: 'observation',
        concept: { codings: [{ code: '271737000' }] },
      },
    ]);
  });
});

describe('mapResource() for patients, visits and other clinical resources', () => {
  it('checks death against birth and ignores a dateless deceasedBoolean', () => {
    expect(
      reasons({ resourceType: 'Patient', id: 'p', birthDate: '1980-05-05', deceasedDateTime: '1979-01-01' }),
    ).toEqual(['Patient.deceasedDateTime 1979-01-01 lies before Patient.birthDate 1980-05-05']);
    const [person] = map({
      resourceType: 'Patient',
      id: 'p',
      birthDate: '1980-05-05',
      deceasedBoolean: true,
    });
    expect(person).toMatchObject({ kind: 'person', birthDate: '1980-05-05' });
    expect(person?.kind === 'person' && person.deathDate).toBe(undefined);
  });

  it('validates encounter periods and skips encounters that did not happen', () => {
    const base = { resourceType: 'Encounter', id: 'e', class: { code: 'AMB' }, subject };
    expect(reasons(base)).toEqual(['Encounter.period.start is missing: a visit needs a start date']);
    expect(reasons({ ...base, period: { start: '2020-02-02', end: '2020-01-01' } })).toEqual([
      'Encounter.period.end 2020-01-01 lies before Encounter.period.start 2020-02-02',
    ]);
    expect(reasons({ ...base, status: 'planned', period: { start: '2030-01-01' } })).toEqual([
      'Encounter.status is planned: it did not happen, so it is not loaded',
    ]);
    expect(reasons({ ...base, class: undefined, period: { start: '2020-01-01' } })).toEqual([
      'Encounter.class and Encounter.type are both missing: the kind of visit is unknown',
    ]);
  });

  it('dates conditions by onset, else recordedDate, and keeps abatement and status', () => {
    const base = { resourceType: 'Condition', id: 'c', code: { text: 'Asthma' }, subject };
    expect(
      map({ ...base, recordedDate: '2019-03-03', clinicalStatus: { coding: [{ code: 'active' }] } }),
    ).toMatchObject([{ start: '2019-03-03', status: 'active', domainHint: 'condition' }]);
    expect(
      map({ ...base, onsetPeriod: { start: '2018-01-01' }, abatementDateTime: '2018-06-01' }),
    ).toMatchObject([{ start: '2018-01-01', end: '2018-06-01' }]);
    expect(reasons({ ...base, onsetString: 'childhood' })).toEqual([
      'Condition has no date: neither onsetDateTime, onsetPeriod.start nor recordedDate is given (onsetAge/onsetString cannot be dated)',
    ]);
    expect(reasons({ ...base, onsetDateTime: '2018-01-01', abatementDateTime: '2017-01-01' })).toEqual([
      'Condition abatement 2017-01-01 lies before its onset 2018-01-01',
    ]);
  });

  it('maps procedures, immunizations and allergies to their domains', () => {
    expect(
      map({
        resourceType: 'Procedure',
        id: 'x',
        code: { text: 'CT' },
        subject,
        performedPeriod: { start: '2020-01-01T10:00:00Z', end: '2020-01-01T10:30:00Z' },
      }),
    ).toMatchObject([
      { domainHint: 'procedure', start: '2020-01-01T10:00:00Z', end: '2020-01-01T10:30:00Z' },
    ]);
    expect(
      map({
        resourceType: 'Immunization',
        id: 'x',
        vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140' }] },
        patient: subject,
        occurrenceDateTime: '2020-10-01',
      }),
    ).toMatchObject([{ domainHint: 'drug', concept: { codings: [{ code: '140' }] } }]);
    expect(
      reasons({
        resourceType: 'Immunization',
        id: 'x',
        vaccineCode: { text: 'flu' },
        patient: subject,
        occurrenceString: 'last autumn',
      }),
    ).toEqual([
      'Immunization.occurrenceString "last autumn" is not a date: the event needs occurrenceDateTime',
    ]);
    expect(
      map({
        resourceType: 'AllergyIntolerance',
        id: 'x',
        code: { text: 'peanut' },
        patient: subject,
        recordedDate: '2015-01-01',
      }),
    ).toMatchObject([{ domainHint: 'observation', start: '2015-01-01' }]);
  });

  it('names records that are not resources, and skips types without an OMOP target', () => {
    expect(reasons({ id: 'x' })).toEqual(['The record has no resourceType, so it is not a FHIR resource']);
    expect(reasons({ resourceType: 'Claim', id: 'x' })).toEqual([
      'Claim has no OMOP target in Polder; it is counted, not loaded',
    ]);
  });
});

describe('resolveReference()', () => {
  it('canonicalises relative, absolute, versioned and urn:uuid references to Type/id', () => {
    const ctx = createReaderContext(undefined);
    ctx.fullUrls.set('urn:uuid:known', 'Patient/p7');
    expect(resolveReference('Patient/1', 'Patient', ctx)).toBe('Patient/1');
    expect(resolveReference('https://fhir.example.org/r4/Patient/1', 'Patient', ctx)).toBe('Patient/1');
    expect(resolveReference('Patient/1/_history/3', 'Patient', ctx)).toBe('Patient/1');
    expect(resolveReference('urn:uuid:known', 'Patient', ctx)).toBe('Patient/p7');
    expect(resolveReference('urn:uuid:later', 'Encounter', ctx)).toBe('Encounter/later');
    expect(resolveReference('#contained', 'Medication', ctx)).toBeUndefined();
    expect(resolveReference('Organization?identifier=sys|1', 'Organization', ctx)).toBeUndefined();
    ctx.identifiers.set('Organization?identifier=sys|1', 'Organization/o1');
    expect(resolveReference('Organization?identifier=sys%7C1', 'Organization', ctx)).toBe('Organization/o1');
  });
});
