import type { MatrixRow } from '../authorization-matrix.ts';
import { everyone, only, signedIn } from '../authorization-matrix.ts';
import type { TestHub } from '../_test-hub.ts';
import { uuid7 } from '../db/uuid7.ts';
import { exampleStatistics, exampleSteward } from './_example-datasets.ts';
import { upsertDatasetDescription } from './catalogue-store.ts';

/** A published dataset of a new station; its id. */
async function publishedDataset(hub: TestHub): Promise<string> {
  const { datasetId } = await upsertDatasetDescription(
    hub.db,
    uuid7(),
    { statistics: exampleStatistics, steward: exampleSteward },
    { stationName: 'Matrix station' },
  );
  return datasetId;
}

/**
 * The catalogue's rows of the authorisation matrix (spread into `authorizationMatrix`). A function, so that
 * the matrix's helpers are initialised when it runs (the two modules import each other).
 */
export function catalogueMatrixRows(): readonly MatrixRow[] {
  return [
    { method: 'GET', route: '/api/catalogue', expect: everyone(200) },
    { method: 'GET', route: '/catalogue', expect: everyone(200) },
    {
      method: 'GET',
      route: '/api/catalogue/search',
      expect: everyone(200),
      request: () => ({ url: '/api/catalogue/search?q=hospital&theme=HEAL' }),
    },
    {
      method: 'GET',
      route: '/api/datasets/:id',
      expect: everyone(200),
      request: async ({ hub }) => ({ url: `/api/datasets/${await publishedDataset(hub)}` }),
    },
    {
      method: 'GET',
      route: '/datasets/:id',
      expect: everyone(200),
      request: async ({ hub }) => ({
        url: `/datasets/${await publishedDataset(hub)}`,
        headers: { accept: 'text/turtle' },
      }),
    },
    // Only a steward of the dataset's station may write its descriptive part; the matrix's steward stewards it.
    {
      method: 'PUT',
      route: '/api/datasets/:id/description',
      expect: only(['data_steward'], 200),
      request: async ({ hub, userId, role }) => {
        const stationId = uuid7();
        const { datasetId } = await upsertDatasetDescription(
          hub.db,
          stationId,
          { statistics: exampleStatistics },
          { stationName: 'Matrix station' },
        );
        if (role === 'data_steward' && userId !== null) {
          await hub.db
            .insertInto('station_stewards')
            .values({ user_id: userId, station_id: stationId })
            .execute();
        }
        return { url: `/api/datasets/${datasetId}/description`, body: exampleSteward };
      },
    },
    { method: 'GET', route: '/api/basket', expect: signedIn(200) },
    {
      method: 'POST',
      route: '/api/basket',
      expect: signedIn(200),
      request: async ({ hub }) => ({ body: { datasetId: await publishedDataset(hub) } }),
    },
    {
      method: 'DELETE',
      route: '/api/basket/:datasetId',
      expect: signedIn(200),
      request: async ({ hub }) => ({ url: `/api/basket/${await publishedDataset(hub)}` }),
    },
  ];
}
