import { useCallback, useEffect, useRef, useState } from 'react';
import { answeredStale, forgetStale } from './api.ts';

export type Resource<T> =
  | { state: 'idle'; data?: undefined }
  | { state: 'loading'; data?: T }
  | { state: 'error'; error: unknown; data?: T }
  | { state: 'ok'; data: T };

/**
 * How long after an answer that had not yet applied the reader's own last write the page asks
 * again, in the background, while it shows that answer; bounded: a read model that trails for
 * longer is shown as it is until the next load.
 */
export const STALE_REFRESH_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 15_000];

/**
 * Loads with `load` whenever `key` changes (null: nothing to load yet); an older answer that
 * arrives after a newer request is dropped. `reload` loads again with the same key. An answer that
 * says it is stale (see `answeredStale`) shows at once and is refreshed in the background.
 */
export const useResource = <T>(key: string | null, load: (signal: AbortSignal) => Promise<T>): Resource<T> & { reload: () => void } => {
  const [resource, setResource] = useState<Resource<T>>(key === null ? { state: 'idle' } : { state: 'loading' });
  const [generation, setGeneration] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` is not read inside; changing it is what `reload` asks, a new load
  useEffect(() => {
    if (key === null) {
      setResource({ state: 'idle' });
      return;
    }
    const controller = new AbortController();
    const { signal } = controller;
    let refresh: ReturnType<typeof setTimeout> | undefined;
    setResource((previous) => ({ state: 'loading', ...('data' in previous && previous.data !== undefined ? { data: previous.data } : {}) }));
    const run = (refreshes: number) => {
      forgetStale(signal);
      loader
        .current(signal)
        .then((data) => {
          if (signal.aborted) return;
          setResource({ state: 'ok', data });
          const delay = answeredStale(signal) ? STALE_REFRESH_DELAYS_MS[refreshes] : undefined;
          if (delay !== undefined) refresh = setTimeout(() => run(refreshes + 1), delay);
        })
        // A background refresh that fails leaves the answer already shown in place.
        .catch((error: unknown) => !signal.aborted && refreshes === 0 && setResource({ state: 'error', error }));
    };
    run(0);
    return () => {
      clearTimeout(refresh);
      controller.abort();
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...resource, reload };
};
