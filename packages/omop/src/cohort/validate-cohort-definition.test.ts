import { describe, expect, it } from 'vitest';
import { validateCohortDefinition } from './validate-cohort-definition.ts';

/** The DESIGN.md sketch of the language: it must stay valid. */
const icu = {
  name: 'Adults discharged alive from the ICU',
  conceptSets: { icu: [{ concept: 32037 }], sepsis: [{ concept: 132797, descendants: true }] },
  entry: { visitDetail: { conceptSet: 'icu' }, indexAt: 'end' },
  inclusion: [
    { name: 'adult', age: { min: 18 } },
    {
      name: 'sepsis during the stay',
      condition: { conceptSet: 'sepsis' },
      window: { from: 'entry.start', to: 'entry.end' },
    },
  ],
  variables: {
    age: { age: 'index' },
    lastHeartRate: { measurement: { concept: 3027018 }, window: { fromDays: -1, toDays: 0 }, value: 'last' },
    readmitted7d: { visitDetail: { conceptSet: 'icu' }, window: { fromDays: 1, toDays: 7 }, value: 'exists' },
    survival: { death: {}, value: 'daysToEvent', censorAtDays: 365 },
  },
};

const errorsOf = (input: unknown) => {
  const result = validateCohortDefinition(input);
  return result.ok ? [] : result.errors;
};

describe('validateCohortDefinition()', () => {
  it('accepts the design sketch and returns a copy', () => {
    const result = validateCohortDefinition(icu);
    expect(result).toEqual({ ok: true, definition: icu });
    if (result.ok) expect(result.definition).not.toBe(icu);
  });

  it('names the unknown concept set and the ones that exist', () => {
    const input = { ...icu, inclusion: [{ name: 'x', drug: { conceptSet: 'nsaids' } }] };
    expect(errorsOf(input)).toEqual([
      {
        path: '/inclusion/0/drug/conceptSet',
        message:
          'refers to concept set "nsaids", which "conceptSets" does not define (defined: "icu", "sepsis")',
      },
    ]);
  });

  it('reports a window that ends before it starts, in days and in anchors', () => {
    const input = {
      ...icu,
      inclusion: [
        { name: 'a', condition: { conceptSet: 'sepsis' }, window: { fromDays: 10, toDays: -10 } },
        { name: 'b', condition: { conceptSet: 'sepsis' }, window: { from: 'index', to: 'entry.start' } },
      ],
    };
    expect(errorsOf(input)).toEqual([
      { path: '/inclusion/0/window', message: 'starts after it ends (fromDays 10 > toDays -10); swap them' },
      { path: '/inclusion/1/window', message: expect.stringContaining("index is the entry's end") },
    ]);
  });

  it('says which domain key is doubled or missing instead of listing every branch', () => {
    expect(errorsOf({ ...icu, entry: { condition: {}, drug: {} } })).toEqual([
      { path: '/entry', message: 'has "condition", "drug": give exactly one of them' },
    ]);
    expect(errorsOf({ ...icu, entry: { indexAt: 'end' } })).toEqual([
      { path: '/entry', message: expect.stringMatching(/^must have one of "condition", "drug", .*"anyOf"$/) },
    ]);
    expect(errorsOf({ ...icu, entry: { condition: {}, frist: true } })).toEqual([
      { path: '/entry/frist', message: expect.stringContaining('is not a known property here') },
    ]);
  });

  it('checks variable names as column names, ignoring case, with the _event twin', () => {
    const input = {
      ...icu,
      variables: {
        Age: { age: 'index' },
        'x; drop': { age: 'index' },
        person_id: { age: 'index' },
        survival: { death: {}, value: 'daysToEvent', censorAtDays: 30 },
        SURVIVAL_event: { sex: 'label' },
      },
    };
    expect(errorsOf(input).map((e) => e.path)).toEqual([
      '/variables/Age',
      '/variables/x; drop',
      '/variables/person_id',
      '/variables/SURVIVAL_event',
    ]);
  });

  it('requires what each variable needs', () => {
    const input = {
      ...icu,
      variables: {
        noWindow: { condition: { conceptSet: 'sepsis' }, value: 'exists' },
        lastCondition: { condition: { conceptSet: 'sepsis' }, value: 'last', window: { toDays: 0 } },
        noCensor: { death: {}, value: 'daysToEvent' },
        backwards: { death: {}, value: 'daysToEvent', censorAtDays: 5, window: { fromDays: -3 } },
      },
    };
    expect(errorsOf(input)).toEqual([
      { path: '/variables/noWindow', message: expect.stringContaining('needs a "window"') },
      { path: '/variables/lastCondition/value', message: expect.stringContaining('use "exists" or "count"') },
      { path: '/variables/noCensor', message: expect.stringContaining('needs "censorAtDays"') },
      { path: '/variables/backwards/window/fromDays', message: expect.stringContaining('must be 0 or more') },
    ]);
  });

  it('reports bad values with the expected ones', () => {
    expect(errorsOf({ ...icu, inclusion: [{ name: 'sex', sex: 'other' }] })).toEqual([
      {
        path: '/inclusion/0/sex',
        message: 'must be one of 8507, 8532, "male", "female", not the text "other"',
      },
    ]);
    expect(errorsOf({ ...icu, conceptSets: { icu: [{ concept: 1.5 }] } })[0]).toEqual({
      path: '/conceptSets/icu/0/concept',
      message: 'must be a whole number, not number 1.5',
    });
    expect(errorsOf({ ...icu, inclusion: [{ name: 'a', age: { min: 70, max: 18 } }] })).toEqual([
      { path: '/inclusion/0/age', message: 'min 70 is above max 18' },
    ]);
    expect(errorsOf('cohort')).toEqual([{ path: '', message: 'must be an object, not the text "cohort"' }]);
  });
});
