import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AvailabilityTargetMissing, type AvailabilityStore, type AvailabilityUpdate } from './port.ts';

export type AvailabilityContractSetup = {
  /** A new store instance (its own connection) over the same data, to write concurrently. */
  open(): Promise<AvailabilityStore>;
  /** Removes everything the suite wrote (only this suite's database or key prefix). */
  cleanup(): Promise<void>;
};

let targets = 0;
const freshTarget = () => `contract_${process.pid}_${++targets}`;

const hold = (streamId: string, streamRevision: number, unitTypeId: string, keys: string[], units = 1): AvailabilityUpdate => ({
  streamId,
  streamRevision,
  changes: keys.map((key) => ({ unitTypeId, key, delta: units })),
});
const release = (streamId: string, streamRevision: number, unitTypeId: string, keys: string[], units = 1): AvailabilityUpdate =>
  hold(streamId, streamRevision, unitTypeId, keys, -units);

const asObject = (used: Map<string, Map<string, number>>) => Object.fromEntries([...used].map(([id, keys]) => [id, Object.fromEntries(keys)]));

/**
 * The behaviour every availability store must have. `skip` names the variable to set when the
 * server is not reachable.
 */
export const availabilityStoreContract = (name: string, setup: () => Promise<AvailabilityContractSetup>, skip?: string): void => {
  describe.skipIf(Boolean(skip))(`availability store contract: ${name}${skip ? ` (skipped: set ${skip})` : ''}`, () => {
    let env: AvailabilityContractSetup;
    let store: AvailabilityStore;
    const opened: AvailabilityStore[] = [];
    const open = async () => {
      const another = await env.open();
      opened.push(another);
      return another;
    };
    beforeAll(async () => {
      env = await setup();
      store = await open();
    });
    afterAll(async () => {
      await env?.cleanup();
      await Promise.all(opened.map((s) => s.close()));
    });
    const prepared = async () => {
      const target = freshTarget();
      await store.prepare(target);
      return target;
    };

    it('says whether a target held anything before it was prepared', async () => {
      const target = freshTarget();
      expect(await store.prepare(target)).toBe(false);
      expect(await store.prepare(target)).toBe(true);
    });

    it('adds up holds and releases per unit type and key, and reads every asked pair (0 when unused)', async () => {
      const target = await prepared();
      const applied = await store.apply(target, [
        hold('calendar-a-2030-01', 0, 'a', ['2030-01-01', '2030-01-02'], 2),
        hold('calendar-a-2030-01', 1, 'a', ['2030-01-02'], 1),
        hold('calendar-b-2030-01', 0, 'b', ['2030-01-01']),
        release('calendar-a-2030-01', 2, 'a', ['2030-01-01'], 2),
      ]);
      expect(applied).toEqual([true, true, true, true]);
      const used = await store.used(target, ['a', 'b', 'c'], ['2030-01-01', '2030-01-02', '2030-01-03']);
      expect(asObject(used)).toEqual({
        a: { '2030-01-01': 0, '2030-01-02': 3, '2030-01-03': 0 },
        b: { '2030-01-01': 1, '2030-01-02': 0, '2030-01-03': 0 },
        c: { '2030-01-01': 0, '2030-01-02': 0, '2030-01-03': 0 },
      });
    });

    it('keeps restaurant slots (instants) apart from nights', async () => {
      const target = await prepared();
      await store.apply(target, [hold('calendar-t-2030-02', 0, 't', ['2030-02-01T19:00:00.000Z', '2030-02-01T19:30:00.000Z'], 3)]);
      const used = await store.used(target, ['t'], ['2030-02-01T19:00:00.000Z', '2030-02-01T20:00:00.000Z', '2030-02-01']);
      expect(asObject(used)).toEqual({ t: { '2030-02-01T19:00:00.000Z': 3, '2030-02-01T20:00:00.000Z': 0, '2030-02-01': 0 } });
    });

    it('applying the same event twice changes nothing, in one batch or in two', async () => {
      const target = await prepared();
      const event = hold('calendar-a-2030-03', 0, 'a', ['2030-03-01'], 2);
      expect(await store.apply(target, [event, event])).toEqual([true, false]);
      expect(await store.apply(target, [event])).toEqual([false]);
      expect((await store.used(target, ['a'], ['2030-03-01'])).get('a')!.get('2030-03-01')).toBe(2);
    });

    it('ignores an event older than the last one applied on its stream, but not one of another stream', async () => {
      const target = await prepared();
      await store.apply(target, [hold('calendar-a-2030-04', 0, 'a', ['2030-04-01']), hold('calendar-a-2030-04', 1, 'a', ['2030-04-01'])]);
      expect(await store.apply(target, [hold('calendar-a-2030-04', 0, 'a', ['2030-04-01'])])).toEqual([false]);
      expect(await store.apply(target, [hold('calendar-a-2030-05', 0, 'a', ['2030-04-01'])])).toEqual([true]);
      expect((await store.used(target, ['a'], ['2030-04-01'])).get('a')!.get('2030-04-01')).toBe(3);
    });

    it('redelivering a whole history after a crash leaves the same counts', async () => {
      const target = await prepared();
      const history = Array.from({ length: 30 }, (_, i) =>
        i % 3 === 2 ? release('calendar-h-2030-06', i, 'h', ['2030-06-01']) : hold('calendar-h-2030-06', i, 'h', ['2030-06-01', '2030-06-02']),
      );
      await store.apply(target, history.slice(0, 17));
      await store.apply(target, history);
      const used = asObject(await store.used(target, ['h'], ['2030-06-01', '2030-06-02']));
      expect(used).toEqual({ h: { '2030-06-01': 10, '2030-06-02': 20 } });
    });

    it('applies an event at most once when several writers deliver it at the same time', async () => {
      const target = await prepared();
      const writers = await Promise.all(Array.from({ length: 4 }, () => open()));
      const event = hold('calendar-c-2030-07', 0, 'c', ['2030-07-01', '2030-07-02'], 5);
      const results = await Promise.all(writers.flatMap((w) => [w.apply(target, [event]), w.apply(target, [event])]));
      expect(results.flat().filter(Boolean)).toHaveLength(1);
      expect(asObject(await store.used(target, ['c'], ['2030-07-01', '2030-07-02']))).toEqual({ c: { '2030-07-01': 5, '2030-07-02': 5 } });
    });

    it('loses no increment when writers apply different streams of one unit type concurrently', async () => {
      const target = await prepared();
      const writers = await Promise.all(Array.from({ length: 4 }, () => open()));
      const events = Array.from({ length: 40 }, (_, i) => hold(`calendar-d-20${30 + i}-08`, 0, 'd', ['2030-08-01']));
      const results = await Promise.all(events.map((event, i) => writers[i % writers.length]!.apply(target, [event])));
      expect(results.flat().every(Boolean)).toBe(true);
      expect((await store.used(target, ['d'], ['2030-08-01'])).get('d')!.get('2030-08-01')).toBe(40);
    });

    it('ignores an update that changes nothing', async () => {
      const target = await prepared();
      expect(await store.apply(target, [{ streamId: 'calendar-e-2030-09', streamRevision: 0, changes: [] }])).toEqual([false]);
      expect(await store.apply(target, [])).toEqual([]);
    });

    it('keeps targets apart; dropping one leaves the other, and writing a dropped one is refused', async () => {
      const live = await prepared();
      const rebuilt = await prepared();
      await store.apply(live, [hold('calendar-f-2030-10', 0, 'f', ['2030-10-01'], 2)]);
      await store.apply(rebuilt, [hold('calendar-f-2030-10', 0, 'f', ['2030-10-01'], 1)]);
      await store.drop(rebuilt);
      expect((await store.used(live, ['f'], ['2030-10-01'])).get('f')!.get('2030-10-01')).toBe(2);
      expect((await store.used(rebuilt, ['f'], ['2030-10-01'])).get('f')!.get('2030-10-01')).toBe(0);
      await expect(store.apply(rebuilt, [hold('calendar-f-2030-10', 1, 'f', ['2030-10-01'])])).rejects.toBeInstanceOf(AvailabilityTargetMissing);
      expect(await store.prepare(rebuilt)).toBe(false);
      expect(await store.apply(rebuilt, [hold('calendar-f-2030-10', 0, 'f', ['2030-10-01'])])).toEqual([true]);
    });

    it('lists every non-zero count of a target, and only of that target', async () => {
      const target = await prepared();
      const other = await prepared();
      await store.apply(target, [
        hold('calendar-s-2030-11', 0, 's', ['2030-11-01', '2030-11-02'], 2),
        release('calendar-s-2030-11', 1, 's', ['2030-11-02'], 2),
        hold('calendar-r-2030-11', 0, 'r', ['2030-11-03']),
      ]);
      await store.apply(other, [hold('calendar-o-2030-11', 0, 'o', ['2030-11-01'])]);
      expect(asObject(await store.snapshot(target))).toEqual({ s: { '2030-11-01': 2 }, r: { '2030-11-03': 1 } });
      expect(asObject(await store.snapshot(freshTarget()))).toEqual({});
    });

    it('reads nothing asked as an empty answer', async () => {
      const target = await prepared();
      expect((await store.used(target, [], ['2030-01-01'])).size).toBe(0);
      expect(asObject(await store.used(target, ['x'], []))).toEqual({ x: {} });
    });
  });
};
