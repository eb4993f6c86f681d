import { counter, gauge } from '@stayhub/platform-kit';
import { positionNumber } from '@stayhub/event-sourcing';
import type { RelayStatus } from './kafka/relay.ts';
import type { LogProjectionStatus } from './runner/log-runner.ts';
import type { ProjectionStatus } from './runner/pg-runner.ts';

/**
 * The projections' figures in Prometheus, copied from their status on each read of `/metrics`:
 * lag, position and parked events per projection, and under `LOG=kafka` each consumer group's
 * lag per partition and the events it parked on its dead-letter topic.
 */
export const projectionMetrics = () => {
  const lag = gauge('projection_lag_events', 'Events not yet applied (unknown: absent)', ['projection']);
  const parked = gauge('projection_parked_events', 'Events parked after failing', ['projection']);
  const position = gauge('projection_position', "A projection's checkpoint in the log (PostgreSQL's global position, KurrentDB's prepare position)", [
    'projection',
  ]);
  const partitionLag = gauge('projection_partition_lag_messages', 'Messages of a partition the projection has not committed (LOG=kafka)', [
    'projection',
    'topic',
    'partition',
  ]);
  const deadLettered = gauge('projection_dead_lettered_events', 'Events parked on the dead-letter topic (LOG=kafka, this process)', ['projection']);
  return {
    projections: (statuses: readonly ProjectionStatus[]): void => {
      for (const s of statuses) {
        if (s.lag === null) lag.remove({ projection: s.name });
        else lag.set({ projection: s.name }, s.lag);
        parked.set({ projection: s.name }, s.parked);
        position.set({ projection: s.name }, positionNumber(s.position));
      }
    },
    consumers: (statuses: readonly Pick<LogProjectionStatus, 'name' | 'parked' | 'lag'>[]): void => {
      for (const consumer of statuses) {
        deadLettered.set({ projection: consumer.name }, consumer.parked);
        for (const p of consumer.lag ?? []) partitionLag.set({ projection: consumer.name, topic: p.topic, partition: String(p.partition) }, p.lag);
      }
    },
  };
};

/** The relay's figures: events published (and checkpointed) and failed steps, from its status on each read. */
export const relayMetrics = () => {
  const published = counter('relay_published_events_total', 'Events the relay published and checkpointed');
  const failures = gauge('relay_failures', 'Failed relay steps since start (each retried)');
  let counted = 0;
  return (status: Pick<RelayStatus, 'published' | 'failures'>): void => {
    published.inc(Math.max(0, status.published - counted));
    counted = Math.max(counted, status.published);
    failures.set(status.failures);
  };
};
