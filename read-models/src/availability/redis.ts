import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import { AvailabilityTargetMissing, emptyUsed, type AvailabilityStore, type AvailabilityUpdate, type UsedUnits } from './port.ts';

/**
 * Applies one calendar event to one unit type's hash, atomically and at most once. The hash holds
 * `key → used` and, beside them, `rev:<streamId> → last revision applied` (ISO keys never start
 * with `rev:`), so the guard and the counters live in the same key and change together.
 * KEYS[1] = the target's ready marker, KEYS[2] = the unit type's hash;
 * ARGV[1] = revision field, ARGV[2] = revision, ARGV[3..] = key, delta pairs.
 * Returns 1 applied, 0 already applied, -1 target missing (flushed, or Redis lost its data).
 */
const APPLY = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local last = redis.call('HGET', KEYS[2], ARGV[1])
if last and tonumber(last) >= tonumber(ARGV[2]) then return 0 end
for i = 3, #ARGV, 2 do
  if redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1]) == 0 then redis.call('HDEL', KEYS[2], ARGV[i]) end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
`;

type WithApply = { availabilityApply(marker: string, hash: string, ...args: (string | number)[]): unknown };

const globEscape = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

export type RedisAvailabilityOptions = {
  /** Key prefix of this deployment (tests use a random one): keys are `<namespace>:<target>:…`. */
  namespace?: string;
};

/**
 * Availability in Redis: one hash per unit type and target, `<namespace>:<target>:u:<unitTypeId>`.
 * Each event is applied by a Lua script (atomic) guarded by its stream revision (idempotent), so a
 * projector may checkpoint after Redis accepted a batch and re-deliver freely.
 * The scripts touch two keys of a target, so this expects a standalone (or Sentinel) Redis, not a Cluster.
 */
export class RedisAvailabilityStore implements AvailabilityStore {
  private readonly namespace: string;

  constructor(
    private readonly redis: Redis,
    options: RedisAvailabilityOptions = {},
    private readonly owned = false,
  ) {
    this.namespace = options.namespace ?? 'avail';
    if (!('availabilityApply' in redis)) redis.defineCommand('availabilityApply', { lua: APPLY, numberOfKeys: 2 });
  }

  /** Connects to `url`; reads fail fast (a couple of retries) rather than queue while Redis is down. */
  static connect(url: string, options: RedisAvailabilityOptions & { redis?: RedisOptions } = {}): RedisAvailabilityStore {
    const redis = new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 5_000, ...options.redis });
    redis.on('error', () => undefined); // reconnects on its own; each failed command rejects to its caller
    return new RedisAvailabilityStore(redis, options, true);
  }

  private keysOf(target: string) {
    const base = `${this.namespace}:${target}`;
    return { base, ready: `${base}:ready`, unitType: (unitTypeId: string) => `${base}:u:${unitTypeId}` };
  }

  async prepare(target: string): Promise<boolean> {
    const keys = this.keysOf(target);
    if ((await this.redis.exists(keys.ready)) === 1) return true;
    // Whatever is left without a marker is a fragment (written while the marker was gone): start clean.
    await this.drop(target);
    await this.redis.set(keys.ready, new Date().toISOString(), 'NX');
    return false;
  }

  async apply(target: string, updates: readonly AvailabilityUpdate[]): Promise<boolean[]> {
    const keys = this.keysOf(target);
    const calls: { index: number }[] = [];
    const pipeline = this.redis.pipeline() as ChainableCommander & WithApply;
    updates.forEach((update, index) => {
      const byUnitType = new Map<string, (string | number)[]>();
      for (const change of update.changes) {
        const pairs = byUnitType.get(change.unitTypeId) ?? byUnitType.set(change.unitTypeId, []).get(change.unitTypeId)!;
        pairs.push(change.key, change.delta);
      }
      for (const [unitTypeId, pairs] of byUnitType) {
        pipeline.availabilityApply(keys.ready, keys.unitType(unitTypeId), `rev:${update.streamId}`, update.streamRevision, ...pairs);
        calls.push({ index });
      }
    });
    const applied = new Array<boolean>(updates.length).fill(false);
    if (calls.length === 0) return applied;
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([error, result], i) => {
      if (error) throw error;
      if (result === -1) throw new AvailabilityTargetMissing(target);
      if (result === 1) applied[calls[i]!.index] = true;
    });
    return applied;
  }

  async used(target: string, unitTypeIds: readonly string[], keys: readonly string[]): Promise<UsedUnits> {
    const result = emptyUsed(unitTypeIds, keys);
    if (unitTypeIds.length === 0 || keys.length === 0) return result;
    const { unitType } = this.keysOf(target);
    const pipeline = this.redis.pipeline();
    for (const unitTypeId of unitTypeIds) pipeline.hmget(unitType(unitTypeId), ...keys);
    const replies = (await pipeline.exec()) ?? [];
    replies.forEach(([error, values], i) => {
      if (error) throw error;
      const row = result.get(unitTypeIds[i]!)!;
      (values as (string | null)[]).forEach((value, k) => {
        if (value !== null) row.set(keys[k]!, Number(value));
      });
    });
    return result;
  }

  async snapshot(target: string): Promise<UsedUnits> {
    const prefix = `${this.keysOf(target).base}:u:`;
    const result: UsedUnits = new Map();
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 1000);
      for (const key of found) {
        const counts = new Map(
          Object.entries(await this.redis.hgetall(key))
            .filter(([field, value]) => !field.startsWith('rev:') && Number(value) !== 0)
            .map(([field, value]) => [field, Number(value)]),
        );
        if (counts.size > 0) result.set(key.slice(prefix.length), counts);
      }
      cursor = next;
    } while (cursor !== '0');
    return result;
  }

  async drop(target: string): Promise<void> {
    await this.deleteMatching(`${globEscape(this.keysOf(target).base)}:*`);
  }

  /** Deletes every key of this store's namespace (a test's or a stack's random prefix), never another's. */
  async dropNamespace(): Promise<void> {
    await this.deleteMatching(`${globEscape(this.namespace)}:*`);
  }

  private async deleteMatching(pattern: string): Promise<void> {
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (found.length > 0) await this.redis.unlink(...found);
      cursor = next;
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
