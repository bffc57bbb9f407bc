import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../_test-data.ts';
import { compileCohort } from './cohort-compiler.ts';
import {
  importCirceCohort,
  importCirceCohortFile,
  parseCirceText,
  type CirceImport,
} from './import-circe-cohort.ts';

const dir = sharedData('circe-cohort-json');
const file = (name: string) => join(dir, name);
const features = (result: CirceImport) => result.unmapped.map((u) => u.feature);

describe('importCirceCohort() on the ATLAS/Circe files', () => {
  it('maps phenotype-2: two primary criteria, concept sets with excluded descendants, first event, date offset', async () => {
    const result = await importCirceCohortFile(file('phenotype-2.json'), { name: 'COVID-19' });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.definition).toEqual({
      name: 'COVID-19',
      conceptSets: {
        'COVID-19': [{ concept: 37311061, descendants: true }],
        'SARS-CoV-2 test': [
          { concept: 756055, descendants: true },
          { concept: 37310258, descendants: true, exclude: true },
          { concept: 704059, descendants: true },
          { concept: 704058, descendants: true },
        ],
      },
      entry: {
        anyOf: [
          { condition: { conceptSet: 'COVID-19' } },
          { measurement: { conceptSet: 'SARS-CoV-2 test' } },
        ],
        first: true,
      },
      exit: { fixedDays: 3, from: 'start' },
    });
    expect(result.unmapped).toEqual([
      expect.objectContaining({
        path: '/PrimaryCriteria/CriteriaList/0/ConditionOccurrence/OccurrenceStartDate',
        feature: 'ConditionOccurrence.OccurrenceStartDate',
      }),
      expect.objectContaining({ path: '/PrimaryCriteria/CriteriaList/1/Measurement/OccurrenceStartDate' }),
      expect.objectContaining({
        path: '/PrimaryCriteria/CriteriaList/1/Measurement/ValueAsConcept',
        reason: expect.stringContaining('matches more records'),
      }),
      expect.objectContaining({ feature: 'CollapseSettings', reason: expect.stringContaining('EraPad 7') }),
      expect.objectContaining({ feature: 'cdmVersionRange' }),
    ]);
    expect(compileCohort(result.definition).sql).toContain('concept_ancestor');
  });

  it('maps phenotype-3 and notes that ATLAS kept every event (ExpressionLimit All)', async () => {
    const result = await importCirceCohortFile(file('phenotype-3.json'));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.definition.entry).toEqual({ condition: { conceptSet: 'Cough' } });
    expect(result.definition.conceptSets?.['Cough']).toHaveLength(2);
    expect(result.definition.exit).toEqual({ fixedDays: 3, from: 'start' });
    expect(features(result)).toEqual(['ExpressionLimit All', 'CollapseSettings', 'cdmVersionRange']);
    expect(result.unmapped[1]?.reason).toContain('EraPad 30');
  });

  it('reports phenotype-6 as not UTF-8, with the byte and its offset, instead of crashing', async () => {
    const result = await importCirceCohortFile(file('phenotype-6.json'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      {
        path: '',
        message: expect.stringMatching(
          /^Cannot import phenotype-6\.json: it is not valid UTF-8 \(byte 0xB0 at offset 3000\)/,
        ),
      },
    ]);
  });

  it('maps phenotype-6 once decoded: six primary criteria, value and unit filters listed as unmapped, exit from the end', () => {
    const result = importCirceCohort(JSON.parse(readFileSync(file('phenotype-6.json'), 'latin1')));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const entry = result.definition.entry;
    expect('anyOf' in entry && entry.anyOf.map((e) => Object.keys(e)[0])).toEqual([
      'condition',
      'measurement',
      'measurement',
      'measurement',
      'observation',
      'observation',
    ]);
    expect(result.definition.exit).toEqual({ fixedDays: 3, from: 'end' });
    expect(features(result).filter((f) => f.endsWith('.ValueAsNumber'))).toHaveLength(4);
    expect(features(result).filter((f) => f.endsWith('.Unit'))).toHaveLength(4);
    const sets = Object.values(result.definition.conceptSets ?? {});
    expect(sets.flat().filter((item) => item.exclude === true).length).toBeGreaterThan(30);
  });

  it('maps the Measurement primary criterion of primaryCriteriaCheckValueCorrect and lists its 15 restrictions', async () => {
    const result = await importCirceCohortFile(file('primaryCriteriaCheckValueCorrect.json'));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.definition.entry).toEqual({ measurement: {}, first: true });
    const restrictions = features(result).filter((f) => f.startsWith('Measurement.'));
    expect(restrictions).toEqual([
      'Measurement.CorrelatedCriteria',
      'Measurement.OccurrenceStartDate',
      'Measurement.MeasurementType',
      'Measurement.Operator',
      'Measurement.ValueAsNumber',
      'Measurement.ValueAsConcept',
      'Measurement.Unit',
      'Measurement.RangeLow',
      'Measurement.RangeHigh',
      'Measurement.RangeLowRatio',
      'Measurement.RangeHighRatio',
      'Measurement.Age',
      'Measurement.Gender',
      'Measurement.ProviderSpecialty',
      'Measurement.VisitType',
    ]);
  });

  it('fails without an entry event but returns the inclusion rules that mapped (inclusionRulesCheckValueCorrect)', async () => {
    const result = await importCirceCohortFile(file('inclusionRulesCheckValueCorrect.json'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]?.message).toMatch(/PrimaryCriteria\.CriteriaList is empty/);
    expect(result.partial?.inclusion).toEqual([
      { measurement: {}, name: 'test' },
      { name: 'test: age', age: { max: 1 } },
    ]);
    expect(features(result)).toEqual(
      expect.arrayContaining([
        'Gender',
        'demographic Race',
        'demographic Ethnicity',
        'Measurement.CorrelatedCriteria',
      ]),
    );
  });

  it('lists what the other fixtures hold that does not map', async () => {
    const additional = await importCirceCohortFile(file('additionalCriteriaCheckValueCorrect.json'));
    expect(features(additional)).toContain('nested criteria group');
    const censoring = await importCirceCohortFile(file('censoringEventCheckValueCorrect.json'));
    expect(censoring.unmapped.filter((u) => u.feature === 'censoring event').map((u) => u.path)).toEqual([
      '/CensoringCriteria/0',
      '/CensoringCriteria/1',
    ]);
    const empty = await importCirceCohortFile(file('emptyInclusionRules.json'));
    expect(empty.unmapped[0]).toEqual({
      path: '/InclusionRules/0',
      feature: 'inclusion rule',
      reason: expect.stringContaining('"test" has no criteria'),
    });
    for (const result of [additional, censoring, empty]) expect(result.ok).toBe(false);
  });

  it('gives every file in the folder a result: a valid definition, or errors a person can act on', async () => {
    const names = readdirSync(dir).filter((name) => name.endsWith('.json'));
    expect(names).toHaveLength(8);
    for (const name of names) {
      const result = await importCirceCohortFile(file(name));
      if (result.ok) expect(() => compileCohort(result.definition)).not.toThrow();
      else expect(result.errors.every((e) => e.message.startsWith('Cannot import'))).toBe(true);
    }
  });
});

describe('importCirceCohort()', () => {
  const base = {
    ConceptSets: [
      {
        id: 1,
        name: 'bleed',
        expression: { items: [{ concept: { CONCEPT_ID: 192671 }, includeDescendants: true }] },
      },
    ],
    PrimaryCriteria: {
      CriteriaList: [{ ConditionOccurrence: { CodesetId: 1 } }],
      ObservationWindow: { PriorDays: 365, PostDays: 0 },
    },
  };

  it('maps inclusion windows in days, occurrence types and age comparisons', () => {
    const result = importCirceCohort({
      ...base,
      InclusionRules: [
        {
          name: 'two bleeds before, none after, adult',
          expression: {
            Type: 'ALL',
            CriteriaList: [
              {
                Criteria: { ConditionOccurrence: { CodesetId: 1 } },
                StartWindow: { Start: { Days: 365, Coeff: -1 }, End: { Days: 1, Coeff: -1 } },
                Occurrence: { Type: 2, Count: 2 },
              },
              {
                Criteria: { ConditionOccurrence: { CodesetId: 1 } },
                StartWindow: { Start: { Days: 1, Coeff: 1 }, End: { Coeff: 1 } },
                Occurrence: { Type: 0, Count: 0 },
              },
            ],
            DemographicCriteriaList: [{ Age: { Value: 17, Op: 'gt' }, Gender: [{ CONCEPT_ID: 8532 }] }],
            Groups: [],
          },
        },
      ],
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.definition.entry).toEqual({
      condition: { conceptSet: 'bleed' },
      observationWindow: { priorDays: 365, postDays: 0 },
    });
    expect(result.definition.inclusion).toEqual([
      {
        condition: { conceptSet: 'bleed' },
        window: { fromDays: -365, toDays: -1 },
        occurrences: { min: 2 },
        name: 'two bleeds before, none after, adult',
      },
      {
        condition: { conceptSet: 'bleed' },
        window: { fromDays: 1 },
        occurrences: { min: 0, max: 0 },
        name: 'two bleeds before, none after, adult (2)',
      },
      { name: 'two bleeds before, none after, adult: age', age: { min: 18 } },
      { name: 'two bleeds before, none after, adult: sex', sex: 8532 },
    ]);
    expect(result.unmapped).toEqual([]);
  });

  it('lists a rule of type ANY, an era criterion and a custom era end instead of dropping them silently', () => {
    const result = importCirceCohort({
      name: 'wrapped',
      expression: JSON.stringify({
        ...base,
        InclusionRules: [
          {
            name: 'any of two',
            expression: {
              Type: 'ANY',
              CriteriaList: [
                { Criteria: { ConditionOccurrence: { CodesetId: 1 } } },
                { Criteria: { DrugEra: {} } },
              ],
            },
          },
          {
            name: 'era',
            expression: { Type: 'ALL', CriteriaList: [{ Criteria: { ConditionEra: { CodesetId: 1 } } }] },
          },
        ],
        EndStrategy: { CustomEra: { DrugCodesetId: 1, GapDays: 30 } },
      }),
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.definition.name).toBe('wrapped');
    expect(result.definition.inclusion).toBeUndefined();
    expect(result.definition.exit).toBeUndefined();
    expect(result.unmapped.map((u) => [u.path, u.feature])).toEqual([
      ['/InclusionRules/0/expression', 'criteria group of type ANY'],
      ['/InclusionRules/1/expression/CriteriaList/0/Criteria/ConditionEra', 'ConditionEra criterion'],
      ['/EndStrategy/CustomEra', 'EndStrategy CustomEra'],
    ]);
  });

  it('reports input that is not an ATLAS cohort', () => {
    expect(importCirceCohort([1, 2])).toMatchObject({
      ok: false,
      errors: [{ message: expect.stringMatching(/^Cannot import/) }],
    });
    expect(importCirceCohort({ expression: '{not json' })).toMatchObject({ ok: false });
  });
});

describe('parseCirceText()', () => {
  it('parses UTF-8 JSON, with or without a byte order mark', () => {
    const bytes = new TextEncoder().encode('\uFEFF{"a":"°C"}');
    expect(parseCirceText(bytes)).toEqual({ ok: true, json: { a: '°C' } });
  });

  it('reports invalid UTF-8 and invalid JSON as errors', () => {
    const latin1 = Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xb0, 0x22, 0x7d]);
    expect(parseCirceText(latin1, 'x.json')).toEqual({
      ok: false,
      errors: [{ path: '', message: expect.stringContaining('byte 0xB0 at offset 6') }],
    });
    expect(parseCirceText(new TextEncoder().encode('{"a":'))).toMatchObject({
      ok: false,
      errors: [{ message: expect.stringContaining('not valid JSON') }],
    });
  });
});
