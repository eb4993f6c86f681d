import { inTransaction, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { listings } from '@stayhub/domain';
import { evolveListingDocument, type ListingDocument, writeCalendarRows, writeListings } from '@stayhub/read-models';
import { inParallel } from './http.ts';
import { random } from './listings-data.ts';
import { recorded } from './seed-listings.ts';
import { marketplaceCalendar, marketplaceListing } from './marketplace-data.ts';

/** Listing `i`'s events as the listing decider decides them: created, then published. */
export const marketplaceEvents = (seed: number, i: number, now: string): RecordedEvent[] => {
  const { kind, details } = marketplaceListing(seed, i);
  const listingId = `l${i}`;
  const streamId = listings.listingStreamId(listingId);
  const base = { listingId, actorId: `host-${i % 50_000}`, now };
  let state = listings.listingDecider.initialState;
  const events: RecordedEvent[] = [];
  for (const command of [
    { type: 'CreateListing' as const, data: { ...base, kind, details } },
    { type: 'PublishListing' as const, data: base },
  ]) {
    for (const event of listings.listingDecider.decide(command, state)) {
      state = listings.listingDecider.evolve(state, event);
      events.push(recorded(streamId, events.length, event, now));
    }
  }
  // Reviews of past stays (0–6 of them, 1–5 stars), in the shape the booking decider gives them.
  const r = random(seed * 3_000_017 + i);
  const reviews = r.int(0, 6);
  for (let n = 0; n < reviews; n++) {
    const bookingId = `b${i}-${n}`;
    const data = {
      bookingId,
      listingId,
      guestId: `guest-${(i * 7 + n) % 100_000}`,
      rating: r.int(Math.max(1, r.int(1, 4)), 5),
      comment: 'Lovely stay',
      at: now,
    };
    events.push(recorded(`booking-${bookingId}`, 5, { type: 'GuestReviewedStay', data }, now));
  }
  return events;
};

/**
 * Loads listings [from, to) into the search read model through its own bulk writer: each
 * listing's events folded into its document, a chunk of documents written with one statement per
 * table, and the calendar rows that the listing's holds fold into (90 nights, about 30% taken).
 */
export const loadMarketplace = async (
  pool: Pool,
  options: { from: number; to: number; seed: number; first: string; target?: string; workers?: number; chunk?: number; onProgress?: (done: number) => void },
): Promise<void> => {
  const chunk = options.chunk ?? 1000;
  const target = options.target ?? 'listings';
  const starts: number[] = [];
  for (let start = options.from; start < options.to; start += chunk) starts.push(start);
  let done = 0;
  const now = new Date().toISOString();
  await inParallel(starts, options.workers ?? 2, async (start) => {
    const end = Math.min(options.to, start + chunk);
    const docs: ListingDocument[] = [];
    const calendar: ReturnType<typeof marketplaceCalendar> = [];
    for (let i = start; i < end; i++) {
      const doc = marketplaceEvents(options.seed, i, now).reduce<ListingDocument | undefined>(evolveListingDocument, undefined)!;
      docs.push(doc);
      calendar.push(...marketplaceCalendar(options.seed, i, doc.details as Parameters<typeof marketplaceCalendar>[2], options.first));
    }
    await inTransaction(pool, async (client) => {
      await writeListings(client, target, docs);
      for (let c = 0; c < calendar.length; c += 5000) await writeCalendarRows(client, target, calendar.slice(c, c + 5000));
    });
    done += end - start;
    options.onProgress?.(done);
  });
};
