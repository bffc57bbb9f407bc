import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGliteDialect } from './pglite-dialect.ts';

interface TestTables {
  items: { id: number; name: string };
}

let db: Kysely<TestTables>;
beforeAll(async () => {
  db = new Kysely<TestTables>({ dialect: new PGliteDialect({ pglite: () => PGlite.create() }) });
  await sql`create table items (id integer primary key, name text not null)`.execute(db);
});
afterAll(() => db.destroy());

describe('PGliteDialect', () => {
  it('runs parameterised queries and reports affected rows', async () => {
    const inserted = await db
      .insertInto('items')
      .values([
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
      ])
      .executeTakeFirst();
    expect(inserted.numInsertedOrUpdatedRows).toBe(2n);
    const updated = await db.updateTable('items').set({ name: 'c' }).where('id', '=', 2).executeTakeFirst();
    expect(updated.numUpdatedRows).toBe(1n);
    expect(await db.selectFrom('items').selectAll().orderBy('id').execute()).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'c' },
    ]);
  });

  it('counts rows changed behind a WITH clause', async () => {
    const result = await db
      .with('target', (qb) => qb.selectFrom('items').select('id').where('id', '=', 1))
      .updateTable('items')
      .set({ name: 'via cte' })
      .where('id', 'in', (qb) => qb.selectFrom('target').select('id'))
      .executeTakeFirst();
    expect(result.numUpdatedRows).toBe(1n);
  });

  it('runs a script of several statements without parameters', async () => {
    await sql`create table t1 (a int); create table t2 (b int); drop table t1; drop table t2`.execute(db);
  });

  it('rolls a failed transaction back', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: 10, name: 'gone' }).execute();
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.selectFrom('items').select('id').where('id', '=', 10).execute()).toEqual([]);
  });

  it('keeps concurrent transactions apart (the one connection is queued)', async () => {
    const work = (id: number) =>
      db.transaction().execute(async (trx) => {
        const before = await trx
          .selectFrom('items')
          .select(sql<number>`count(*)::int`.as('n'))
          .executeTakeFirstOrThrow();
        await new Promise((resolve) => setTimeout(resolve, 5));
        await trx
          .insertInto('items')
          .values({ id, name: `n${before.n}` })
          .execute();
        return before.n;
      });
    const counts = await Promise.all([work(20), work(21), work(22), work(23)]);
    expect(new Set(counts).size).toBe(4);
  });

  it('supports savepoints', async () => {
    const trx = await db.startTransaction().execute();
    await trx.insertInto('items').values({ id: 30, name: 'kept' }).execute();
    const savepoint = await trx.savepoint('inner').execute();
    await savepoint.insertInto('items').values({ id: 31, name: 'dropped' }).execute();
    await savepoint.rollbackToSavepoint('inner').execute();
    await trx.commit().execute();
    expect(await db.selectFrom('items').select('id').where('id', 'in', [30, 31]).execute()).toEqual([
      { id: 30 },
    ]);
  });

  it('streams results in chunks', async () => {
    const chunks: number[] = [];
    for await (const row of db.selectFrom('items').select('id').orderBy('id').stream(2)) chunks.push(row.id);
    expect(chunks.length).toBeGreaterThan(4);
  });
});
