import { describe, expect, it } from 'vitest';
import { addRecent, emptyRecentIds, findRecent, type RecentIds } from './recent-ids.ts';

const addAll = (ids: RecentIds, from: number, to: number): RecentIds => {
  let next = ids;
  for (let i = from; i < to; i++) next = addRecent(next, `k${i}`, i);
  return next;
};

describe('recent ids', () => {
  it('finds what was added, and nothing else', () => {
    const ids = addAll(emptyRecentIds(3), 0, 2);
    expect(findRecent(ids, 'k0')).toBe(0);
    expect(findRecent(ids, 'k1')).toBe(1);
    expect(findRecent(ids, 'k2')).toBeUndefined();
  });

  it('keeps the newest `limit` keys, also across many rebuilds of its log', () => {
    const ids = addAll(emptyRecentIds(5), 0, 103);
    expect([...Array(103).keys()].filter((i) => findRecent(ids, `k${i}`) !== undefined)).toEqual([98, 99, 100, 101, 102]);
  });

  it('an earlier value reads as it did after later additions', () => {
    const before = addAll(emptyRecentIds(4), 0, 3);
    const after = addAll(before, 3, 20);
    expect(findRecent(before, 'k2')).toBe(2);
    expect(findRecent(before, 'k3')).toBeUndefined();
    expect(findRecent(after, 'k0')).toBeUndefined();
    expect(findRecent(after, 'k19')).toBe(19);
  });

  it('two additions to the same value branch apart without seeing each other', () => {
    const base = addAll(emptyRecentIds(4), 0, 2);
    const left = addRecent(base, 'left', 10);
    const right = addRecent(base, 'right', 20);
    expect(findRecent(left, 'left')).toBe(10);
    expect(findRecent(left, 'right')).toBeUndefined();
    expect(findRecent(right, 'right')).toBe(20);
    expect(findRecent(right, 'left')).toBeUndefined();
    expect(findRecent(base, 'left')).toBeUndefined();
    expect(findRecent(right, 'k1')).toBe(1);
  });

  it('a key added again takes its new number, and the older value keeps the first', () => {
    const first = addAll(emptyRecentIds(4), 0, 2);
    const again = addRecent(first, 'k0', 7);
    expect(findRecent(again, 'k0')).toBe(7);
    expect(findRecent(first, 'k0')).toBe(0);
    expect(findRecent(addAll(again, 10, 13), 'k0')).toBe(7);
  });
});
