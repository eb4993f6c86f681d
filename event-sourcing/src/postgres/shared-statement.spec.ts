import { describe, expect, it } from 'vitest';
import { SharedStatement } from './shared-statement.ts';

/** A writer whose writes finish when the test says so. */
const controlledWriter = () => {
  const writes: { items: number[]; finish: (error?: Error) => void }[] = [];
  const write = (items: number[]) => new Promise<void>((resolve, reject) => writes.push({ items, finish: (error) => (error ? reject(error) : resolve()) }));
  return { writes, write };
};

const turn = () => new Promise((r) => setImmediate(r));

const settled = async <T>(promise: Promise<T>) => {
  let state = 'pending';
  promise.then(
    () => (state = 'fulfilled'),
    () => (state = 'rejected'),
  );
  await new Promise((r) => setImmediate(r));
  return state;
};

describe('a shared statement', () => {
  it('answers each caller with its own result', async () => {
    const runs: string[][] = [];
    const lookup = new SharedStatement(async (keys: string[]) => {
      runs.push(keys);
      await new Promise((r) => setTimeout(r, 5));
      return keys.map((k) => (k === 'missing' ? undefined : k.toUpperCase()));
    });
    const answers = await Promise.all(['a', 'b', 'missing', 'c'].map((k) => lookup.add(k)));
    expect(answers).toEqual(['A', 'B', undefined, 'C']);
    expect(runs).toEqual([['a'], ['b', 'missing', 'c']]);
  });

  it('a lone item is written at once; the items that arrive meanwhile share the next write', async () => {
    const { writes, write } = controlledWriter();
    const shared = new SharedStatement(write);
    const first = shared.add(1);
    const later = [shared.add(2), shared.add(3), shared.add(4)];
    expect(writes.map((w) => w.items)).toEqual([[1]]);
    expect(await settled(first)).toBe('pending');

    writes[0]!.finish();
    await first;
    await turn();
    expect(writes.map((w) => w.items)).toEqual([[1], [2, 3, 4]]);
    expect(await settled(later[0]!)).toBe('pending'); // nobody hears back before their own write is done
    writes[1]!.finish();
    await Promise.all(later);
  });

  it('a failed write fails the items it carried, and only those', async () => {
    const { writes, write } = controlledWriter();
    const shared = new SharedStatement(write);
    const first = shared.add(1);
    const second = shared.add(2);
    writes[0]!.finish(new Error('refused'));
    await expect(first).rejects.toThrow('refused');
    writes[1]!.finish();
    await expect(second).resolves.toBeUndefined();
  });

  it('a write carries at most maxItems; the rest follow in the next one', async () => {
    const { writes, write } = controlledWriter();
    const shared = new SharedStatement(write, 2);
    const all = [1, 2, 3, 4, 5].map((n) => shared.add(n));
    writes[0]!.finish();
    await all[0];
    await turn();
    writes[1]!.finish();
    await all[2];
    await turn();
    writes[2]!.finish();
    await Promise.all(all);
    expect(writes.map((w) => w.items)).toEqual([[1], [2, 3], [4, 5]]);
  });
});
