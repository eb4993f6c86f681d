import { setTimeout as sleep } from 'node:timers/promises';
import type { PoolClient } from 'pg';
import { type bookings, chat, type identity, type listings } from '@stayhub/domain';
import { inTransaction, type EventStore, type RecordedEvent } from '@stayhub/event-sourcing';
import { execute } from '../conversations/commands.ts';
import { checkpointSql, readCheckpoint } from '../shared/schema.ts';
import type { ChatDeps } from '../shared/deps.ts';

const PLATFORM = 'platform';
const BATCH = 500;
/**
 * After a batch that caught up, the follower waits this long before reading on, so that under a
 * booking load it takes the events of many platform commits in one batch: one directory
 * transaction, one checkpoint and shared commits for the notices of many bookings, instead of
 * those for every few bookings (a system message shows this much later; nothing waits on it).
 */
const PACE_MS = 100;

const notices: Partial<Record<bookings.BookingEventType, chat.BookingNotice>> = {
  BookingRequested: 'requested',
  BookingApproved: 'approved',
  BookingDeclined: 'declined',
  BookingRequestExpired: 'expired',
  BookingConfirmed: 'confirmed',
  BookingCancelled: 'cancelled',
  BookingModified: 'modified',
};

const firstName = (name: string) => name.trim().split(/\s+/)[0] ?? name;

/** Who is who and which listing is which: what the chat shows beside a conversation. Idempotent upserts. */
const applyDirectory = async (client: PoolClient, event: RecordedEvent): Promise<void> => {
  if (event.type === 'UserRegistered') {
    const { userId, name, email } = event.data as identity.UserRegisteredData;
    await client.query(
      'INSERT INTO chat_users (user_id, first_name, email) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO UPDATE SET first_name = EXCLUDED.first_name, email = EXCLUDED.email',
      [userId, firstName(name), email],
    );
  } else if (event.type === 'UserProfileChanged') {
    const { userId, changes } = event.data as identity.UserProfileChangedData;
    if (changes.name !== undefined) await client.query('UPDATE chat_users SET first_name = $2 WHERE user_id = $1', [userId, firstName(changes.name)]);
  } else if (event.type === 'UserEmailChanged') {
    const { userId, email } = event.data as identity.UserEmailChangedData;
    await client.query('UPDATE chat_users SET email = $2 WHERE user_id = $1', [userId, email]);
  } else if (event.type === 'ListingCreated' || event.type === 'ListingPublished') {
    const { listingId, hostId, details } = event.data as listings.ListingCreatedData;
    await client.query(
      'INSERT INTO chat_listings (listing_id, host_id, title) VALUES ($1, $2, $3) ON CONFLICT (listing_id) DO UPDATE SET host_id = EXCLUDED.host_id, title = COALESCE(EXCLUDED.title, chat_listings.title)',
      [listingId, hostId, details.title ?? null],
    );
  } else if (event.type === 'ListingUpdated') {
    const { listingId, changes } = event.data as listings.ListingUpdatedData;
    if (changes.title) await client.query('UPDATE chat_listings SET title = $2 WHERE listing_id = $1', [listingId, changes.title]);
  }
};

type Requested = { bookingId: string; guestId: string; hostId: string; listingId: string };

/** The parties of a batch's booking requests, in one statement however many there are. */
const recordBookings = async (client: PoolClient, events: readonly RecordedEvent[]): Promise<void> => {
  const requested = events.filter((event) => event.type === 'BookingRequested').map((event) => event.data as Requested);
  if (requested.length === 0) return;
  const column = (pick: (booking: Requested) => string) => requested.map(pick);
  await client.query(
    `INSERT INTO chat_bookings (booking_id, guest_id, host_id, listing_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
    [column((b) => b.bookingId), column((b) => b.guestId), column((b) => b.hostId), column((b) => b.listingId)],
  );
};

/**
 * Reacts to the platform's events, read from the platform event store's own subscription (not
 * the log, so a Kafka outage does not stop it): a booking request opens the booking's
 * conversation, and each booking event posts a system message there. The conversation's decider
 * ignores a booking revision it has already posted, so a batch redelivered after a crash posts
 * nothing twice. The checkpoint moves once the batch's directory and notices are stored.
 *
 * A batch's notices go to the command processor together (one conversation's in the batch's order,
 * which the processor keeps per stream), so they share commits instead of taking one each.
 */
export const followPlatform = async (deps: Pick<ChatDeps, 'pool' | 'processor' | 'hub'> & { platform: EventStore }, signal: AbortSignal): Promise<void> => {
  const after = await readCheckpoint(deps.pool, PLATFORM);
  await deps.platform.subscribe({
    after,
    signal,
    batchSize: BATCH,
    onBatch: async (events) => {
      // The directory commits before the notices are awaited, so that no transaction stays open in the
      // chat database while they wait for their commits (an open one holds back every reader of the
      // chat's log: the inbox). The checkpoint moves last; a batch redelivered after a crash in
      // between changes nothing (idempotent upserts, notices already posted are ignored).
      const bookings = await inTransaction(deps.pool, async (client) => {
        for (const event of events) await applyDirectory(client, event);
        await recordBookings(client, events);
        return bookingsOf(client, events);
      });
      await postBookingNotices(deps, bookings, events);
      await deps.pool.query(checkpointSql, [PLATFORM, events.at(-1)!.globalPosition]);
      if (events.length < BATCH) await sleep(PACE_MS, undefined, { signal }).catch(() => undefined);
    },
  });
};

type BookingParties = Map<string, { guest_id: string; host_id: string; listing_id: string }>;

const noticesOf = (events: readonly RecordedEvent[]) =>
  events.flatMap((event) => {
    const notice = notices[event.type as bookings.BookingEventType];
    return notice ? [{ event, notice, ...(event.data as { bookingId: string; at: string }) }] : [];
  });

/** The parties of the bookings a batch has notices for, in one statement. */
const bookingsOf = async (client: PoolClient, events: readonly RecordedEvent[]): Promise<BookingParties> => {
  const ids = [...new Set(noticesOf(events).map((posted) => posted.bookingId))];
  if (ids.length === 0) return new Map();
  const { rows } = await client.query<{ booking_id: string; guest_id: string; host_id: string; listing_id: string }>(
    'SELECT booking_id, guest_id, host_id, listing_id FROM chat_bookings WHERE booking_id = ANY($1::text[])',
    [ids],
  );
  return new Map(rows.map((row) => [row.booking_id, row]));
};

/** The batch's booking notices, all stored when this resolves (one conversation's in the batch's order). */
const postBookingNotices = async (deps: Pick<ChatDeps, 'processor' | 'hub'>, byId: BookingParties, events: readonly RecordedEvent[]): Promise<void> => {
  const posted = noticesOf(events);
  const outcomes = await Promise.allSettled(
    posted.flatMap(({ event, notice, bookingId, at }) => {
      const booking = byId.get(bookingId);
      if (!booking) return [];
      const conversationId = chat.bookingConversationId(bookingId);
      return [
        execute(
          deps,
          conversationId,
          {
            type: 'RecordBookingEvent',
            data: {
              conversationId,
              bookingId,
              listingId: booking.listing_id,
              guestId: booking.guest_id,
              hostId: booking.host_id,
              notice,
              bookingRevision: event.streamRevision,
              now: at,
            },
          },
          'system',
          // A request opens its booking's conversation: nothing to read first (a redelivered one is decided again on what was read).
          { fresh: notice === 'requested' },
        ),
      ];
    }),
  );
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
};
