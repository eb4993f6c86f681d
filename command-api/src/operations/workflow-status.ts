import { WorkflowRunner, type WorkflowHealth, positionNumber } from '@stayhub/event-sourcing';
import { gauge } from '@stayhub/platform-kit';
import type { CommandDeps } from '../shared/deps.ts';

/** The workflows' health (read from the database, wherever the runner runs), copied into the metrics gauges on each read. */
export const workflowStatus = (deps: Pick<CommandDeps, 'pool' | 'clock' | 'eventStore'>) => {
  const lag = gauge('workflow_subscription_lag_events', 'Events a workflow subscription has not reacted to yet (unknown: absent)', ['workflow']);
  const parked = gauge('workflow_parked_events', 'Events a workflow could not react to and parked', ['workflow']);
  const stuck = gauge('workflow_subscription_stuck', '1 while a workflow subscription keeps failing past the health limit', ['workflow']);
  const failing = gauge('workflow_subscription_failing', '1 while the last attempt of a workflow subscription failed', ['workflow']);
  const tasks = gauge('workflow_tasks', 'Workflow tasks by state', ['state']);
  const position = gauge(
    'workflow_subscription_position',
    "A workflow subscription's position in the log (PostgreSQL's global position, KurrentDB's prepare position)",
    ['workflow'],
  );
  return async (): Promise<WorkflowHealth> => {
    const health = await WorkflowRunner.health(deps.pool, deps.clock.now(), { eventStore: deps.eventStore });
    for (const s of health.subscriptions) {
      if (s.lag === null) lag.remove({ workflow: s.workflow });
      else lag.set({ workflow: s.workflow }, s.lag);
      parked.set({ workflow: s.workflow }, s.parked);
      position.set({ workflow: s.workflow }, positionNumber(s.position));
      stuck.set({ workflow: s.workflow }, s.stuck ? 1 : 0);
      failing.set({ workflow: s.workflow }, s.failingSince ? 1 : 0);
    }
    for (const state of ['pending', 'overdue', 'parked'] as const) tasks.set({ state }, health[state]);
    return health;
  };
};

/** `/health` of a process that serves or runs the workflows: 503 while a workflow subscription is stuck or the event store is down. */
export const workflowHealthBody = async (
  deps: Pick<CommandDeps, 'eventStore'>,
  status: () => Promise<WorkflowHealth>,
): Promise<{ status: number; body: unknown }> => {
  try {
    const [head, workflows] = await Promise.all([deps.eventStore.headPosition(), status()]);
    const stuck = workflows.subscriptions.filter((s) => s.stuck).map((s) => s.workflow);
    return {
      status: stuck.length > 0 ? 503 : 200,
      body: {
        status: stuck.length > 0 ? 'degraded' : 'ok',
        ...(stuck.length > 0 ? { problems: stuck.map((w) => `workflow ${w} is stuck: its subscription keeps failing`) } : {}),
        eventStore: { status: 'ok', head },
        workflows,
      },
    };
  } catch (error) {
    return { status: 503, body: { status: 'unavailable', eventStore: { status: 'down', error: String(error) } } };
  }
};
