/**
 * The newest `limit` keys with a number each (a client message id → its sequence), added and found
 * in O(1). A value is a view of an append-only log shared by its successors: adding at the log's
 * end (the usual case, a state evolved once) appends in place and returns a longer view; adding to
 * an older view (a state evolved twice, as after a refused commit), adding a key the log already
 * holds, or a log grown to twice the limit starts a new log from the view's newest entries (O(limit),
 * at most once per `limit` additions in the usual case). A view never sees an entry past its own
 * end, so every earlier value reads as it did: `add` is pure to anyone who only calls `add` and `find`.
 */
type Log = { readonly keys: string[]; readonly values: number[]; readonly at: Map<string, number> };
export type RecentIds = { readonly log: Log; readonly end: number; readonly limit: number };

export const emptyRecentIds = (limit: number): RecentIds => ({ log: { keys: [], values: [], at: new Map() }, end: 0, limit });

const windowStart = (ids: RecentIds): number => Math.max(0, ids.end - ids.limit);

export const findRecent = (ids: RecentIds, key: string): number | undefined => {
  const i = ids.log.at.get(key);
  return i !== undefined && i < ids.end && i >= windowStart(ids) ? ids.log.values[i] : undefined;
};

export const addRecent = (ids: RecentIds, key: string, value: number): RecentIds => {
  const { log, end, limit } = ids;
  if (end === log.keys.length && !log.at.has(key) && end < 2 * limit) {
    log.keys.push(key);
    log.values.push(value);
    log.at.set(key, end);
    return { log, end: end + 1, limit };
  }
  const fresh: Log = { keys: [], values: [], at: new Map() };
  for (let i = Math.max(0, end - limit + 1); i < end; i++) {
    const kept = log.keys[i]!;
    if (kept === key || log.at.get(kept) !== i) continue;
    fresh.at.set(kept, fresh.keys.length);
    fresh.keys.push(kept);
    fresh.values.push(log.values[i]!);
  }
  fresh.at.set(key, fresh.keys.length);
  fresh.keys.push(key);
  fresh.values.push(value);
  return { log: fresh, end: fresh.keys.length, limit };
};
