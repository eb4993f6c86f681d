/** A small JSON client on Node's fetch (undici, keep-alive connections reused across requests). */
export type Reply<T = any> = { status: number; body: T };

const call = async <T = any>(method: string, url: string, options: { body?: unknown; token?: string } = {}): Promise<Reply<T>> => {
  const response = await fetch(url, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  // Read the whole body so that the connection goes back to the pool.
  const text = await response.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, body };
};

export const api = (base: string) => ({
  get: <T = any>(path: string, token?: string) => call<T>('GET', `${base}${path}`, token ? { token } : {}),
  post: <T = any>(path: string, body: unknown, token?: string) => call<T>('POST', `${base}${path}`, { body, ...(token ? { token } : {}) }),
  put: <T = any>(path: string, body: unknown, token?: string) => call<T>('PUT', `${base}${path}`, { body, ...(token ? { token } : {}) }),
});

/** Runs `work` over `items` with at most `concurrency` at a time. */
export const inParallel = async <T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!, i);
      }
    }),
  );
  return results;
};
