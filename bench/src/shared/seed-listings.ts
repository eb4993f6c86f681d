import { inTransaction, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { listings } from '@stayhub/domain';
import { projectionNamed } from '@stayhub/projectors';
import { applyEvents } from '@stayhub/read-models';
import { inParallel } from './http.ts';
import { listingDetails, random } from './listings-data.ts';

const projection = (name: string) => {
  const found = projectionNamed(name);
  if (!found) throw new Error(`no projection ${name}`);
  return found;
};

/** An event as the store would record it, for loading a read model without the store. */
export const recorded = (streamId: string, streamRevision: number, event: { type: string; data: unknown }, at: string): RecordedEvent => ({
  eventId: crypto.randomUUID(),
  type: event.type,
  schemaVersion: 1,
  streamId,
  streamRevision,
  globalPosition: '',
  occurredAt: at,
  data: event.data,
  metadata: {},
});

/** The nights the search benchmark asks about: `nights` from `first`, some of them held. */
export type Window = { first: string; nights: number };
const nightsOf = (window: Window): string[] =>
  Array.from({ length: window.nights }, (_, d) => new Date(Date.parse(`${window.first}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10));

/**
 * The events of listing `i`, decided by the listing decider (created, published), and holds on
 * some of its unit types' nights in the window (a hotel's room type may be partly or fully taken).
 */
export const listingEvents = (seed: number, i: number, window: Window, now: string) => {
  const r = random(seed * 10_000_019 + i);
  const kind: 'rental' | 'hotel' = r.next() < 0.75 ? 'rental' : 'hotel';
  const listingId = `l${i}`;
  const streamId = listings.listingStreamId(listingId);
  const base = { listingId, actorId: `host-${i % 5000}`, now };
  let state = listings.listingDecider.initialState;
  const events: RecordedEvent[] = [];
  for (const command of [
    { type: 'CreateListing' as const, data: { ...base, kind, details: listingDetails(r, i, kind) } },
    { type: 'PublishListing' as const, data: base },
  ]) {
    for (const event of listings.listingDecider.decide(command, state)) {
      state = listings.listingDecider.evolve(state, event);
      events.push(recorded(streamId, events.length, event, now));
    }
  }
  const holds: RecordedEvent[] = [];
  const units = state.status === 'none' ? [] : (state.details.unitTypes ?? []);
  for (const unit of units) {
    if (r.next() > 0.4) continue;
    const byMonth = new Map<string, string[]>();
    for (const night of r.some(nightsOf(window), 0.5)) byMonth.set(night.slice(0, 7), [...(byMonth.get(night.slice(0, 7)) ?? []), night]);
    for (const [month, keys] of byMonth) {
      const holdId = `h${i}-${unit.unitTypeId}-${month}`;
      const data = { holdId, bookingId: holdId, keys, units: r.int(1, unit.count), expiresAt: now, at: now };
      holds.push(recorded(`calendar-${unit.unitTypeId}-${month}`, 0, { type: 'HoldPlaced', data }, now));
    }
  }
  return { listing: events, holds };
};

/**
 * The search table's secondary indexes (trigram, geo, price, amenities, host) are dropped for a
 * bulk load and built again afterwards by the projection's own `migrate` (CREATE INDEX IF NOT
 * EXISTS): much faster than maintaining them row by row. The unit types' index stays: `apply` uses it.
 */
export const withoutSecondaryIndexes = async (pool: Pool, work: () => Promise<void>): Promise<void> => {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT i.indexrelid::regclass::text AS name FROM pg_index i
      WHERE i.indrelid = 'listings'::regclass AND NOT i.indisprimary`,
  );
  for (const { name } of rows) await pool.query(`DROP INDEX ${name}`);
  try {
    await work();
  } finally {
    await inTransaction(pool, (client) => projection('listings').migrate(client, 'listings'));
  }
};

/**
 * Bulk-loads listings [from, to) into the live search and availability read models through the
 * projections' own `apply` (no event store, no checkpoint): the rows are exactly what projecting
 * those events builds.
 */
export const seedListings = async (
  pool: Pool,
  options: { from: number; to: number; seed: number; window: Window; workers?: number; chunk?: number; onProgress?: (done: number) => void },
): Promise<void> => {
  const search = projection('listings');
  const availability = projection('availability');
  const chunk = options.chunk ?? 500;
  const starts: number[] = [];
  for (let start = options.from; start < options.to; start += chunk) starts.push(start);
  let done = 0;
  const now = new Date().toISOString();
  await inParallel(starts, options.workers ?? 3, async (start) => {
    const end = Math.min(options.to, start + chunk);
    await inTransaction(pool, async (client) => {
      for (let i = start; i < end; i++) {
        const { listing, holds } = listingEvents(options.seed, i, options.window, now);
        await applyEvents(client, search, listing, 'listings');
        await applyEvents(client, availability, holds, 'availability');
      }
    });
    done += end - start;
    options.onProgress?.(done);
  });
};
