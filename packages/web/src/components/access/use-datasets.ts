import { useEffect, useState } from 'react';
import { api } from '../../api-client.ts';
import type { DatasetView } from '../../dataset-view.ts';

/**
 * The catalogue's views of the datasets `ids` (titles, publishers, data-use conditions), loaded when the
 * list changes; a dataset the catalogue no longer has is left out.
 */
export function useDatasets(ids: readonly string[]): ReadonlyMap<string, DatasetView> {
  const [views, setViews] = useState<ReadonlyMap<string, DatasetView>>(new Map());
  const key = ids.join(',');
  useEffect(() => {
    let live = true;
    const wanted = key === '' ? [] : key.split(',');
    void Promise.all(
      wanted.map((id) =>
        api.dataset(id).then(
          (view) => [id, view] as const,
          () => null,
        ),
      ),
    ).then((found) => {
      if (live) setViews(new Map(found.filter((entry) => entry !== null)));
    });
    return () => {
      live = false;
    };
  }, [key]);
  return views;
}
