import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listings } from '@stayhub/domain';
import { createPool, PostgresEventStore, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { projectRoot } from '@stayhub/platform-kit';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { pgProjections } from '../projections.ts';
import { applyBatch, migrateProjector } from '../runner/pg-runner.ts';

let url: string;
let pool: Pool;

type Run = { code: number | null; out: string; err: string };
/**
 * Runs the CLI as an operator would (stdout not a terminal); `interrupt` sends Ctrl-C once `when`
 * appears in the output and `ready` holds (polled, so a slow machine only makes it wait longer).
 */
const cli = (args: string[], interrupt?: { when: string; ready: () => Promise<boolean> }): Promise<Run> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'projectors/src/replay/cli.ts'), ...args], {
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (interrupt && !sent && out.includes(interrupt.when)) {
        sent = true;
        const poll = async (): Promise<void> => {
          if (child.exitCode !== null) return;
          if (await interrupt.ready()) child.kill('SIGINT');
          else setTimeout(poll, 20);
        };
        void poll();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });

const LISTINGS = 600;

beforeAll(async () => {
  url = await testDatabaseUrl();
  pool = createPool(url, 6);
  const store = await PostgresEventStore.create(pool);
  await migrateProjector(pool, pgProjections);
  const now = new Date().toISOString();
  for (let i = 0; i < LISTINGS; i++) {
    const listingId = `cli-${i}`;
    const [created] = listings.listingDecider.decide(
      { type: 'CreateListing', data: { listingId, actorId: 'host-1', now, kind: 'rental', details: { title: `Flat number ${i}`, currency: 'EUR' } } },
      listings.listingDecider.initialState,
    );
    await store.append(listings.listingStreamId(listingId), [{ eventId: crypto.randomUUID(), type: created!.type, data: created!.data }], 'no_stream');
  }
  // The live read models, as the projectors would have built them.
  for (let after = ''; ; ) {
    const events: RecordedEvent[] = await store.readAll({ after, maxCount: 500 });
    if (events.length === 0) break;
    for (const projection of pgProjections) await applyBatch(pool, projection, projection.name, events, () => undefined);
    after = events.at(-1)!.globalPosition;
  }
  await store.close();
});
afterAll(async () => {
  await pool?.end();
});

describe('replay CLI', () => {
  it('stops cleanly on Ctrl-C, says how to resume, and a rerun resumes, verifies and swaps', async () => {
    const checkpointOf = async (name: string) =>
      (await pool.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1', [name])).rows[0]?.position ?? '';
    // Ctrl-C once the rebuild has stored a first batch: what it stored must survive the stop.
    const stopped = await cli(['rebuild', 'all', '--batch', '1'], {
      when: 'building listings_r1',
      ready: async () => (await checkpointOf('listings_r1')) !== '',
    });
    expect(stopped.err).toContain('stopping after the batch in hand');
    expect(stopped.code).toBe(130);
    expect(stopped.out).toContain('resume with: npm run replay -- rebuild all --batch 1');
    expect(await checkpointOf('listings_r1')).not.toBe('');

    const listed = await cli(['list']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/listings\s+listings\s+\d+-\d+\s+0\s+0\s+listings_r1 \(building\)/);

    const planned = await cli(['rebuild', 'listings', '--dry-run']);
    expect(planned.out).toMatch(/\[dry-run\] listings: would resume listings_r1 from \d+-\d+, reading \d+ events/);
    const over = await cli(['rebuild', 'listings', '--dry-run', '--restart']);
    expect(over.out).toContain('[dry-run] listings: would build listings_r2 from the beginning');
    expect(over.out).toContain('[dry-run] listings: would drop the unfinished listings_r1');

    const resumed = await cli(['rebuild', 'all', '--verify', '--swap', '--batch', '50']);
    expect(resumed.err).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('listings: resuming listings_r1');
    expect(resumed.out).toMatch(/^listings,availability\S*: \d+\/\d+ events \(100%\), \d+ events\/s, ETA \d+s$/m);
    expect(resumed.out).toContain('verify listings: identical');
    expect(resumed.out).toContain(`  (main): ${LISTINGS} rebuilt rows, ${LISTINGS} live rows, 0 differ`);
    expect(resumed.out).toContain('listings: readers now use listings_r1 (was listings)');
    const live = await pool.query(`SELECT target FROM projection_targets WHERE projection = 'listings'`);
    expect(live.rows[0].target).toBe('listings_r1');
  });
});
