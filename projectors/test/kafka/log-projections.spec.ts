import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PoolClient, RecordedEvent } from '@stayhub/event-sourcing';
import { logWatermark, waitForLogPosition, type ExternalProjection, CheckpointChanges, eachEvent, type PgProjection } from '@stayhub/read-models';
import { KafkaRelay } from '../../src/kafka/relay.ts';
import { groupOf, runLogProjections, type LogProjections } from '../../src/runner/log-runner.ts';
import { migrateExternalProjections } from '../../src/runner/external-runner.ts';
import { migrateProjector } from '../../src/runner/pg-runner.ts';
import { eventually } from './collect.ts';
import { kafkaFixture, type KafkaFixture } from './fixture.ts';
import { fastConsumer, kafkaUnavailable } from './broker.ts';

/**
 * Deliberately not idempotent: every application adds one, so a double shows as 2. The broker is
 * shared with other test files publishing `Tested` events to the same topics: only this test's
 * streams (their ids hold `run`) are counted.
 */
const counting = (name: string, run: string): PgProjection => ({
  name,
  handles: new Set(['Tested']),
  migrate: async (client, target) => {
    await client.query(`CREATE TABLE IF NOT EXISTS "${target}" (event_id uuid PRIMARY KEY, stream_id text NOT NULL, applied int NOT NULL)`);
  },
  index: async () => undefined,
  fold: eachEvent(async (client: PoolClient, event: RecordedEvent, target) => {
    if (!event.streamId.includes(run)) return;
    await client.query(
      `INSERT INTO "${target}" (event_id, stream_id, applied) VALUES ($1, $2, 1) ON CONFLICT (event_id) DO UPDATE SET applied = "${target}".applied + 1`,
      [event.eventId, event.streamId],
    );
  }),
  drop: async (client, target) => {
    await client.query(`DROP TABLE IF EXISTS "${target}"`);
  },
});

describe.skipIf(kafkaUnavailable)('projections fed by the log', () => {
  let f: KafkaFixture;
  const stops: Array<() => Promise<void>> = [];
  let changes: CheckpointChanges;
  beforeEach(async () => {
    f = await kafkaFixture();
    changes = new CheckpointChanges(f.pool);
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await changes.close();
    await f.close();
  });

  const startRelay = (): (() => Promise<void>) => {
    const controller = new AbortController();
    const running = new KafkaRelay({ eventStore: f.store, kafka: f.kafka, checkpoints: f.checkpoints }).start(controller.signal);
    const stop = async () => {
      controller.abort();
      await running;
    };
    stops.push(stop);
    return stop;
  };

  const startProjections = async (pg: PgProjection[], external: ExternalProjection[] = []): Promise<LogProjections & { stop: () => Promise<void> }> => {
    await migrateProjector(f.pool, pg);
    await migrateExternalProjections(f.pool, external);
    const controller = new AbortController();
    const running = await runLogProjections({ pool: f.pool, kafka: f.kafka, pg, external, signal: controller.signal, consumer: fastConsumer });
    const stop = async () => {
      controller.abort();
      await running.done;
    };
    stops.push(stop);
    return { ...running, stop };
  };

  const append = async (streams: number, perStream: number): Promise<string> => {
    for (let round = 0; round < perStream; round++) for (let s = 0; s < streams; s++) await f.appendEvents(`booking-${f.run}-${s}`, 1);
    return f.store.headPosition();
  };

  const applied = async (table: string) =>
    (await f.pool.query<{ applied: number; n: number }>(`SELECT applied, count(*)::int AS n FROM "${table}" GROUP BY applied ORDER BY applied`)).rows;

  it('applies each event once across a restart and a full republish, and read-your-writes waits on the watermark', async () => {
    const name = `counting_${f.run}`;
    const first = await append(6, 4);
    const projections = await startProjections([counting(name, f.run)]);
    // Nothing published yet: a write is not visible, and the waiter says so.
    expect(await waitForLogPosition(changes, [name], first, 300)).toBe(false);

    const stopRelay = startRelay();
    expect(await waitForLogPosition(changes, [name], first, 30_000)).toBe(true);
    expect(await applied(name)).toEqual([{ applied: 1, n: 24 }]);
    expect(await logWatermark(f.pool, name)).toBe(first);

    // Stopped mid-stream: events keep coming; the restarted group resumes from its commits.
    await projections.stop();
    const second = await append(6, 3);
    expect(await waitForLogPosition(changes, [name], second, 500)).toBe(false);
    const again = await startProjections([counting(name, f.run)]);
    expect(await waitForLogPosition(changes, [name], second, 30_000)).toBe(true);
    expect(await applied(name)).toEqual([{ applied: 1, n: 42 }]);

    // The relay starts over from nothing: all 42 events come a second time and change nothing.
    await stopRelay();
    await f.checkpoints.save('relay', '');
    startRelay();
    const third = await append(2, 1);
    expect(await waitForLogPosition(changes, [name], third, 30_000)).toBe(true);
    await eventually(async () => (await again.status()).every((s) => s.lag?.every((p) => p.lag === 0)), 30_000, 'lag 0');
    expect(await applied(name)).toEqual([{ applied: 1, n: 44 }]);
    const { rows } = await f.pool.query(
      'SELECT stream_id, revision FROM projection_stream_revisions WHERE projection_target = $1 AND stream_id LIKE $2 ORDER BY stream_id',
      [name, `%${f.run}%`],
    );
    expect(rows).toEqual(Array.from({ length: 6 }, (_, s) => ({ stream_id: `booking-${f.run}-${s}`, revision: s < 2 ? 7 : 6 })));

    const [status] = await again.status();
    expect(status).toMatchObject({ name, target: name, running: true, parked: 0, groupId: await groupOf(f.pool, name) });
    expect(status!.lag!.length).toBeGreaterThan(0);
  });

  it('an external store that lost its target is filled again from the start of the log, under a new group', async () => {
    const store = new Map<string, number>(); // stream id -> revision, the store's own idempotence guard
    let holds = true;
    let applications = 0;
    const external: ExternalProjection = {
      name: `external_${f.run}`,
      handles: new Set(['Tested']),
      prepare: async () => {
        const had = holds;
        holds = true;
        return had && store.size > 0;
      },
      applyBatch: async (events) => {
        for (const event of events.filter((e) => e.streamId.includes(f.run))) {
          applications += 1;
          if (event.streamRevision > (store.get(event.streamId) ?? -1)) store.set(event.streamId, event.streamRevision);
        }
      },
      drop: async () => store.clear(),
    };
    const head = await append(3, 2);
    startRelay();
    const first = await startProjections([], [external]);
    expect(await waitForLogPosition(changes, [external.name], head, 30_000)).toBe(true);
    expect([...store.values()]).toEqual([1, 1, 1]);
    const group = await groupOf(f.pool, external.name);
    await first.stop();

    store.clear(); // the store restarted empty
    holds = false;
    applications = 0;
    await startProjections([], [external]);
    await eventually(() => store.size === 3, 30_000, 'the store filled again');
    expect(applications).toBe(6);
    expect(await groupOf(f.pool, external.name)).not.toBe(group);
    expect(await waitForLogPosition(changes, [external.name], head, 30_000)).toBe(true);
  });
});
