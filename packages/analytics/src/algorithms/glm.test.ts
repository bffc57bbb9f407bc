import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDisclosurePolicy } from '@polder/privacy';
import { runStationHalf } from '../run-station-half.ts';
import {
  normalDraw,
  openTestStation,
  runFederated,
  seededRandom,
  type TestColumns,
  type TestRow,
  type TestStation,
} from '../_test-station.ts';
import type { RawModelAggregate } from '../output-kinds.ts';
import { glmAlgorithm, type GlmResult } from './glm.ts';

const ref = { name: 'glm', version: '1.0.0' };
type Family = 'gaussian' | 'binomial' | 'poisson';

// ---------------------------------------------------------------------------------------------------
// An independent pooled fit: textbook IRLS from β = 0 over the pooled records in memory, normal
// equations by Gaussian elimination with partial pivoting (not the library's Cholesky, not its SQL).
// ---------------------------------------------------------------------------------------------------
function pooledIrls(
  x: number[][],
  y: number[],
  family: Family,
): { beta: number[]; se: number[]; deviance: number } {
  const p = x[0]?.length ?? 0;
  let beta = new Array<number>(p).fill(0);
  let previous = Infinity;
  let deviance = 0;
  let information: number[][] = [];
  for (let iteration = 0; iteration < 100; iteration++) {
    const a = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    const b = new Array<number>(p).fill(0);
    deviance = 0;
    x.forEach((row, i) => {
      const eta = row.reduce((s, v, j) => s + v * (beta[j] ?? 0), 0);
      const yi = y[i] ?? 0;
      let mu: number;
      let weight: number;
      if (family === 'gaussian') {
        mu = eta;
        weight = 1;
        deviance += (yi - mu) ** 2;
      } else if (family === 'binomial') {
        mu = 1 / (1 + Math.exp(-eta));
        weight = mu * (1 - mu);
        deviance += -2 * (yi === 1 ? Math.log(mu) : Math.log(1 - mu));
      } else {
        mu = Math.exp(eta);
        weight = mu;
        deviance += 2 * ((yi > 0 ? yi * Math.log(yi / mu) : 0) - (yi - mu));
      }
      const z = eta + (yi - mu) / weight;
      for (let j = 0; j < p; j++) {
        b[j] = (b[j] ?? 0) + (row[j] ?? 0) * weight * z;
        for (let k = 0; k < p; k++)
          (a[j] as number[])[k] = (a[j]?.[k] ?? 0) + (row[j] ?? 0) * weight * (row[k] ?? 0);
      }
    });
    information = a;
    if (Math.abs(deviance - previous) / (Math.abs(deviance) + 0.1) < 1e-14) break;
    previous = deviance;
    beta = gaussianSolve(a, b);
  }
  const inverse = gaussJordanInverse(information);
  const dispersion = family === 'gaussian' ? deviance / (y.length - p) : 1;
  return { beta, se: inverse.map((row, j) => Math.sqrt(dispersion * (row[j] ?? 0))), deviance };
}

function gaussianSolve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]?.[c] ?? 0) > Math.abs(m[pivot]?.[c] ?? 0)) pivot = r;
    [m[c], m[pivot]] = [m[pivot] as number[], m[c] as number[]];
    for (let r = c + 1; r < n; r++) {
      const f = (m[r]?.[c] ?? 0) / (m[c]?.[c] ?? 1);
      for (let k = c; k <= n; k++) (m[r] as number[])[k] = (m[r]?.[k] ?? 0) - f * (m[c]?.[k] ?? 0);
    }
  }
  const out = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]?.[n] ?? 0;
    for (let k = r + 1; k < n; k++) s -= (m[r]?.[k] ?? 0) * (out[k] ?? 0);
    out[r] = s / (m[r]?.[r] ?? 1);
  }
  return out;
}

function gaussJordanInverse(a: number[][]): number[][] {
  const n = a.length;
  return Array.from({ length: n }, (_, j) =>
    gaussianSolve(
      a,
      Array.from({ length: n }, (_, i) => (i === j ? 1 : 0)),
    ),
  ).map((_, i, cols) => cols.map((col) => col[i] ?? 0));
}

function expectClose(actual: readonly number[], expected: readonly number[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i] ?? NaN;
    expect(Math.abs(a - e), `element ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(
      tolerance * Math.max(1, Math.abs(e)),
    );
  });
}

// ---------------------------------------------------------------------------------------------------
// Synthetic cohorts, seeded.
// ---------------------------------------------------------------------------------------------------
const syntheticColumns: TestColumns = {
  x1: 'DOUBLE',
  age: 'DOUBLE',
  grp: 'VARCHAR',
  flag: 'INTEGER',
  y: 'DOUBLE',
};

function poissonDraw(random: () => number, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let product = random(); product > limit; product *= random()) k++;
  return k;
}

function syntheticRows(family: Family, n: number, seed: number): TestRow[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const x1 = normalDraw(random);
    const age = 20 + 60 * random();
    const grp = ['a', 'b', 'c'][Math.floor(random() * 3)] ?? 'a';
    const flag = random() < 0.4 ? 1 : 0;
    const lp =
      0.3 + 0.5 * x1 + 0.01 * (age - 50) + (grp === 'b' ? 0.4 : grp === 'c' ? -0.3 : 0) + 0.25 * flag;
    const y =
      family === 'gaussian'
        ? 2 * lp + normalDraw(random)
        : family === 'binomial'
          ? random() < 1 / (1 + Math.exp(-lp))
            ? 1
            : 0
          : poissonDraw(random, Math.exp(lp));
    // Some missing values, which every fit leaves out (complete cases).
    return { x1: random() < 0.02 ? null : x1, age, grp, flag, y };
  });
}

function syntheticDesign(rows: readonly TestRow[]): { x: number[][]; y: number[] } {
  const complete = rows.filter((r) => r['x1'] !== null);
  return {
    x: complete.map((r) => [
      1,
      Number(r['x1']),
      Number(r['age']),
      r['grp'] === 'b' ? 1 : 0,
      r['grp'] === 'c' ? 1 : 0,
      Number(r['flag']),
    ]),
    y: complete.map((r) => Number(r['y'])),
  };
}

const syntheticParameters = (family: Family) => ({
  family,
  outcome: 'y',
  covariates: [
    { variable: 'x1' },
    { variable: 'age' },
    { variable: 'grp', type: 'categorical' as const },
    { variable: 'flag' },
  ],
});

describe('glm@1.0.0', () => {
  for (const [k, family] of (['gaussian', 'binomial', 'poisson'] as const).entries()) {
    it(`federated ${family} GLM over 3 stations equals the pooled fit to 1e-6`, async () => {
      const parts = [400, 350, 500].map((n, s) => syntheticRows(family, n, 100 * k + s));
      const stations = await Promise.all(parts.map((rows) => openTestStation(syntheticColumns, rows)));
      try {
        const { result } = await runFederated(stations, ref, syntheticParameters(family));
        const fit = result as GlmResult;
        const { x, y } = syntheticDesign(parts.flat());
        const pooled = pooledIrls(x, y, family);
        expect(fit.converged).toBe(true);
        expect(fit.coefficients.map((c) => c.term)).toEqual([
          '(Intercept)',
          'x1',
          'age',
          'grp=b',
          'grp=c',
          'flag',
        ]);
        expect(fit.n).toBe(y.length);
        expectClose(
          fit.coefficients.map((c) => c.estimate),
          pooled.beta,
          1e-6,
        );
        expectClose(
          fit.coefficients.map((c) => c.standardError),
          pooled.se,
          1e-6,
        );
        expectClose([fit.deviance], [pooled.deviance], 1e-8);
        expect(fit.statistic).toBe(family === 'gaussian' ? 't' : 'z');
      } finally {
        await Promise.all(stations.map((s) => s.close()));
      }
    });
  }

  it('withholds a station whose categories cross in fewer than 8 records, and fits on the others', async () => {
    const parts = [400, 350, 30].map((n, s) => syntheticRows('binomial', n, 900 + s));
    const stations = await Promise.all(parts.map((rows) => openTestStation(syntheticColumns, rows)));
    try {
      const { result } = await runFederated(stations, ref, syntheticParameters('binomial'));
      const fit = result as GlmResult;
      expect(fit.stations).toEqual({ included: ['station-0', 'station-1'], withheld: ['station-2'] });
      const pooled = pooledIrls(
        syntheticDesign([...parts[0]!, ...parts[1]!]).x,
        syntheticDesign([...parts[0]!, ...parts[1]!]).y,
        'binomial',
      );
      expectClose(
        fit.coefficients.map((c) => c.estimate),
        pooled.beta,
        1e-6,
      );
      const { disclosure } = await runStationHalf(stations[2]!.ctx, {
        algorithm: ref,
        parameters: syntheticParameters('binomial'),
        round: 1,
        state: { levels: { grp: ['a', 'b', 'c'] }, beta: null, iteration: 0, deviance: null },
      });
      expect(disclosure.actions).toEqual([
        expect.objectContaining({
          path: '/model',
          action: 'withheld',
          reason: expect.stringMatching(/between 1 and 7/),
        }),
      ]);
    } finally {
      await Promise.all(stations.map((s) => s.close()));
    }
  });

  it('refuses a model with more parameters than 0.33 × records, and an unknown outcome', async () => {
    const rows = syntheticRows('gaussian', 15, 7);
    const station = await openTestStation(syntheticColumns, rows, resolveDisclosurePolicy({}));
    try {
      const { output } = await runStationHalf(station.ctx, {
        algorithm: ref,
        parameters: {
          family: 'gaussian',
          outcome: 'y',
          covariates: [{ variable: 'x1' }, { variable: 'age' }, { variable: 'flag' }],
        },
        round: 0,
        state: null,
      });
      expect(output).toEqual({ model: { kind: 'model-aggregate', withheld: true } });
      await expect(
        runStationHalf(station.ctx, {
          algorithm: ref,
          parameters: { family: 'gaussian', outcome: 'bmi', covariates: [] },
          round: 0,
          state: null,
        }),
      ).rejects.toMatchObject({
        code: 'invalid-parameters',
        message: expect.stringContaining('outcome "bmi"'),
      });
    } finally {
      await station.close();
    }
  });

  describe('on the UCI Adult census data (income > 50K), split over 3 stations', () => {
    const educationNum: Record<string, number> = {
      Preschool: 1,
      '1st-4th': 2,
      '5th-6th': 3,
      '7th-8th': 4,
      '9th': 5,
      '10th': 6,
      '11th': 7,
      '12th': 8,
      'HS-grad': 9,
      'Some-college': 10,
      'Assoc-voc': 11,
      'Assoc-acdm': 12,
      Bachelors: 13,
      Masters: 14,
      'Prof-school': 15,
      Doctorate: 16,
    };
    const columns: TestColumns = {
      age: 'DOUBLE',
      educationNum: 'DOUBLE',
      sex: 'VARCHAR',
      married: 'INTEGER',
      income: 'INTEGER',
    };
    const parameters = {
      family: 'binomial',
      outcome: 'income',
      covariates: [
        { variable: 'age' },
        { variable: 'educationNum' },
        { variable: 'sex', type: 'categorical' },
        { variable: 'married' },
      ],
    };
    let rows: TestRow[] = [];
    let stations: TestStation[] = [];
    let fit: GlmResult;

    beforeAll(async () => {
      const path = fileURLToPath(
        new URL('../../../../../shared/data/adult-census/adult.csv', import.meta.url),
      );
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        throw new Error(`The Adult census data is missing at ${path}; see ../shared/data/README.md`, {
          cause: error,
        });
      }
      const [header, ...lines] = text.trim().split(/\r?\n/);
      const names = (header ?? '').split(';');
      const at = (name: string) => names.indexOf(name);
      rows = lines.map((line) => {
        const f = line.split(';');
        const education = f[at('education')] ?? '';
        const level = educationNum[education];
        if (level === undefined) throw new Error(`unknown education level ${education}`);
        return {
          age: Number(f[at('age')]),
          educationNum: level,
          sex: f[at('sex')] ?? '',
          married:
            (f[at('marital-status')] ?? '').startsWith('Married-') &&
            f[at('marital-status')] !== 'Married-spouse-absent'
              ? 1
              : 0,
          income: f[at('salary-class')] === '>50K' ? 1 : 0,
        };
      });
      expect(rows).toHaveLength(30_162);
      stations = await Promise.all(
        [0, 1, 2].map((s) =>
          openTestStation(
            columns,
            rows.filter((_, i) => i % 3 === s),
          ),
        ),
      );
      fit = (await runFederated(stations, ref, parameters)).result as GlmResult;
    });
    afterAll(async () => {
      await Promise.all(stations.map((s) => s.close()));
    });

    it('equals the pooled fit to 1e-6 in coefficients and standard errors', () => {
      const x = rows.map((r) => [
        1,
        Number(r['age']),
        Number(r['educationNum']),
        r['sex'] === 'Male' ? 1 : 0,
        Number(r['married']),
      ]);
      const pooled = pooledIrls(
        x,
        rows.map((r) => Number(r['income'])),
        'binomial',
      );
      expect(fit.coefficients.map((c) => c.term)).toEqual([
        '(Intercept)',
        'age',
        'educationNum',
        'sex=Male',
        'married',
      ]);
      expectClose(
        fit.coefficients.map((c) => c.estimate),
        pooled.beta,
        1e-6,
      );
      expectClose(
        fit.coefficients.map((c) => c.standardError),
        pooled.se,
        1e-6,
      );
      expect(fit.stations.withheld).toEqual([]);
    });

    const hasR = (() => {
      try {
        execFileSync('Rscript', ['--version'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
    it.skipIf(!hasR)("equals R's glm()", () => {
      const dir = mkdtempSync(join(tmpdir(), 'polder-glm-'));
      const csv = join(dir, 'adult.csv');
      writeFileSync(
        csv,
        [
          'age,educationNum,sex,married,income',
          ...rows.map((r) => [r['age'], r['educationNum'], r['sex'], r['married'], r['income']].join(',')),
        ].join('\n'),
      );
      const out = execFileSync('Rscript', [
        '-e',
        `d <- read.csv("${csv}"); d$sex <- factor(d$sex, levels = c("Female", "Male")); m <- glm(income ~ age + educationNum + sex + married, family = binomial, data = d, control = glm.control(epsilon = 1e-12, maxit = 50)); s <- summary(m)$coefficients; cat(s[, 1], s[, 2], "\\n")`,
      ]).toString();
      const numbers = out.trim().split(/\s+/).map(Number);
      expectClose(
        fit.coefficients.map((c) => c.estimate),
        numbers.slice(0, 5),
        1e-6,
      );
      expectClose(
        fit.coefficients.map((c) => c.standardError),
        numbers.slice(5, 10),
        1e-6,
      );
    });
  });

  describe('remembering which covariates hold only 0 and 1', () => {
    const parameters = {
      family: 'binomial' as const,
      outcome: 'y',
      covariates: [
        { variable: 'x1' },
        { variable: 'age' },
        { variable: 'grp', type: 'categorical' as const, levels: ['a', 'b', 'c'] },
        { variable: 'flag' },
      ],
    };
    const state = { levels: { grp: ['a', 'b', 'c'] }, beta: null, iteration: 0, deviance: null };
    let station: TestStation;
    beforeAll(async () => {
      station = await openTestStation(syntheticColumns, syntheticRows('binomial', 400, 4242));
    });
    afterAll(async () => {
      await station.close();
    });

    /** Runs the raw station half; returns its model aggregate and whether it looked for 0/1 columns. */
    async function local(cohortVersion: string | undefined, p: unknown = parameters) {
      let detected = false;
      const ctx = {
        ...station.ctx,
        ...(cohortVersion === undefined ? {} : { cohortVersion }),
        query: (sql: string, params?: readonly unknown[]) => {
          if (sql.includes('bool_and')) detected = true;
          return station.ctx.query(sql, params);
        },
      };
      const output = await glmAlgorithm.local(ctx, p as never, 1, state);
      return { model: output['model'] as RawModelAggregate, detected };
    }

    it('once per cohort version, table and model; never without a version', async () => {
      const first = await local('v1');
      expect(first.detected).toBe(true);
      expect(first.model.indicators.names).toEqual(['grp=b', 'grp=c', 'flag', 'y (outcome)']);
      const again = await local('v1');
      expect(again.detected).toBe(false);
      expect(again.model).toEqual(first.model);
      // Another model over the same cohort version, another version, no version: looked for again.
      const otherModel = await local('v1', { ...parameters, covariates: parameters.covariates.slice(1) });
      expect(otherModel.detected).toBe(true);
      expect((await local('v2')).detected).toBe(true);
      expect((await local(undefined)).detected).toBe(true);
      expect((await local(undefined)).detected).toBe(true);
    });

    it('finds a covariate that no longer holds only 0 and 1 under a new cohort version', async () => {
      expect((await local('before')).model.indicators.names).toContain('flag');
      await station.connection.run(`UPDATE ${station.ctx.cohortTable} SET flag = 2 WHERE person_id = 1`);
      try {
        const after = await local('after');
        expect(after.detected).toBe(true);
        expect(after.model.indicators.names).toEqual(['grp=b', 'grp=c', 'y (outcome)']);
      } finally {
        await station.connection.run(`UPDATE ${station.ctx.cohortTable} SET flag = 0 WHERE person_id = 1`);
      }
    });
  });
});
