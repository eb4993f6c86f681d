/**
 * Read-your-writes wake-up: how soon a read waiting for a consistency token learns that the
 * projection reached it, and how many checkpoint queries the wait costs. The query API's waiter
 * (woken by the projectors' after-commit announcements) against the 20 ms poll it replaced, side by
 * side in alternating rounds on the same server.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool, type Pool } from '@stayhub/event-sourcing';
import { announceCheckpoints, CheckpointChanges, checkpointSchema, positionReached } from '@stayhub/read-models';
import { params } from './shared/args.ts';
import { benchServer, freshDatabase, serverSettings } from './shared/database.ts';
import { record } from './shared/results.ts';
import { summarise } from './shared/stats.ts';

const p = params('bench:read-your-writes', {
  readers: { default: 32, help: 'concurrent reads, each waiting for the next checkpoint, again and again' },
  seconds: { default: 5, help: 'length of one round' },
  rounds: { default: 3, help: 'rounds of each way, alternating' },
  stepMs: { default: 100, help: 'the projector commits a new checkpoint this often (how long a read waits for its write)' },
  pollMs: { default: 20, help: "the replaced waiter's pause between checks" },
});

const at = (n: number) => `${String(n).padStart(20, '0')}-${String(n).padStart(20, '0')}`;
const PROJECTIONS = ['bookings'];
const TIMEOUT_MS = 2_000;

type Way = 'announced' | 'polled';
type Round = { way: Way; wakeMs: number[]; waits: number; checks: number; timedOut: number };

/** The waiter read-your-writes used before: check, sleep pollMs, until the deadline. */
const polledWait = async (check: () => Promise<boolean>): Promise<boolean> => {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(p.pollMs);
  }
};

const round = async (way: Way, readerPool: Pool, projectorPool: Pool, changes: CheckpointChanges): Promise<Round> => {
  let applied = 1;
  await projectorPool.query("UPDATE projection_checkpoints SET position = $1 WHERE name = 'bookings'", [at(applied)]);
  const committedAt = new Map<number, number>();
  const result: Round = { way, wakeMs: [], waits: 0, checks: 0, timedOut: 0 };
  const stopAt = performance.now() + p.seconds * 1000;
  const projector = (async () => {
    while (performance.now() < stopAt + TIMEOUT_MS) {
      await sleep(p.stepMs);
      // Timed from the moment the commit is sent: a reader can see it before the projector hears back.
      committedAt.set(applied + 1, performance.now());
      await projectorPool.query("UPDATE projection_checkpoints SET position = $1 WHERE name = 'bookings'", [at(applied + 1)]);
      applied += 1;
      if (way === 'announced') announceCheckpoints(projectorPool);
    }
  })();
  const reader = async () => {
    while (performance.now() < stopAt) {
      const target = applied + 1;
      const position = at(target);
      const check = async () => {
        result.checks += 1;
        return positionReached(readerPool, PROJECTIONS, position);
      };
      const reached = way === 'announced' ? await changes.until(check, TIMEOUT_MS) : await polledWait(check);
      const seen = performance.now();
      result.waits += 1;
      if (!reached) result.timedOut += 1;
      else result.wakeMs.push(seen - committedAt.get(target)!);
    }
  };
  await Promise.all(Array.from({ length: p.readers }, reader));
  await projector;
  return result;
};

const loadBefore = loadavg();
const server = await benchServer();
const db = await freshDatabase(server.adminUrl, 'read_your_writes');
// As the query API and a projector have them: a pool of 20 for reads, a few connections for the writer.
const readerPool = createPool(db.url, 20);
const projectorPool = createPool(db.url, 2);
const changes = new CheckpointChanges(readerPool);
try {
  await projectorPool.query(checkpointSchema);
  await projectorPool.query("INSERT INTO projection_targets VALUES ('bookings', 'bookings'); INSERT INTO projection_checkpoints (name) VALUES ('bookings')");
  const rounds: Round[] = [];
  for (let i = 0; i < p.rounds; i++) {
    for (const way of ['announced', 'polled'] as const) {
      const done = await round(way, readerPool, projectorPool, changes);
      const wake = summarise(done.wakeMs);
      console.log(
        `${way}: ${done.waits} waits, wake p50 ${wake.p50} ms p99 ${wake.p99} ms, ${(done.checks / done.waits).toFixed(2)} checks a wait, ${done.timedOut} timed out`,
      );
      rounds.push(done);
    }
  }
  const of = (way: Way) => {
    const mine = rounds.filter((r) => r.way === way);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    return {
      wakeMs: summarise(mine.flatMap((r) => r.wakeMs)),
      medianOfRoundsWakeP50Ms: median(mine.map((r) => summarise(r.wakeMs).p50)),
      medianOfRoundsWakeP99Ms: median(mine.map((r) => summarise(r.wakeMs).p99)),
      checksPerWait: Math.round((mine.reduce((s, r) => s + r.checks, 0) / mine.reduce((s, r) => s + r.waits, 0)) * 100) / 100,
      checksPerSecond: Math.round(mine.reduce((s, r) => s + r.checks, 0) / (mine.length * p.seconds)),
      waits: mine.reduce((s, r) => s + r.waits, 0),
      timedOut: mine.reduce((s, r) => s + r.timedOut, 0),
    };
  };
  const announced = of('announced');
  const polled = of('polled');
  const figures = {
    announced,
    polled,
    wakeP50RatioAnnouncedToPolled: Math.round((announced.medianOfRoundsWakeP50Ms / polled.medianOfRoundsWakeP50Ms) * 100) / 100,
    checksPerWaitRatioAnnouncedToPolled: Math.round((announced.checksPerWait / polled.checksPerWait) * 100) / 100,
  };
  record(
    'read-your-writes',
    { ...p, database: server.kind, postgres: await serverSettings(db.url) },
    figures,
    [
      'wakeMs: from the projector sending its checkpoint commit until the waiting read returned (so it includes the commit); each reader waits for the next checkpoint, stepMs apart.',
      'announced: CheckpointChanges (LISTEN, one coalesced NOTIFY after each commit, 500 ms safety re-check). polled: the waiter it replaced, a check every pollMs. Rounds alternate on the same server and pools.',
    ],
    loadBefore,
  );
} finally {
  await changes.close();
  await readerPool.end();
  await projectorPool.end();
  await db.drop();
  await server.stop();
}
