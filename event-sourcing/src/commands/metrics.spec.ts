import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '@stayhub/domain';
import { createPool, type Pool } from '../postgres/pool.ts';
import { testDatabaseUrl } from '../testing/database.ts';
import { PostgresEventStore } from '../event-store/postgres.ts';
import { metricsText } from '@stayhub/platform-kit';
import { CommandProcessor, type CommandObserver, type StreamDecider } from './command-processor.ts';
import { commandMetrics } from './metrics.ts';

type Add = { type: 'Add'; data: { n: number; limit?: number } };
type Added = { type: 'Added'; data: { n: number } };
const counter: StreamDecider<Add, number, Added> = {
  initialState: 0,
  evolve: (state, event) => state + event.data.n,
  decide: ({ data }, state) => {
    if (data.limit !== undefined && state + data.n > data.limit) throw new DomainError('LISTING_INCOMPLETE', `over ${data.limit}`);
    return [{ type: 'Added', data: { n: data.n } }];
  },
};
const add = (n: number, limit?: number): Add => ({ type: 'Add', data: { n, ...(limit !== undefined ? { limit } : {}) } });

/** An observer that keeps every call. */
const recording = () => {
  const calls: {
    answered: [string, string][];
    decided: string[];
    committed: { commands: number; appends: number; events: number; conflicts: number }[];
    retried: string[];
  } = {
    answered: [],
    decided: [],
    committed: [],
    retried: [],
  };
  const observer: CommandObserver = {
    answered: (type, outcome) => calls.answered.push([type, outcome]),
    decided: (type) => calls.decided.push(type),
    committed: ({ commands, appends, events, conflicts }) => calls.committed.push({ commands, appends, events, conflicts }),
    retried: (type) => calls.retried.push(type),
  };
  return { calls, observer };
};

let pool: Pool;
let store: PostgresEventStore;
beforeAll(async () => {
  pool = createPool(await testDatabaseUrl());
  store = await PostgresEventStore.create(pool);
});
afterAll(async () => {
  await store.close();
  await pool.end();
});

describe('command processor: what it tells its observer', () => {
  it('an accepted command: decided, committed (one command, one append, its events), answered ok', async () => {
    const { calls, observer } = recording();
    const processor = new CommandProcessor(store, { observer });
    await processor.handle(`m-${randomUUID()}`, counter, add(2), {}, { fresh: true });
    expect(calls).toEqual({ answered: [['Add', 'ok']], decided: ['Add'], committed: [{ commands: 1, appends: 1, events: 1, conflicts: 0 }], retried: [] });
  });

  it('a command the domain refuses is answered rejected and commits nothing', async () => {
    const { calls, observer } = recording();
    const processor = new CommandProcessor(store, { observer });
    const id = `m-${randomUUID()}`;
    await processor.handle(id, counter, add(1), {}, { fresh: true });
    await expect(processor.handle(id, counter, add(5, 3))).rejects.toBeInstanceOf(DomainError);
    expect(calls.answered).toEqual([
      ['Add', 'ok'],
      ['Add', 'rejected'],
    ]);
    expect(calls.committed).toHaveLength(1);
  });

  it('a lost race is a retry, then ok; a stale If-Match is a conflict', async () => {
    const { calls, observer } = recording();
    const id = `m-${randomUUID()}`;
    const mine = new CommandProcessor(store, { observer });
    const other = new CommandProcessor(store);
    await mine.handle(id, counter, add(1), {}, { fresh: true });
    await other.handle(id, counter, add(1));
    await mine.handle(id, counter, add(1));
    expect(calls.retried).toEqual(['Add']);
    // The lost race: a commit that stored nothing and met a conflict, then one that stored the retry.
    expect(calls.committed).toEqual([
      { commands: 1, appends: 1, events: 1, conflicts: 0 },
      { commands: 1, appends: 0, events: 0, conflicts: 1 },
      { commands: 1, appends: 1, events: 1, conflicts: 0 },
    ]);
    await expect(mine.handle(id, counter, add(1), {}, { expectedRevision: 0 })).rejects.toThrow(/revision/);
    expect(calls.answered.map(([, outcome]) => outcome)).toEqual(['ok', 'ok', 'conflict']);
  });

  it('without an observer nothing is measured, and the answers are the same', async () => {
    const processor = new CommandProcessor(store);
    const handled = await processor.handle(`m-${randomUUID()}`, counter, add(4), {}, { fresh: true });
    expect(handled.state).toBe(4);
  });

  it('in Prometheus: commands by type and outcome, commit batch sizes, events appended', async () => {
    const processor = new CommandProcessor(store, { observer: commandMetrics() });
    const id = `m-${randomUUID()}`;
    await processor.handle(id, counter, add(1), {}, { fresh: true });
    await processor.handle(id, counter, add(5, 3)).catch(() => undefined);
    const text = await metricsText();
    expect(text).toMatch(/commands_duration_seconds_count\{type="Add",outcome="ok"\} 1/);
    expect(text).toMatch(/commands_duration_seconds_count\{type="Add",outcome="rejected"\} 1/);
    expect(text).toMatch(/commands_commit_batch_size_count 1/);
    expect(text).toMatch(/eventstore_events_appended_total 1/);
    expect(text).toMatch(/commands_decide_duration_seconds_count\{type="Add"\} 2/);
  });

  it('in Prometheus: appends stored and each commit’s store time, conflicts and retries', async () => {
    const sample = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    const figures = [
      'eventstore_appends_total',
      'eventstore_events_appended_total',
      'eventstore_append_duration_seconds_count',
      'eventstore_append_conflicts_total',
      'commands_retries_total{type="Add"}',
      'commands_duration_seconds_count{type="Add",outcome="conflict"}',
    ];
    const before = await metricsText();
    const id = `m-${randomUUID()}`;
    const mine = new CommandProcessor(store, { observer: commandMetrics() });
    const other = new CommandProcessor(store);
    await mine.handle(id, counter, add(1), {}, { fresh: true });
    await other.handle(id, counter, add(1));
    await mine.handle(id, counter, add(1)); // lost the race once: decided again
    await mine.handle(id, counter, add(1), {}, { expectedRevision: 0 }).catch(() => undefined); // a stale If-Match
    const after = await metricsText();
    const grew = Object.fromEntries(figures.map((name) => [name, sample(after, name) - sample(before, name)]));
    expect(grew).toEqual({
      eventstore_appends_total: 2,
      eventstore_events_appended_total: 2,
      // Three commits: the first, the one another writer beat, the retry.
      eventstore_append_duration_seconds_count: 3,
      eventstore_append_conflicts_total: 1,
      'commands_retries_total{type="Add"}': 1,
      'commands_duration_seconds_count{type="Add",outcome="conflict"}': 1,
    });
  });
});
