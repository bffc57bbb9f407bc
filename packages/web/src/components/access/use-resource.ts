import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../../api-client.ts';

/** A value loaded from the hub: the value once there, the error's message if the load failed, and reload. */
export interface Resource<T> {
  readonly value: T | undefined;
  readonly error: ApiError | null;
  readonly loading: boolean;
  /** Loads again (after a change), keeping the shown value until the new one arrives. */
  reload(): void;
  /** Replaces the value with one the hub answered to a change (saves a round trip). */
  replace(value: T): void;
}

/** Loads `load()` when `key` changes; a load that finishes after a newer one started is dropped. */
export function useResource<T>(key: string, load: () => Promise<T>): Resource<T> {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (answer) => {
        if (!live) return;
        setValue(answer);
        setError(null);
        setLoading(false);
      },
      (caught: unknown) => {
        if (!live) return;
        setError(
          caught instanceof ApiError
            ? caught
            : new ApiError('internal', 0, 'Cannot load: something went wrong'),
        );
        setLoading(false);
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
  return { value, error, loading, reload, replace };
}

/** The message to show for a failed call. */
export function messageOf(caught: unknown, fallback: string): string {
  return caught instanceof ApiError ? caught.message : fallback;
}
