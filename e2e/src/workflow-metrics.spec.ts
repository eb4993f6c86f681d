import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.ts';
import { adminToken, day, login, publishedListing, register } from './fixtures.ts';

const OPERATOR = 'metrics-operator@example.com';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual', settings: { ADMIN_EMAILS: OPERATOR } });
});
afterAll(async () => {
  await stack?.stop();
});

const scrape = async (token: string): Promise<string> => {
  const metrics = await stack.command.get('/metrics', { token });
  expect(metrics.status).toBe(200);
  return metrics.body as string;
};

describe('workflow metrics', () => {
  it('count open tasks by workflow, task type and state, and show each subscription position', async () => {
    const operator = await adminToken(stack, OPERATOR);
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { instantBook: false, title: 'Metered cabin' });
    const requested = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 20), checkOut: day(stack, 22), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(requested.body.status).toBe('awaiting_approval');
    // The workflows record their reactions (the host's response deadline among them) and run nothing.
    await stack.side.workflows.catchUp();

    const before = await scrape(operator);
    expect(before).toMatch(/workflow_tasks_by_type\{workflow="bookings",type="ExpireRequest",state="scheduled"\} [1-9]/);
    expect(before).not.toMatch(/workflow_tasks_by_type\{workflow="bookings",type="ExpireRequest",state="overdue"\}/);
    expect(before).toMatch(/workflow_subscription_position\{workflow="bookings"\} [1-9]/);

    // A day and more later, nobody has run it: overdue, not scheduled.
    stack.clock.advance(25 * 3_600_000);
    const later = await login(stack, { email: OPERATOR });
    const after = await scrape(later);
    expect(after).toMatch(/workflow_tasks_by_type\{workflow="bookings",type="ExpireRequest",state="overdue"\} [1-9]/);
    expect(after).not.toMatch(/workflow_tasks_by_type\{workflow="bookings",type="ExpireRequest",state="scheduled"\}/);

    // Run, they are gone from the open tasks.
    await stack.runDueTasks();
    expect(await scrape(later)).not.toMatch(/workflow_tasks_by_type\{workflow="bookings",type="ExpireRequest"/);
  });

  it('tell every state of a kind apart: running, due, overdue, scheduled, parked', async () => {
    const operator = await login(stack, { email: OPERATOR });
    const now = stack.clock.now().getTime();
    const at = (ms: number) => new Date(now + ms).toISOString();
    // One task of each state, of a workflow of its own (the runner here runs nothing by itself).
    const rows: [state: string, dueAt: string, lockedUntil: string | null, parkedAt: string | null][] = [
      ['running', at(-5_000), new Date(Date.now() + 3_600_000).toISOString(), null],
      ['due', at(-5_000), null, null],
      ['overdue', at(-5 * 60_000), null, null],
      ['scheduled', at(3_600_000), null, null],
      ['parked', at(-3_600_000), null, at(-60_000)],
    ];
    const { pool } = stack.side.deps;
    for (const [state, dueAt, lockedUntil, parkedAt] of rows) {
      await pool.query(
        `INSERT INTO workflow_tasks (task_id, workflow, due_at, task, locked_until, parked_at) VALUES ($1, 'metrics_spec', $2, '{"type":"Probe"}', $3, $4)`,
        [`metrics-spec-${state}`, dueAt, lockedUntil, parkedAt],
      );
    }
    try {
      const text = await scrape(operator);
      for (const [state] of rows) expect(text, state).toContain(`workflow_tasks_by_type{workflow="metrics_spec",type="Probe",state="${state}"} 1`);
      expect(text).toContain('workflow_tasks_parked{workflow="metrics_spec",type="Probe"} 1');
    } finally {
      await pool.query(`DELETE FROM workflow_tasks WHERE workflow = 'metrics_spec'`);
    }
  });
});
