import { Redis } from 'ioredis';

/**
 * Cache-aside for repeated searches: a result is kept for a short TTL and never served after it.
 * Only the read side uses it; bookings and checkouts decide against their own streams, so a cached
 * search can show a room that is gone by now, but can never make a booking fail or succeed.
 */
export interface SearchCache {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  close(): Promise<void>;
}

/** In process: a Map in insertion order, the oldest entries dropped past `maxEntries`. */
export const inProcessSearchCache = (ttlMs: number, now: () => number = Date.now, maxEntries = 10_000): SearchCache => {
  const entries = new Map<string, { value: unknown; expires: number }>();
  return {
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    async set(key, value) {
      entries.delete(key);
      entries.set(key, { value, expires: now() + ttlMs });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    async close() {
      entries.clear();
    },
  };
};

/** In Redis, shared by every query API instance; the key expires with the TTL (PX). */
const redisSearchCache = (url: string, ttlMs: number, prefix = 'search-cache:'): SearchCache => {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000, lazyConnect: true });
  return {
    async get(key) {
      const text = await redis.get(prefix + key);
      return text === null ? undefined : JSON.parse(text);
    },
    async set(key, value) {
      await redis.set(prefix + key, JSON.stringify(value), 'PX', ttlMs);
    },
    async close() {
      redis.disconnect();
    },
  };
};

export const searchCacheFromConfig = (config: { REDIS_URL?: string | undefined; SEARCH_CACHE_TTL_MS?: number | undefined }): SearchCache | undefined => {
  const ttl = config.SEARCH_CACHE_TTL_MS ?? 3000;
  if (ttl <= 0) return undefined;
  return config.REDIS_URL ? redisSearchCache(config.REDIS_URL, ttl) : inProcessSearchCache(ttl);
};

/** A key that does not depend on the order the parameters came in. */
export const cacheKeyOf = (route: string, query: Record<string, unknown>): string =>
  `${route}?${JSON.stringify(
    Object.keys(query)
      .sort()
      .filter((k) => query[k] !== undefined)
      .map((k) => [k, query[k]]),
  )}`;

/**
 * Answers from the cache when it holds the key (unless `bypass`: a read after a write must see
 * it), else computes and stores. A cache that fails is skipped: search works without it.
 */
export const cached = async <T>(
  cache: SearchCache | undefined,
  key: string,
  bypass: boolean,
  compute: () => Promise<T>,
  onError: (error: unknown) => unknown,
): Promise<T> => {
  if (!cache) return compute();
  if (!bypass) {
    const hit = await cache.get(key).catch((error: unknown) => {
      onError(error);
      return undefined;
    });
    if (hit !== undefined) return hit as T;
  }
  const value = await compute();
  await cache.set(key, value).catch((error: unknown) => {
    onError(error);
  });
  return value;
};
