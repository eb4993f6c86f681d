import { Redis } from 'ioredis';

/**
 * Cache-aside for repeated searches: a result is kept for a short TTL and never served after it.
 * Only the read side uses it; bookings and checkouts decide against their own streams, so a cached
 * search can show a room that is gone by now, but can never make a booking fail or succeed.
 */
export interface SearchCache {
  /** An answer kept as the JSON text it was sent as: a hit is written out again without serialising anything. */
  get(key: string): Promise<string | undefined>;
  set(key: string, text: string): Promise<void>;
  close(): Promise<void>;
}

/** In process: a Map in insertion order, the oldest entries dropped past `maxEntries`. */
export const inProcessSearchCache = (ttlMs: number, now: () => number = Date.now, maxEntries = 10_000): SearchCache => {
  const entries = new Map<string, { text: string; expires: number }>();
  return {
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.text;
    },
    async set(key, text) {
      entries.delete(key);
      entries.set(key, { text, expires: now() + ttlMs });
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
      return (await redis.get(prefix + key)) ?? undefined;
    },
    async set(key, text) {
      await redis.set(prefix + key, text, 'PX', ttlMs);
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
 * Answers from the cache when it holds the key, worked out only when there is a cache (unless `bypass`: a read after a write must see
 * it), else computes and stores. A cache that fails is skipped: search works without it.
 */
export const cached = async (
  cache: SearchCache | undefined,
  keyOf: () => string,
  bypass: boolean,
  compute: () => Promise<string>,
  onError: (error: unknown) => unknown,
): Promise<string> => {
  if (!cache) return compute();
  const key = keyOf();
  if (!bypass) {
    const hit = await cache.get(key).catch((error: unknown) => {
      onError(error);
      return undefined;
    });
    if (hit !== undefined) return hit;
  }
  const value = await compute();
  await cache.set(key, value).catch((error: unknown) => {
    onError(error);
  });
  return value;
};
