import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { announceCheckpoints, CHECKPOINT_CHANNEL, CheckpointChanges } from './checkpoint-changes.ts';
import { checkpointSchema, positionReached, waitForPosition } from './checkpoints.ts';

const at = (n: number) => `${String(n).padStart(20, '0')}-${String(n).padStart(20, '0')}`;
// Longer than any wait below: a wait that ends `true` was woken by an announcement, never by a re-check.
const NEVER = 10 * 60_000;

describe('read-your-writes waits on checkpoint announcements', () => {
  let reader: Pool;
  let projector: Pool;
  let changes: CheckpointChanges;
  beforeAll(async () => {
    const url = await testDatabaseUrl();
    reader = createPool(url, 4);
    projector = createPool(url, 4);
    await projector.query(checkpointSchema);
    await projector.query("INSERT INTO projection_targets VALUES ('bookings', 'bookings_r2') ON CONFLICT DO NOTHING");
    changes = new CheckpointChanges(reader, { recheckMs: NEVER });
  });
  afterAll(async () => {
    await changes.close();
    await reader.end();
    await projector.end();
  });
  beforeEach(() =>
    projector.query("INSERT INTO projection_checkpoints (name, position) VALUES ('bookings_r2', $1) ON CONFLICT (name) DO UPDATE SET position = $1", [at(1)]),
  );

  /** What a projector does: move the checkpoint in its transaction, then announce after the commit. */
  const projected = async (n: number) => {
    await projector.query("UPDATE projection_checkpoints SET position = $1 WHERE name = 'bookings_r2'", [at(n)]);
    announceCheckpoints(projector);
  };

  it('answers at once for a position already applied (or none), and false once its bound passed', async () => {
    expect(await waitForPosition(changes, ['bookings'], at(1), 0)).toBe(true);
    expect(await waitForPosition(changes, ['bookings'], '', 0)).toBe(true);
    expect(await waitForPosition(changes, ['bookings'], at(2), 200)).toBe(false);
  });

  /** A wait for `position` that counts its checks (each one a query of the checkpoints). */
  const counted = (position: string) => {
    const state = { checks: 0, waiting: Promise.resolve(false) };
    state.waiting = changes.until(async () => {
      const reached = await positionReached(reader, ['bookings'], position);
      state.checks += 1;
      return reached;
    }, 30_000);
    return state;
  };

  it('checks again exactly when another process announces that the checkpoint moved, never by polling', async () => {
    const wait = counted(at(5));
    await expect.poll(() => wait.checks).toBe(1);
    await projected(3); // moved, not far enough: one more check, and it goes on waiting
    await expect.poll(() => wait.checks).toBe(2);
    await projected(5);
    expect(await wait.waiting).toBe(true);
    expect(wait.checks).toBe(3);
  });

  it('still sees a checkpoint whose announcement was lost, at its re-check interval', async () => {
    const quiet = new CheckpointChanges(reader, { recheckMs: 50 });
    try {
      const waiting = waitForPosition(quiet, ['bookings'], at(7), 30_000);
      await projector.query("UPDATE projection_checkpoints SET position = $1 WHERE name = 'bookings_r2'", [at(7)]); // no announcement
      expect(await waiting).toBe(true);
    } finally {
      await quiet.close();
    }
  });

  it('listens again after its connection was killed, and the waiters of that moment re-check', async () => {
    expect(await waitForPosition(changes, ['bookings'], at(1), 0)).toBe(true);
    expect(changes.listening).toBe(true);
    const cut = counted(at(4));
    await expect.poll(() => cut.checks).toBe(1);
    await projector.query("UPDATE projection_checkpoints SET position = $1 WHERE name = 'bookings_r2'", [at(4)]); // no announcement
    await projector.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN ${CHECKPOINT_CHANNEL}' AND datname = current_database()`,
    );
    expect(await cut.waiting).toBe(true);
    expect(cut.checks).toBe(2);
    await expect.poll(() => changes.listening).toBe(false);
    const next = counted(at(6));
    await expect.poll(() => next.checks).toBe(1);
    expect(changes.listening).toBe(true);
    await projected(6);
    await expect.poll(() => next.checks).toBe(2);
    expect(await next.waiting).toBe(true);
  });

  it('coalesces: a burst of commits sends at most two announcements', async () => {
    const listener = await projector.connect();
    let heard = 0;
    listener.on('notification', () => (heard += 1));
    await listener.query(`LISTEN ${CHECKPOINT_CHANNEL}`);
    try {
      for (let i = 0; i < 50; i++) announceCheckpoints(reader);
      await expect.poll(() => heard).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(heard).toBeLessThanOrEqual(2);
    } finally {
      await listener.query(`UNLISTEN ${CHECKPOINT_CHANNEL}`);
      listener.release();
    }
  });

  it('names what changed: the version of a name moves once its change is heard, and a burst merges into one announcement', async () => {
    await changes.start();
    const before = { listings: changes.versionOf(['listings']), calendar: changes.versionOf(['listings.calendar']) };
    announceCheckpoints(projector, new Map([['listings.calendar', at(8)]]));
    for (let i = 9; i < 20; i++) announceCheckpoints(projector, new Map([['listings', at(i)]]));
    await expect.poll(() => changes.versionOf(['listings'])).toBe(`${before.listings.split('/')[0]}/${at(19)}`);
    expect(changes.versionOf(['listings.calendar'])).not.toBe(before.calendar);
    expect(changes.versionOf(['listings', 'listings.calendar'])).toBe(`${before.listings.split('/')[0]}/${at(19)}/${at(8)}`);
    // An older position announced late does not move a version back.
    announceCheckpoints(projector, new Map([['listings', at(2)]]));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(changes.versionOf(['listings'])).toBe(`${before.listings.split('/')[0]}/${at(19)}`);
  });

  it('trusts no version across a lost connection: the versions after it differ from all before', async () => {
    await changes.start();
    const before = changes.versionOf(['listings']);
    await projector.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN ${CHECKPOINT_CHANNEL}' AND datname = current_database()`,
    );
    await expect.poll(() => changes.listening).toBe(false);
    expect(changes.versionOf(['listings'])).not.toBe(before);
    await changes.start();
    expect(changes.listening).toBe(true);
    expect(changes.versionOf(['listings'])).not.toBe(before);
  });
});
