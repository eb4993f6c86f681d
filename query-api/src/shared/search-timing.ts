import { histogram, latencyBuckets } from '@stayhub/platform-kit';

export type SearchIndex = 'listings' | 'products';

/**
 * Search latency by what is searched and the search's shape (the selective parts it asks, `+`-joined
 * in a fixed order, `browse` with none), as answered (cache hits included: what a user waits), in
 * `search_duration_seconds{index,shape}`. Shapes are few per index, so the labels stay small.
 */
export const timeSearch = <T>(index: SearchIndex, shape: string, search: () => Promise<T>): Promise<T> => {
  const end = histogram(
    'search_duration_seconds',
    'Searches by index (listings, products) and shape (text, geo, dates, filters; browse), as answered (cache hits included)',
    ['index', 'shape'],
    latencyBuckets,
  ).startTimer({ index, shape });
  return search().finally(() => end());
};
