import { counter, histogram, latencyBuckets } from '@stayhub/platform-kit';
import type { CommandObserver } from './command-processor.ts';

/**
 * The command processor's figures in Prometheus: commands by type and outcome with their decide
 * and end-to-end durations, commits (appends and events stored, batch size, store time), appends
 * refused for a wrong expected revision and the retries after such a lost race.
 * `rate(eventstore_events_appended_total[1m])` is the events per second.
 */
export const commandMetrics = (): CommandObserver => {
  const handled = histogram(
    'commands_duration_seconds',
    'Commands answered, by type and outcome (ok, conflict, rejected, error): arrival to answer',
    ['type', 'outcome'],
    latencyBuckets,
  );
  const decided = histogram('commands_decide_duration_seconds', 'Time to decide one command (all its steps) against cached states', ['type'], latencyBuckets);
  const appendDuration = histogram(
    'eventstore_append_duration_seconds',
    'Time the event store took for one commit (a batch of atomic appends)',
    [],
    latencyBuckets,
  );
  const batchSize = histogram('commands_commit_batch_size', 'Commands carried by one commit', [], [1, 2, 4, 8, 16, 32, 64, 128, 256]);
  const appends = counter('eventstore_appends_total', 'Stream appends stored');
  const events = counter('eventstore_events_appended_total', 'Events stored');
  const retries = counter('commands_retries_total', 'Commands decided again after another writer got to one of their streams first (a conflict)', ['type']);
  const conflicts = counter(
    'eventstore_append_conflicts_total',
    'Atomic appends the event store refused for a wrong expected revision (another writer got there first)',
  );
  return {
    answered: (type, outcome, seconds) => handled.observe({ type, outcome }, seconds),
    decided: (type, seconds) => decided.observe({ type }, seconds),
    committed: (commit) => {
      appendDuration.observe(commit.seconds);
      batchSize.observe(commit.commands);
      appends.inc(commit.appends);
      events.inc(commit.events);
      conflicts.inc(commit.conflicts);
    },
    retried: (type) => retries.inc({ type }),
  };
};
