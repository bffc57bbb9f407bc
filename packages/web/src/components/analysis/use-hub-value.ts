import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../../api-client.ts';

/** A value loaded from the hub: the value once there, the error if the load failed, and reload. */
export interface HubValue<T> {
  readonly value: T | undefined;
  readonly error: ApiError | null;
  /** Loads again (after a change), keeping the shown value until the new one arrives. */
  reload(): void;
  /** Replaces the value with one the hub answered to a change. */
  replace(value: T): void;
}

/** Loads `load()` whenever `key` changes (not when `key` is ''); a load overtaken by a newer one is dropped. */
export function useHubValue<T>(key: string, load: () => Promise<T>): HubValue<T> {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    if (key === '') return;
    let live = true;
    load().then(
      (answer) => {
        if (!live) return;
        setValue(answer);
        setError(null);
      },
      (caught: unknown) => {
        if (!live) return;
        setError(
          caught instanceof ApiError
            ? caught
            : new ApiError('internal', 0, 'Cannot load: something went wrong'),
        );
      },
    );
    return () => {
      live = false;
    };
    // `load` is a new closure on every render; `key` says when it asks for something else.
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const replace = useCallback((next: T) => {
    setValue(next);
    setError(null);
  }, []);
  return { value, error, reload, replace };
}

/** The message to show for a failed call. */
export function messageOf(caught: unknown, fallback: string): string {
  return caught instanceof ApiError ? caught.message : fallback;
}
