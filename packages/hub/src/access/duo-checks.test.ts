import { describe, expect, it } from 'vitest';
import { duoCodes } from '@polder/protocol';
import { checkDataUse, duoBlocks, duoRules, type DatasetConditions } from './duo-checks.ts';
import type { ApplicationForm } from './application-form.ts';

const dataset = (codes: string[], topics = ['diabetes', 'EHR']): DatasetConditions => ({
  datasetId: '00000000-0000-7000-8000-0000000000d1',
  title: 'Diabetes EHR',
  dataUseConditions: codes,
  topics,
});

const form = (overrides: Partial<ApplicationForm> = {}): ApplicationForm => ({
  purpose: { ground: 'e', description: 'Scientific research on readmission after diabetes care.' },
  applicant: { organisationType: 'academic' },
  ...overrides,
});

const outcome = (f: ApplicationForm, code: string, topics?: string[]) =>
  checkDataUse(f, [dataset([code], topics)])[0]?.outcome;

describe('DUO checks', () => {
  it('has a rule with a reason for every DUO code the catalogue allows', () => {
    expect(Object.keys(duoRules).sort()).toEqual(Object.keys(duoCodes).sort());
  });

  it('disease-specific research: a warning unless the purpose names the dataset’s disease', () => {
    expect(outcome(form(), 'DUO:0000007')).toBe('ok');
    expect(
      outcome(form({ purpose: { ground: 'e', description: 'Heart failure outcomes.' } }), 'DUO:0000007'),
    ).toBe('warning');
  });

  it('not-for-profit and non-commercial codes block a commercial applicant and warn an undeclared one', () => {
    for (const code of ['DUO:0000018', 'DUO:0000045', 'DUO:0000046']) {
      expect(outcome(form({ applicant: { organisationType: 'commercial' } }), code)).toBe('block');
      expect(outcome(form({ applicant: {} }), code)).toBe('warning');
      expect(outcome(form(), code)).toBe('ok');
    }
  });

  it('research-only permissions block education and care-improvement grounds, and warn for policy and statistics', () => {
    expect(outcome(form({ purpose: { ground: 'd', description: 'Teaching' } }), 'DUO:0000042')).toBe('block');
    expect(outcome(form({ purpose: { ground: 'f', description: 'Care' } }), 'DUO:0000006')).toBe('block');
    expect(outcome(form({ purpose: { ground: 'c', description: 'Statistics' } }), 'DUO:0000006')).toBe(
      'warning',
    );
    expect(outcome(form(), 'DUO:0000006')).toBe('ok');
  });

  it('genetic-studies-only blocks a non-genetic purpose; ancestry research is blocked where prohibited', () => {
    expect(outcome(form(), 'DUO:0000016')).toBe('block');
    expect(
      outcome(
        form({ purpose: { ground: 'e', description: 'A genetic study of diabetes risk.' } }),
        'DUO:0000016',
      ),
    ).toBe('ok');
    expect(
      outcome(form({ purpose: { ground: 'e', description: 'Ancestry of the patients.' } }), 'DUO:0000044'),
    ).toBe('block');
  });

  it('unknown codes are warned about, and blocks are listed with the dataset title', () => {
    const checks = checkDataUse(form({ applicant: { organisationType: 'commercial' } }), [
      dataset(['DUO:9999999', 'DUO:0000046']),
    ]);
    expect(checks.map((c) => c.outcome)).toEqual(['warning', 'block']);
    expect(duoBlocks(checks, [dataset([])])).toEqual([
      expect.stringMatching(/^Diabetes EHR \(DUO:0000046\): /),
    ]);
  });
});
