import { beforeAll, describe, expect, it } from 'vitest';
import type { ConditionKey } from './_concepts.ts';
import type { SimPatient } from './_model.ts';
import type { HospitalId } from './_profiles.ts';
import { simulatePatient } from './_simulate.ts';

interface Mix {
  readonly patients: number;
  readonly edVisitsPerPatient: number;
  readonly icuStaysPerAdmission: number;
  /** Share of inpatient stays whose principal diagnosis is the key. */
  readonly principal: Readonly<Partial<Record<ConditionKey, number>>>;
  readonly meanAge: number;
}

function caseMix(hospital: HospitalId, n: number): Mix {
  let ed = 0;
  let admissions = 0;
  let icu = 0;
  let ageSum = 0;
  const principal: Partial<Record<ConditionKey, number>> = {};
  for (let i = 0; i < n; i++) {
    const p: SimPatient = simulatePatient(hospital, 99, i);
    ageSum += (Date.UTC(2019, 0, 1) - p.birthDate) / (365.25 * 86_400_000);
    for (const e of p.encounters) {
      if (e.kind === 'emergency') ed++;
      if (e.kind === 'icu') icu++;
      if (e.kind === 'inpatient') {
        admissions++;
        const key = e.conditions[0]?.key;
        if (key !== undefined) principal[key] = (principal[key] ?? 0) + 1;
      }
    }
  }
  for (const key of Object.keys(principal) as ConditionKey[])
    principal[key] = (principal[key] ?? 0) / admissions;
  return {
    patients: n,
    edVisitsPerPatient: ed / n,
    icuStaysPerAdmission: icu / admissions,
    principal,
    meanAge: ageSum / n,
  };
}

describe('case mix', () => {
  let a: Mix;
  let b: Mix;
  let c: Mix;
  beforeAll(() => {
    a = caseMix('A', 2000);
    b = caseMix('B', 2000);
    c = caseMix('C', 2000);
  });
  const share = (m: Mix, key: ConditionKey): number => m.principal[key] ?? 0;

  it('gives academic hospital A the most ICU care and sepsis', () => {
    expect(a.icuStaysPerAdmission).toBeGreaterThan(1.5 * b.icuStaysPerAdmission);
    expect(a.icuStaysPerAdmission).toBeGreaterThan(c.icuStaysPerAdmission);
    expect(share(a, 'sepsis')).toBeGreaterThan(2 * share(b, 'sepsis'));
    expect(share(a, 'sepsis')).toBeGreaterThan(2 * share(c, 'sepsis'));
  });

  it('gives general hospital B more ED visits, older patients, COPD and heart failure', () => {
    expect(b.edVisitsPerPatient).toBeGreaterThan(1.3 * a.edVisitsPerPatient);
    expect(b.edVisitsPerPatient).toBeGreaterThan(1.3 * c.edVisitsPerPatient);
    expect(b.meanAge).toBeGreaterThan(a.meanAge + 4);
    expect(share(b, 'copd') + share(b, 'heartFailure')).toBeGreaterThan(
      2 * (share(a, 'copd') + share(a, 'heartFailure')),
    );
    expect(share(b, 'copd')).toBeGreaterThan(share(c, 'copd'));
  });

  it('gives heart & lung clinic C the most myocardial infarction and COVID-19', () => {
    expect(share(c, 'myocardialInfarction')).toBeGreaterThan(1.5 * share(a, 'myocardialInfarction'));
    expect(share(c, 'myocardialInfarction')).toBeGreaterThan(1.5 * share(b, 'myocardialInfarction'));
    expect(share(c, 'covid19')).toBeGreaterThan(share(a, 'covid19'));
    expect(share(c, 'covid19')).toBeGreaterThan(share(b, 'covid19'));
  });

  it('admits COVID-19 only from March 2020', () => {
    for (let i = 0; i < 500; i++) {
      for (const e of simulatePatient('C', 5, i).encounters) {
        for (const cond of e.conditions) {
          if (cond.key === 'covid19') expect(cond.onset).toBeGreaterThanOrEqual(Date.UTC(2020, 2, 1));
        }
      }
    }
  });
});
