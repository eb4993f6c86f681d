import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../event-store/postgres.ts';
import type { EventStore, RecordedEvent } from '../event-store/port.ts';
import { createPool, type Pool } from '../postgres/pool.ts';
import { testDatabaseUrl } from '../testing/database.ts';
import { TestClock } from '../time/clock.ts';
import { WorkflowRunner, type Workflow } from './runner.ts';

let pool: Pool;
let store: PostgresEventStore;
beforeAll(async () => {
  pool = createPool(await testDatabaseUrl(), 5);
  store = await PostgresEventStore.create(pool, { pollIntervalMs: 20 });
  await WorkflowRunner.migrate(pool);
});
afterAll(async () => {
  await store?.close();
  await pool?.end();
});

const append = async (type: string, data: Record<string, unknown> = {}) => {
  const eventId = randomUUID();
  await store.append(`thing-${randomUUID()}`, [{ eventId, type, data }], 'no_stream');
  return eventId;
};

/** A workflow that makes one task per event of `types`, and fails on the events `fails` picks. */
const workflow = (name: string, fails: (event: RecordedEvent) => string | undefined = () => undefined): Workflow => ({
  name,
  react: (event) => {
    const failure = fails(event);
    if (failure === 'throw') throw new Error(`cannot react to ${event.type}`);
    return [{ taskId: `${name}-${event.eventId}`, dueAt: failure === 'bad-date' ? 'not a date' : '2030-01-01T00:00:00Z', task: { type: 'Noop' } }];
  },
  execute: async () => undefined,
});

const tasksOf = async (name: string) =>
  (await pool.query<{ task_id: string }>('SELECT task_id FROM workflow_tasks WHERE workflow = $1 ORDER BY task_id', [name])).rows.map((r) => r.task_id);

const runner = (workflows: Workflow[], eventStore: EventStore = store) =>
  new WorkflowRunner({ pool, eventStore, clock: new TestClock(), workflows, reactionRetry: { attempts: 2, backoffMs: 1 }, maxSubscriptionBackoffMs: 50 });

describe('workflow subscriptions, one checkpoint per workflow', () => {
  it('an event whose reaction throws, or whose task cannot be stored, is parked; the events after it and the other workflows go on', async () => {
    const throwing = await append('Poison');
    const badDate = await append('BadDate');
    const fine = await append('Fine');
    const fussy = workflow('fussy', (e) => (e.type === 'Poison' ? 'throw' : e.type === 'BadDate' ? 'bad-date' : undefined));
    const calm = workflow('calm');
    await runner([fussy, calm]).runDueTasks();

    expect(await tasksOf('fussy')).toEqual([`fussy-${fine}`]);
    expect(await tasksOf('calm')).toEqual([`calm-${throwing}`, `calm-${badDate}`, `calm-${fine}`].sort());
    const parked = await WorkflowRunner.listParked(pool, 'fussy');
    expect(parked.map((p) => [p.eventId, p.type])).toEqual([
      [throwing, 'Poison'],
      [badDate, 'BadDate'],
    ]);
    expect(parked[0]!.error).toContain('cannot react to Poison');
    expect(await WorkflowRunner.listParked(pool, 'calm')).toEqual([]);

    const health = await WorkflowRunner.health(pool, new Date(), { eventStore: store });
    expect(health.subscriptions).toEqual([
      expect.objectContaining({ workflow: 'calm', lag: 0, parked: 0, stuck: false }),
      expect.objectContaining({ workflow: 'fussy', lag: 0, parked: 2, stuck: false }),
    ]);

    // After a fix, retrying reacts again: the tasks appear and the events are unparked.
    const fixed = runner([workflow('fussy'), calm]);
    expect(await fixed.retryParked('fussy')).toEqual({ retried: [throwing, badDate], failed: [] });
    expect(await tasksOf('fussy')).toEqual([`fussy-${throwing}`, `fussy-${badDate}`, `fussy-${fine}`].sort());
    expect(await WorkflowRunner.listParked(pool)).toEqual([]);
  });

  it('a subscription that keeps failing notes its error and since when, waits, resumes from its checkpoint, and clears the note', async () => {
    let broken = true;
    const flaky: EventStore = new Proxy(store, {
      get: (target, property, receiver) =>
        property === 'subscribe' && broken
          ? async () => Promise.reject(new Error('connection terminated unexpectedly'))
          : Reflect.get(target, property, receiver),
    });
    const stop = new AbortController();
    const running = runner([workflow('flaky')], flaky).run(stop.signal);
    const eventId = await append('AfterOutage');
    const status = async () =>
      (await WorkflowRunner.health(pool, new Date(), { eventStore: store, stuckAfterMs: 0 })).subscriptions.find((s) => s.workflow === 'flaky');
    await expect.poll(status, { timeout: 10_000 }).toMatchObject({ lastError: 'Error: connection terminated unexpectedly', stuck: true });
    expect((await status())!.lag).toBeGreaterThan(0);

    broken = false;
    await expect.poll(status, { timeout: 10_000 }).toMatchObject({ lag: 0, lastError: null, failingSince: null, stuck: false });
    expect(await tasksOf('flaky')).toContain(`flaky-${eventId}`);
    stop.abort();
    await running;
  });

  it('one reader of the log serves every workflow: each reacts to the events after its own checkpoint, and the log is read once for all', async () => {
    const reads = { readAll: 0, subscribe: 0 };
    const counted: EventStore = new Proxy(store, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver);
        if ((property === 'readAll' || property === 'subscribe') && typeof value === 'function') {
          return (...args: unknown[]) => {
            reads[property] += 1;
            return value.apply(target, args);
          };
        }
        return value;
      },
    });
    const suffix = randomUUID().slice(0, 8);
    const [behind, ahead] = [workflow(`behind-${suffix}`), workflow(`ahead-${suffix}`)];
    const start = await store.headPosition();
    const first = await append('First');
    const middle = await store.headPosition();
    const second = await append('Second');
    for (const [name, position] of [
      [behind.name, start],
      [ahead.name, middle],
    ] as const) {
      await pool.query('INSERT INTO subscription_checkpoints (name, position) VALUES ($1, $2)', [`workflow:${name}`, position]);
    }

    await runner([behind, ahead], counted).catchUp();
    expect(await tasksOf(behind.name)).toEqual([`${behind.name}-${first}`, `${behind.name}-${second}`].sort());
    expect(await tasksOf(ahead.name)).toEqual([`${ahead.name}-${second}`]);
    expect(reads.readAll).toBe(2); // one page and the empty one after it, for both workflows

    const stop = new AbortController();
    const running = runner([behind, ahead], counted).run(stop.signal);
    const third = await append('Third');
    await expect.poll(() => tasksOf(ahead.name), { timeout: 10_000 }).toContain(`${ahead.name}-${third}`);
    await expect.poll(() => tasksOf(behind.name), { timeout: 10_000 }).toContain(`${behind.name}-${third}`);
    expect(reads.subscribe).toBe(1);
    stop.abort();
    await running;
    expect(await tasksOf(behind.name)).toHaveLength(3);
    expect(await tasksOf(ahead.name)).toHaveLength(2);
  });

  it('a workflow seen for the first time starts where the shared checkpoint of earlier versions stood', async () => {
    const head = await store.headPosition();
    await pool.query("INSERT INTO subscription_checkpoints (name, position) VALUES ('workflows', $1) ON CONFLICT (name) DO UPDATE SET position = $1", [head]);
    const later = await append('Later');
    await runner([workflow('newcomer')]).runDueTasks();
    expect(await tasksOf('newcomer')).toEqual([`newcomer-${later}`]);
  });
});
