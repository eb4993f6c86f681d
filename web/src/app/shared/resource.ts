import { useCallback, useEffect, useRef, useState } from 'react';

export type Resource<T> =
  | { state: 'idle'; data?: undefined }
  | { state: 'loading'; data?: T }
  | { state: 'error'; error: unknown; data?: T }
  | { state: 'ok'; data: T };

/**
 * Loads with `load` whenever `key` changes (null: nothing to load yet); an older answer that
 * arrives after a newer request is dropped. `reload` loads again with the same key.
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
    setResource((previous) => ({ state: 'loading', ...('data' in previous && previous.data !== undefined ? { data: previous.data } : {}) }));
    loader
      .current(controller.signal)
      .then((data) => !controller.signal.aborted && setResource({ state: 'ok', data }))
      .catch((error: unknown) => !controller.signal.aborted && setResource({ state: 'error', error }));
    return () => controller.abort();
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...resource, reload };
};
