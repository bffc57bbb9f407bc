import { describe, expect, it } from 'vitest';
import { draftOf, DraftProblem, formOf, sectionOf } from './application-draft.ts';

const user = {
  id: '0190a000-0000-7000-8000-000000000001',
  name: 'Rosa Researcher',
  email: 'rosa@uva.example',
  organisation: { id: '0190a000-0000-7000-8000-0000000000aa', name: 'University of Amsterdam' },
};
const datasetId = '0190a000-0000-7000-8000-0000000000d1';

describe('draftOf() and formOf()', () => {
  it('save a new application with only what is filled in, the applicant named from the account', () => {
    const draft = draftOf({ form: {}, datasets: [{ id: datasetId, title: 'ICU' }] }, user);
    expect(formOf(draft, 'permit', user)).toEqual({
      applicant: {
        name: 'Rosa Researcher',
        organisation: 'University of Amsterdam',
        email: 'rosa@uva.example',
      },
      team: [],
      datasets: [datasetId],
      acceptedTerms: [],
      namedUsers: [user.id],
    });
  });

  it('give back the form they were made from', () => {
    const form = {
      publicSummary: 'Survival after intensive care.',
      applicant: {
        name: 'Rosa',
        organisation: 'UvA',
        email: 'r@uva.example',
        role: 'PI',
        organisationType: 'academic' as const,
      },
      team: [{ name: 'Tom', organisation: 'AMC', role: 'statistician' }],
      purpose: { ground: 'e' as const, description: 'One-year survival after discharge.' },
      datasets: [datasetId],
      acceptedTerms: [datasetId],
      dataToBeLinked: 'None.',
      processing: { environment: 'Polder federation', safeguards: 'Aggregates only' },
      requestedAnalyses: 'Kaplan–Meier.',
      duration: { months: 24 },
      namedUsers: [user.id, '0190a000-0000-7000-8000-000000000002'],
    };
    expect(formOf(draftOf({ form, datasets: [] }, user), 'permit', user)).toEqual(form);
  });

  it('drop accepted terms of datasets no longer in the application, and the applicant when unticked', () => {
    const draft = {
      ...draftOf({ form: { datasets: [datasetId], acceptedTerms: [datasetId, 'gone'] }, datasets: [] }, user),
      includeMe: false,
    };
    const form = formOf(draft, 'permit', user);
    expect(form.acceptedTerms).toEqual([datasetId]);
    expect(form.namedUsers).toEqual([]);
  });

  it("read a data request's cohort and parameters as JSON objects", () => {
    const draft = {
      ...draftOf({ form: {}, datasets: [] }, user),
      algorithmName: 'count',
      algorithmVersion: '1.0.0',
      cohort: '{ "name": "adults" }',
      parameters: '',
    };
    expect(formOf(draft, 'data-request', user).analysis).toEqual({
      cohort: { name: 'adults' },
      algorithm: { name: 'count', version: '1.0.0' },
      parameters: {},
    });
    // A permit application has no analysis of its own, whatever the hidden fields hold.
    expect(formOf(draft, 'permit', user).analysis).toBeUndefined();
  });

  it('refuse a cohort that is not a JSON object, saying which field', () => {
    const draft = { ...draftOf({ form: {}, datasets: [] }, user), algorithmName: 'count', cohort: '[1, 2' };
    expect(() => formOf(draft, 'data-request', user)).toThrow(DraftProblem);
    expect(() => formOf(draft, 'data-request', user)).toThrow(/cohort is not valid JSON/);
    expect(() => formOf({ ...draft, cohort: '[1]' }, 'data-request', user)).toThrow(/must be a JSON object/);
  });

  it('leave out a duration outside 1 to 120 months', () => {
    const draft = draftOf({ form: {}, datasets: [] }, user);
    expect(formOf({ ...draft, durationMonths: '0' }, 'permit', user).duration).toBeUndefined();
    expect(formOf({ ...draft, durationMonths: '121' }, 'permit', user).duration).toBeUndefined();
    expect(formOf({ ...draft, durationMonths: '36' }, 'permit', user).duration).toEqual({ months: 36 });
  });
});

describe('sectionOf()', () => {
  it("finds the form section of the hub's missing items by their path", () => {
    expect(sectionOf('purpose.ground')).toBe('purpose');
    expect(sectionOf(`acceptedTerms.${datasetId}`)).toBe('datasets');
    expect(sectionOf('processing.safeguards')).toBe('processing');
    expect(sectionOf('analysis')).toBe('analyses');
    expect(sectionOf('namedUsers')).toBe('users');
  });
});
