import { beforeAll, describe, expect, it } from 'vitest';
import { simulatePatient } from './_simulate.ts';
import {
  READMISSION_COEFFICIENTS,
  readmissionLogit,
  readmissionProbability,
  type IcuDischargeState,
} from './readmission-model.ts';

describe('readmissionProbability()', () => {
  it('follows the documented formula', () => {
    const reference = { age: 65, lastHeartRate: 90, lastSpo2: 95, lastLactate: 2, sepsis: false };
    expect(readmissionLogit(reference)).toBeCloseTo(-2.4, 12);
    const worse = { age: 75, lastHeartRate: 110, lastSpo2: 91, lastLactate: 4, sepsis: true };
    expect(readmissionLogit(worse)).toBeCloseTo(-2.4 + 0.25 + 0.6 + 0.48 + 0.7 + 0.7, 12);
    expect(readmissionProbability(worse)).toBeCloseTo(1 / (1 + Math.exp(-readmissionLogit(worse))), 12);
  });
});

interface Stay {
  readonly state: IcuDischargeState;
  readonly p: number;
  readonly y: number;
}

/** ICU stays that ended alive, from simulated patients of hospital A, and any mismatch with the data. */
function icuStays(patients: number, seed: number): { stays: Stay[]; problems: string[] } {
  const out: Stay[] = [];
  const problems: string[] = [];
  const expectSame = (what: string, actual: unknown, wanted: unknown): void => {
    if (actual !== wanted && problems.length < 20)
      problems.push(`${what}: ${String(actual)} vs ${String(wanted)}`);
  };
  for (let i = 0; i < patients; i++) {
    const patient = simulatePatient('A', seed, i);
    for (const e of patient.encounters) {
      if (e.readmission === undefined) continue;
      // The state must be what the data shows: the stay's last vitals and lactate.
      const lastVitals = e.vitals.at(-1);
      const lastLactate = e.labs.filter((l) => l.key === 'lactate').at(-1);
      const stay = patient.encounters.find((s) => s.id === e.partOf);
      expectSame('last heart rate', e.readmission.state.lastHeartRate, lastVitals?.heartRate);
      expectSame('last SpO2', e.readmission.state.lastSpo2, lastVitals?.spo2);
      expectSame('last lactate', e.readmission.state.lastLactate, lastLactate?.value);
      expectSame(
        'sepsis',
        e.readmission.state.sepsis,
        stay?.conditions.some((c) => c.key === 'sepsis' && c.onset <= e.end),
      );
      // A readmission is a later ICU stay of the same hospital stay starting 1 to 7 days after discharge.
      const next = patient.encounters.find(
        (n) => n.kind === 'icu' && n.start > e.end && n.start <= e.end + 7 * 86_400_000,
      );
      expectSame('readmitted', next !== undefined, e.readmission.readmitted);
      if (next) expectSame('readmitted after a day', next.start - e.end >= 86_400_000, true);
      out.push({
        state: e.readmission.state,
        p: e.readmission.probability,
        y: e.readmission.readmitted ? 1 : 0,
      });
    }
  }
  return { stays: out, problems };
}

const features = (s: IcuDischargeState): number[] => [
  1,
  s.age - 65,
  s.lastHeartRate - 90,
  s.lastSpo2 - 95,
  s.lastLactate - 2,
  s.sepsis ? 1 : 0,
];

/** Solves A x = b by Gaussian elimination with partial pivoting (A is small and well conditioned). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    const tmp = m[col] ?? [];
    m[col] = m[pivot] ?? [];
    m[pivot] = tmp;
    const pr = m[col] ?? [];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const row = m[r] ?? [];
      const f = (row[col] ?? 0) / (pr[col] ?? 1);
      for (let c = col; c <= n; c++) row[c] = (row[c] ?? 0) - f * (pr[c] ?? 0);
    }
  }
  return m.map((row, i) => (row[n] ?? 0) / (row[i] ?? 1));
}

/** Logistic regression by Newton–Raphson; returns the coefficients and their standard errors. */
function fitLogistic(x: number[][], y: number[]): { beta: number[]; se: number[] } {
  const k = x[0]?.length ?? 0;
  let beta = new Array<number>(k).fill(0);
  let info: number[][] = [];
  for (let iter = 0; iter < 25; iter++) {
    const grad = new Array<number>(k).fill(0);
    info = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    x.forEach((row, i) => {
      const eta = row.reduce((acc, v, j) => acc + v * (beta[j] ?? 0), 0);
      const mu = 1 / (1 + Math.exp(-eta));
      const w = mu * (1 - mu);
      for (let a = 0; a < k; a++) {
        grad[a] = (grad[a] ?? 0) + (row[a] ?? 0) * ((y[i] ?? 0) - mu);
        const ia = info[a] ?? [];
        for (let b = 0; b < k; b++) ia[b] = (ia[b] ?? 0) + w * (row[a] ?? 0) * (row[b] ?? 0);
      }
    });
    const step = solve(info, grad);
    beta = beta.map((v, j) => v + (step[j] ?? 0));
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
  }
  const se = beta.map((_, j) => {
    const unit = new Array<number>(k).fill(0);
    unit[j] = 1;
    return Math.sqrt(solve(info, unit)[j] ?? NaN);
  });
  return { beta, se };
}

describe('ICU readmission in the generated data', () => {
  let stays: Stay[] = [];
  let problems: string[] = [];
  beforeAll(() => {
    ({ stays, problems } = icuStays(9000, 2024));
  });

  it('has a few thousand ICU discharges to learn from, each with the state its data shows', () => {
    expect(stays.length).toBeGreaterThan(3000);
    expect(problems).toEqual([]);
  });

  it('occurs as often as the model predicts, overall and per risk group', () => {
    const check = (group: Stay[]): void => {
      const observed = group.reduce((a, s) => a + s.y, 0);
      const expected = group.reduce((a, s) => a + s.p, 0);
      const sd = Math.sqrt(group.reduce((a, s) => a + s.p * (1 - s.p), 0));
      expect(Math.abs(observed - expected)).toBeLessThan(3.5 * sd);
    };
    check(stays);
    const sorted = [...stays].sort((a, b) => a.p - b.p);
    const third = Math.floor(sorted.length / 3);
    check(sorted.slice(0, third));
    check(sorted.slice(third, 2 * third));
    check(sorted.slice(2 * third));
    // The model must actually separate: the top third readmits far more than the bottom third.
    const rate = (g: Stay[]): number => g.reduce((a, s) => a + s.y, 0) / g.length;
    expect(rate(sorted.slice(2 * third))).toBeGreaterThan(2 * rate(sorted.slice(0, third)));
  });

  it('lets a logistic regression recover the documented coefficients', () => {
    const { beta, se } = fitLogistic(
      stays.map((s) => features(s.state)),
      stays.map((s) => s.y),
    );
    const c = READMISSION_COEFFICIENTS;
    const truth = [
      c.intercept,
      c.agePer1Year,
      c.heartRatePer1Bpm,
      c.spo2Per1Percent,
      c.lactatePer1MmolL,
      c.sepsis,
    ];
    truth.forEach((t, j) => {
      expect(Math.abs((beta[j] ?? 0) - t), `coefficient ${j}: ${beta[j]} ± ${se[j]} vs ${t}`).toBeLessThan(
        4 * (se[j] ?? 0),
      );
    });
  });
});
