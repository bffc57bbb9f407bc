import type { CatalogueDb } from './catalogue-store.ts';

/** One dataset in a user's basket. */
export interface BasketItem {
  readonly datasetId: string;
  readonly title: string;
  readonly publisher: string;
  readonly addedAt: string;
}

/** The datasets in a user's basket, in the order they were added (published datasets only). */
export async function listBasket(db: CatalogueDb, userId: string): Promise<BasketItem[]> {
  const rows = await db
    .selectFrom('catalogue_basket_items as b')
    .innerJoin('catalogue_datasets as d', 'd.id', 'b.dataset_id')
    .select(['b.dataset_id', 'd.title', 'd.publisher_name', 'b.added_at'])
    .where('b.user_id', '=', userId)
    .where('d.published', '=', true)
    .orderBy('b.added_at')
    .orderBy('b.dataset_id')
    .execute();
  return rows.map((r) => ({
    datasetId: r.dataset_id,
    title: r.title,
    publisher: r.publisher_name,
    addedAt: new Date(r.added_at).toISOString(),
  }));
}

/** Puts a published dataset in the basket (again: no change). False when there is no such published dataset. */
export async function addToBasket(
  db: CatalogueDb,
  userId: string,
  datasetId: string,
  now: Date,
): Promise<boolean> {
  const dataset = await db
    .selectFrom('catalogue_datasets')
    .select('id')
    .where('id', '=', datasetId)
    .where('published', '=', true)
    .executeTakeFirst();
  if (dataset === undefined) return false;
  await db
    .insertInto('catalogue_basket_items')
    .values({ user_id: userId, dataset_id: datasetId, added_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'dataset_id']).doNothing())
    .execute();
  return true;
}

/** Takes a dataset out of the basket (absent: no change). */
export async function removeFromBasket(db: CatalogueDb, userId: string, datasetId: string): Promise<void> {
  await db
    .deleteFrom('catalogue_basket_items')
    .where('user_id', '=', userId)
    .where('dataset_id', '=', datasetId)
    .execute();
}
