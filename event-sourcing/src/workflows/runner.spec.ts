import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../event-store/postgres.ts';
import { createPool, type Pool } from '../postgres/pool.ts';
import { testDatabaseUrl } from '../testing/database.ts';
import { TestClock } from '../time/clock.ts';
import { WorkflowRunner, type Workflow } from './runner.ts';

let pool: Pool;
let store: PostgresEventStore;
beforeAll(async () => {
  pool = createPool(await testDatabaseUrl(), 8);
  store = await PostgresEventStore.create(pool, { pollIntervalMs: 20 });
  await WorkflowRunner.migrate(pool);
});
afterAll(async () => {
  await store?.close();
  await pool?.end();
});

const clock = new TestClock('2030-01-01T00:00:00Z');

/** `count` events, one stream each, for the workflow to react to. */
const appendEvents = async (type: string, count: number) => {
  await store.appendBatch(
    Array.from({ length: count }, (_, n) => [
      { streamId: `${type}-${randomUUID()}`, events: [{ eventId: randomUUID(), type, data: { n } }], expected: 'no_stream' as const },
    ]),
  );
};

/** One task per event of `type`, due at once (the event numbered 0 a minute earlier: it is claimed first), executed by `execute`. */
const workflow = (name: string, type: string, execute: (n: number) => Promise<void>): Workflow<{ type: 'Work'; n: number }> => ({
  name,
  react: (event) =>
    event.type === type
      ? [
          {
            taskId: `${name}:${event.eventId}`,
            dueAt: new Date(clock.now().getTime() - ((event.data as { n: number }).n === 0 ? 60_000 : 0)).toISOString(),
            task: { type: 'Work', n: (event.data as { n: number }).n },
          },
        ]
      : [],
  execute: (task) => execute(task.n),
});

const doneCount = async (name: string) =>
  Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM workflow_tasks WHERE workflow = $1 AND done_at IS NOT NULL', [name])).rows[0]!.n);

const eventually = async (check: () => Promise<boolean>, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('the workflow runner executes due tasks', () => {
  it('a slow task holds only its own slot: the tasks claimed with it and after it finish meanwhile', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const slow = workflow('slow-one', 'SlowOneHappened', async (n) => {
      if (n === 0) await blocked;
    });
    await appendEvents('SlowOneHappened', 40);
    const controller = new AbortController();
    const running = new WorkflowRunner({ pool, eventStore: store, clock, workflows: [slow], concurrency: 4, tickMs: 20 }).run(controller.signal);
    try {
      // With four slots, 39 tasks pass the one that waits: ten claims or more, none waiting for it.
      await eventually(async () => (await doneCount('slow-one')) === 39);
      release();
      await eventually(async () => (await doneCount('slow-one')) === 40);
    } finally {
      release();
      controller.abort();
      await running;
    }
  });

  it('tasks that finish together are marked done together, in fewer statements than tasks', async () => {
    const statements: string[] = [];
    const counted = new Proxy(pool, {
      get: (target, key, receiver) =>
        key === 'query'
          ? (query: string | { name?: string; text: string }, ...rest: unknown[]) => {
              if (typeof query === 'object' && query.name === 'workflow_done') statements.push(query.name);
              return (target.query as (...args: unknown[]) => unknown).call(target, query, ...rest);
            }
          : Reflect.get(target, key, receiver),
    });
    const fast = workflow('many-at-once', 'ManyHappened', async () => {
      await new Promise((r) => setTimeout(r, 5));
    });
    await appendEvents('ManyHappened', 64);
    const runner = new WorkflowRunner({ pool: counted, eventStore: store, clock, workflows: [fast], concurrency: 64 });
    expect(await runner.runDueTasks()).toBe(64);
    expect(await doneCount('many-at-once')).toBe(64);
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.length).toBeLessThan(64 / 4);
  });

  it("each task's log lines name the correlation id of the event that caused it, done or failed", async () => {
    const streamId = `Correlated-${randomUUID()}`;
    await store.append(streamId, [{ eventId: randomUUID(), type: 'CorrelatedHappened', data: { n: 1 }, metadata: { correlationId: 'corr-ok' } }], 'no_stream');
    await store.append(
      `Correlated-${randomUUID()}`,
      [{ eventId: randomUUID(), type: 'CorrelatedHappened', data: { n: 2 }, metadata: { correlationId: 'corr-failing' } }],
      'no_stream',
    );
    const done: unknown[] = [];
    const failed: Record<string, unknown>[] = [];
    const correlated = workflow('correlated', 'CorrelatedHappened', async (n) => {
      if (n === 2) throw new Error('the mail server is away');
    });
    const runner = new WorkflowRunner({
      pool,
      eventStore: store,
      clock,
      workflows: [correlated],
      onDone: (context) => done.push(context),
      onError: (_error, context) => failed.push(context),
    });
    await runner.runDueTasks();
    expect(done).toEqual([expect.objectContaining({ workflow: 'correlated', type: 'Work', correlationId: 'corr-ok' })]);
    expect(failed).toEqual([expect.objectContaining({ correlationId: 'corr-failing', attempt: 1, parked: false })]);
  });
  it('runs the tasks due at once that it records, stored claimed: no claim statement for them; those a full runner leaves over are claimed', async () => {
    const claims: string[] = [];
    const counted = new Proxy(pool, {
      get: (target, key, receiver) =>
        key === 'query'
          ? (query: string | { name?: string; text: string }, ...rest: unknown[]) => {
              if (typeof query === 'object' && query.name === 'workflow_claim') claims.push(query.name);
              return (target.query as (...args: unknown[]) => unknown).call(target, query, ...rest);
            }
          : Reflect.get(target, key, receiver),
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const recorded = workflow('run-as-recorded', 'RecordedThenRun', async () => undefined);
    const gated = workflow('run-when-free', 'MoreThanSlots', () => gate);
    const controller = new AbortController();
    // No tick in the spec's time: only a wake-up makes the claiming loop claim again.
    const runner = new WorkflowRunner({ pool: counted, eventStore: store, clock, workflows: [recorded, gated], concurrency: 4, tickMs: 600_000 });
    const running = runner.run(controller.signal);
    try {
      await eventually(async () => claims.length === 1);
      await appendEvents('RecordedThenRun', 3);
      await eventually(async () => (await doneCount('run-as-recorded')) === 3);
      expect(claims).toHaveLength(1);
      const { rows } = await pool.query<{ attempts: number }>("SELECT attempts FROM workflow_tasks WHERE workflow = 'run-as-recorded'");
      expect(rows.map((r) => r.attempts)).toEqual([1, 1, 1]);

      // Six due with four slots: four run as recorded, two wait for a claim once slots free up.
      await appendEvents('MoreThanSlots', 6);
      await eventually(async () => Number((await pool.query("SELECT count(*) AS n FROM workflow_tasks WHERE workflow = 'run-when-free'")).rows[0].n) === 6);
      release();
      await eventually(async () => (await doneCount('run-when-free')) === 6);
      expect(claims.length).toBeGreaterThanOrEqual(2);
    } finally {
      release();
      controller.abort();
      await running;
    }
  });

  it("claims only the tasks of the workflows it holds: another runner's tasks on the same database stay due and untouched", async () => {
    const ranA: number[] = [];
    const ranB: number[] = [];
    const mine = workflow('held-here', 'HeldHereHappened', async (n) => void ranA.push(n));
    const theirs = workflow('held-elsewhere', 'HeldElsewhereHappened', async (n) => void ranB.push(n));
    await appendEvents('HeldHereHappened', 3);
    await appendEvents('HeldElsewhereHappened', 3);
    // The other runner records its tasks, then is away (a process of its own, stopped for a deploy).
    await new WorkflowRunner({ pool, eventStore: store, clock, workflows: [theirs] }).catchUp();
    expect(await new WorkflowRunner({ pool, eventStore: store, clock, workflows: [mine] }).runDueTasks()).toBe(3);
    expect(ranA).toHaveLength(3);
    const { rows } = await pool.query<{ attempts: number; done: boolean; error: string | null }>(
      "SELECT attempts, done_at IS NOT NULL AS done, last_error AS error FROM workflow_tasks WHERE workflow = 'held-elsewhere'",
    );
    expect(rows).toEqual(Array.from({ length: 3 }, () => ({ attempts: 0, done: false, error: null })));
    expect(await new WorkflowRunner({ pool, eventStore: store, clock, workflows: [theirs] }).runDueTasks()).toBe(3);
    expect(ranB.sort()).toEqual([0, 1, 2]);
  });
});

describe('durable deadlines, retries and parking', () => {
  // A database of its own: a runner claims every workflow's due tasks, those of the specs above included.
  let pool: Pool;
  let store: PostgresEventStore;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    store = await PostgresEventStore.create(pool);
    await WorkflowRunner.migrate(pool);
  });
  afterAll(async () => {
    await store?.close();
    await pool?.end();
  });
  const appendEvents = async (type: string, count: number) => {
    for (let n = 0; n < count; n++) await store.append(`${type}-${randomUUID()}`, [{ eventId: randomUUID(), type, data: { n } }], 'no_stream');
  };
  const at = new TestClock('2030-02-01T00:00:00Z');
  const HOUR = 3_600_000;
  type Remind = { type: 'Remind'; id: string };
  /** One task per event of `type`, due an hour after the clock's now when it reacted. */
  const reminders = (
    name: string,
    type: string,
    execute: (task: Remind, attempt: number) => Promise<void>,
    hooks: Partial<Workflow<Remind>> = {},
  ): Workflow<Remind> => ({
    name,
    react: (event) =>
      event.type === type
        ? [{ taskId: `${name}:${event.streamId}`, dueAt: new Date(at.now().getTime() + HOUR).toISOString(), task: { type: 'Remind', id: event.streamId } }]
        : [],
    execute: (task, { attempt }) => execute(task, attempt),
    ...hooks,
  });
  const runner = (workflow: Workflow<Remind>) => new WorkflowRunner({ pool, eventStore: store, clock: at, workflows: [workflow], maxAttempts: 2 });

  it('runs a task only once it is due, and once', async () => {
    const ran: string[] = [];
    const subject = runner(reminders('remind-later', 'ReminderAsked', async (task) => void ran.push(task.id)));
    await appendEvents('ReminderAsked', 1);
    expect(await subject.runDueTasks()).toBe(0);
    at.advance(HOUR);
    expect(await subject.runDueTasks()).toBe(1);
    expect(await subject.runDueTasks()).toBe(0);
    expect(ran).toHaveLength(1);
  });

  it('survives a restart: a task recorded by one runner is run by the next', async () => {
    const ran: string[] = [];
    await appendEvents('RestartAsked', 1);
    await runner(reminders('remind-restart', 'RestartAsked', async () => undefined)).catchUp();
    at.advance(HOUR);
    expect(await runner(reminders('remind-restart', 'RestartAsked', async (task) => void ran.push(task.id))).runDueTasks()).toBe(1);
    expect(ran).toHaveLength(1);
  });

  it('retries a failing task with backoff, parks it after its attempts, and runs it again when an operator retries it', async () => {
    let failing = true;
    const parked: string[] = [];
    const recovered: string[] = [];
    const subject = runner(
      reminders(
        'remind-fail',
        'FailAsked',
        async () => {
          if (failing) throw new Error('gateway down');
        },
        { onParked: async (_task, { taskId }) => void parked.push(taskId), onRecovered: async (_task, { taskId }) => void recovered.push(taskId) },
      ),
    );
    await appendEvents('FailAsked', 1);
    await subject.catchUp();
    at.advance(HOUR);
    await subject.runDueTasks();
    expect(parked).toEqual([]);
    at.advance(24 * HOUR);
    await subject.runDueTasks();
    expect(parked).toHaveLength(1);
    const listed = (await WorkflowRunner.parkedTasks(pool)).filter((task) => task.workflow === 'remind-fail');
    expect(listed).toMatchObject([{ taskId: parked[0], attempts: 2, lastError: expect.stringContaining('gateway down') }]);

    at.advance(24 * HOUR);
    expect(await subject.runDueTasks()).toBe(0);
    failing = false;
    expect(await WorkflowRunner.retryParkedTask(pool, parked[0]!, at.now())).toBe(true);
    expect(await subject.runDueTasks()).toBe(1);
    expect(recovered).toEqual(parked);
    expect((await WorkflowRunner.parkedTasks(pool)).filter((task) => task.workflow === 'remind-fail')).toEqual([]);
  });
});
