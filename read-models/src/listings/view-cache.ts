import type { ListingView } from './port.ts';

export type ListingViewCacheOptions = {
  /**
   * What the cached views were read at: the newest change to listing documents this process has
   * heard announced (see `CheckpointChanges.versionOf`), or undefined while announcements cannot
   * be heard (then nothing is cached or served from the cache).
   */
  version: () => string | undefined;
  /** The most views kept; the least recently used go first. */
  maxEntries: number;
  /** A view is never served after this, whatever the announcements (a safety net should one be lost). */
  ttlMs: number;
  now?: () => number;
};

type Entry<T> = { key: string; view: T | undefined; expires: number };

/**
 * Listing views by id, in process (or another answer read from a listing's rows, by a key of its
 * own: its calendar rows of some months, kept under the version of both listings and calendars). An entry is stored under the version taken *before* its read,
 * and served only while that version is still the current one: a change committed after the read
 * is announced after its commit, moves the version, and so retires every entry read before it. So
 * a view served is never older than the newest change this process has heard of; a reader with a
 * consistency token skips the cache (`fresh`), as its write's announcement may still be on its way.
 */
export class ListingViewCache<T = ListingView> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly now: () => number;

  constructor(private readonly options: ListingViewCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  async get(scope: string, listingId: string, read: () => Promise<T | undefined>, fresh = false): Promise<T | undefined> {
    const version = this.options.version();
    if (version === undefined) return read();
    const key = `${scope}/${version}`;
    const entry = this.entries.get(listingId);
    if (!fresh && entry && entry.key === key && entry.expires > this.now()) {
      // Least recently used first in the map's order: a hit moves to the end.
      this.entries.delete(listingId);
      this.entries.set(listingId, entry);
      return entry.view;
    }
    const view = await read();
    this.entries.delete(listingId);
    this.entries.set(listingId, { key, view: view && Object.freeze(view), expires: this.now() + this.options.ttlMs });
    while (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return view;
  }

  get size(): number {
    return this.entries.size;
  }
}
