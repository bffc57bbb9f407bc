import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckDbQuery } from '../duckdb-query.ts';
import { seededRandom } from '../_test-station.ts';
import { planSums, type SumsColumn } from './_glm-sums.ts';

// A design of intercept, a continuous x1, the two dummies of a 3-level category (x2, x3), two 0/1
// covariates (x4, x5) and a continuous x6, with a 0/1 outcome and arbitrary per-record w, wz, dev.
const columns: SumsColumn[] = [
  { constant: true, indicator: false },
  { constant: false, indicator: false },
  { constant: false, indicator: true, group: { variable: 'grp', combinations: 3 } },
  { constant: false, indicator: true, group: { variable: 'grp', combinations: 3 } },
  { constant: false, indicator: true, group: { variable: 'flag', combinations: 2 } },
  { constant: false, indicator: true, group: { variable: 'smoker', combinations: 2 } },
  { constant: false, indicator: false },
];

interface Record {
  readonly x: number[];
  readonly y: number;
  readonly w: number;
  readonly wz: number;
  readonly dev: number;
}

const random = seededRandom(42);
const records: Record[] = Array.from({ length: 500 }, () => {
  const level = Math.floor(random() * 3);
  return {
    x: [
      1,
      random() * 10 - 5,
      level === 1 ? 1 : 0,
      level === 2 ? 1 : 0,
      random() < 0.3 ? 1 : 0,
      random() < 0.6 ? 1 : 0,
      random() * 100,
    ],
    y: random() < 0.4 ? 1 : 0,
    w: random(),
    wz: random() * 2 - 1,
    dev: random(),
  };
});

/** The sums straight from their definitions, over the records in memory. */
function expected() {
  const p = columns.length;
  const xtwx: number[] = [];
  const xtwz: number[] = [];
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) xtwx.push(records.reduce((s, r) => s + r.w * r.x[i]! * r.x[j]!, 0));
    xtwz.push(records.reduce((s, r) => s + r.wz * r.x[i]!, 0));
  }
  const value = (r: Record, k: number) => (k === -1 ? r.y : r.x[k]!);
  const members = [2, 3, 4, 5, -1];
  const crossCounts: number[] = [];
  for (let a = 0; a < members.length; a++) {
    for (let b = a; b < members.length; b++) {
      crossCounts.push(records.filter((r) => value(r, members[a]!) * value(r, members[b]!) === 1).length);
    }
  }
  return { xtwx, xtwz, crossCounts, deviance: records.reduce((s, r) => s + r.dev, 0) };
}

describe('GLM station sums grouped by indicators', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    connection = await instance.connect();
    await connection.run(
      'CREATE TABLE r (y DOUBLE, x1 DOUBLE, x2 DOUBLE, x3 DOUBLE, x4 DOUBLE, x5 DOUBLE, x6 DOUBLE, w DOUBLE, wz DOUBLE, dev DOUBLE)',
    );
    const appender = await connection.createAppender('r');
    for (const r of records) {
      for (const v of [r.y, ...r.x.slice(1), r.w, r.wz, r.dev]) appender.appendDouble(v);
      appender.endRow();
    }
    appender.closeSync();
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  // Each bound on the groups leaves a different set of indicators to the database.
  for (const [maxGroups, grouped] of [
    [1, []],
    [2, [4]],
    [3, [2, 3]],
    [6, [2, 3, 4]],
    [1024, [2, 3, 4, 5]],
  ] as const) {
    it(`equal the sums by definition with at most ${maxGroups} groups (grouped by ${JSON.stringify(grouped)})`, async () => {
      const plan = planSums({
        columns,
        outcomeIndicator: true,
        sumLogLikelihood: false,
        invalid: 'y <> 0 AND y <> 1',
        maxGroups,
      });
      expect(plan.grouped).toEqual(grouped);
      const rows = await duckDbQuery(connection)(plan.sql);
      expect(rows.length).toBeLessThanOrEqual(maxGroups);
      const sums = plan.assemble(rows);
      const want = expected();
      expect(sums.n).toBe(records.length);
      expect(sums.invalid).toBe(0);
      expect(sums.crossCounts).toEqual(want.crossCounts);
      for (const [actual, wanted] of [
        [sums.xtwx, want.xtwx],
        [sums.xtwz, want.xtwz],
        [[sums.deviance], [want.deviance]],
      ] as const) {
        expect(actual).toHaveLength(wanted.length);
        actual.forEach((a, k) =>
          expect(Math.abs(a - wanted[k]!)).toBeLessThan(1e-9 * Math.max(1, Math.abs(wanted[k]!))),
        );
      }
    });
  }

  it('add up to zero sums when no record is left', async () => {
    const plan = planSums({ columns, outcomeIndicator: true, sumLogLikelihood: false, invalid: undefined });
    const sums = plan.assemble(
      await duckDbQuery(connection)(`${plan.sql.replace('FROM r', 'FROM r WHERE false')}`),
    );
    expect(sums.n).toBe(0);
    expect(sums.xtwx.every((v) => v === 0)).toBe(true);
    expect(sums.crossCounts.every((v) => v === 0)).toBe(true);
  });
});
