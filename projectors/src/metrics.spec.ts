import { describe, expect, it } from 'vitest';
import { metricsText } from '@stayhub/platform-kit';
import { projectionMetrics, relayMetrics } from './metrics.ts';

const sample = async (series: string) => {
  const escaped = series.replace(/[{}]/g, '\\$&');
  return Number(new RegExp(`^${escaped} (\\S+)$`, 'm').exec(await metricsText())?.[1] ?? Number.NaN);
};

describe('projection metrics, as Prometheus reads them', () => {
  it('lag, parked events and position per projection; a lag that cannot be counted is absent, not zero', async () => {
    const metrics = projectionMetrics();
    metrics.projections([
      { name: 'spec_search', target: 'spec_search', position: '00000000000000000812-00000000000000000031', lag: 4, parked: 1, updatedAt: null },
      { name: 'spec_history', target: 'spec_history', position: '', lag: 0, parked: 0, updatedAt: null },
    ]);
    expect(await sample('projection_lag_events{projection="spec_search"}')).toBe(4);
    expect(await sample('projection_parked_events{projection="spec_search"}')).toBe(1);
    expect(await sample('projection_position{projection="spec_search"}')).toBeGreaterThan(0);
    expect(await sample('projection_position{projection="spec_history"}')).toBe(0);

    metrics.projections([
      { name: 'spec_search', target: 'spec_search', position: '00000000000000000900-00000000000000000001', lag: null, parked: 1, updatedAt: null },
    ]);
    expect(await metricsText()).not.toMatch(/^projection_lag_events\{projection="spec_search"\}/m);
  });

  it('under Kafka: each consumer group’s lag per partition and the events it dead-lettered', async () => {
    const metrics = projectionMetrics();
    metrics.consumers([
      {
        name: 'spec_availability',
        parked: 2,
        lag: [
          { topic: 'stayhub.bookings', partition: 0, high: '10', committed: '7', lag: 3 },
          { topic: 'stayhub.bookings', partition: 1, high: '5', committed: null, lag: 5 },
        ],
      },
      { name: 'spec_unreachable', parked: 0, lag: null },
    ]);
    expect(await sample('projection_partition_lag_messages{projection="spec_availability",topic="stayhub.bookings",partition="0"}')).toBe(3);
    expect(await sample('projection_partition_lag_messages{projection="spec_availability",topic="stayhub.bookings",partition="1"}')).toBe(5);
    expect(await sample('projection_dead_lettered_events{projection="spec_availability"}')).toBe(2);
    expect(await sample('projection_dead_lettered_events{projection="spec_unreachable"}')).toBe(0);
  });
});

describe('relay metrics', () => {
  it('count each published event once across reads, and show the failed steps', async () => {
    const before = (await sample('relay_published_events_total')) || 0;
    const measure = relayMetrics();
    measure({ published: 500, failures: 0 });
    measure({ published: 500, failures: 1 }); // read again before the next batch: nothing counted twice
    measure({ published: 740, failures: 1 });
    expect((await sample('relay_published_events_total')) - before).toBe(740);
    expect(await sample('relay_failures')).toBe(1);
  });
});
