import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StationContext } from './algorithm.ts';
import { readCohortColumns } from './_sql.ts';
import { openTestStation, type TestStation } from './_test-station.ts';

describe('readCohortColumns', () => {
  let station: TestStation;
  beforeAll(async () => {
    station = await openTestStation({ age: 'DOUBLE', sex: 'VARCHAR' }, [{ age: 40, sex: 'female' }]);
  });
  afterAll(async () => {
    await station.close();
  });

  /** The station's context with a version (or none), counting the catalog queries. */
  function context(cohortVersion: string | undefined): { ctx: StationContext; queries: () => number } {
    let queries = 0;
    const ctx: StationContext = {
      ...station.ctx,
      ...(cohortVersion === undefined ? {} : { cohortVersion }),
      query: (sql, params) => {
        queries++;
        return station.ctx.query(sql, params);
      },
    };
    return { ctx, queries: () => queries };
  }

  it('asks the catalog once per cohort version and table, and every time without a version', async () => {
    const v1 = context('v1');
    const first = await readCohortColumns(v1.ctx);
    expect(Object.fromEntries(first)).toMatchObject({ person_id: 'numeric', age: 'numeric', sex: 'text' });
    expect(await readCohortColumns(v1.ctx)).toEqual(first);
    expect(v1.queries()).toBe(1);
    const v2 = context('v2');
    await readCohortColumns(v2.ctx);
    expect(v2.queries()).toBe(1);
    const none = context(undefined);
    await readCohortColumns(none.ctx);
    await readCohortColumns(none.ctx);
    expect(none.queries()).toBe(2);
  });

  it('sees a changed table under a new version', async () => {
    expect((await readCohortColumns(context('before').ctx)).has('bmi')).toBe(false);
    await station.connection.run(`ALTER TABLE ${station.ctx.cohortTable} ADD COLUMN bmi DOUBLE`);
    try {
      expect((await readCohortColumns(context('after').ctx)).get('bmi')).toBe('numeric');
    } finally {
      await station.connection.run(`ALTER TABLE ${station.ctx.cohortTable} DROP COLUMN bmi`);
    }
  });
});
