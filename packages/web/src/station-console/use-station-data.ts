import { useCallback, useEffect, useState } from 'react';
import { StationApiError } from './station-api.ts';

/** A value loaded from the station: loading, loaded, or failed with a message. */
export type Loaded<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'loaded'; readonly value: T }
  | { readonly state: 'failed'; readonly error: StationApiError };

/**
 * Loads a value from the station and reloads it on demand (after an action changed it). A 401 calls
 * `onUnauthorised` (the token was changed on the station), so the console asks for it again.
 */
export function useStationData<T>(
  load: () => Promise<T>,
  onUnauthorised: () => void,
): { readonly data: Loaded<T>; readonly reload: () => Promise<void> } {
  const [data, setData] = useState<Loaded<T>>({ state: 'loading' });
  const reload = useCallback(async () => {
    try {
      setData({ state: 'loaded', value: await load() });
    } catch (error) {
      const failure =
        error instanceof StationApiError
          ? error
          : new StationApiError('internal', 0, 'Cannot show this: the console failed', { cause: error });
      if (failure.status === 401) onUnauthorised();
      setData({ state: 'failed', error: failure });
    }
  }, [load, onUnauthorised]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, reload };
}

/** The message of a failed action, for an alert. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
