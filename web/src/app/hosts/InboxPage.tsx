import { useState } from 'react';
import { Link } from 'react-router';
import { formatMoney, get, newIdempotencyKey, post, queryString } from '../shared/api.ts';
import { useAppConfig } from '../shared/config.ts';
import { useResource } from '../shared/resource.ts';
import { AsyncList, ErrorMessage, formatDate, StatusBadge } from '../shared/ui.tsx';
import { bookingConversationId } from '../chat/types.ts';
import { ListingTitle } from '../guests/ListingTitle.tsx';
import { describeStay, type HostBooking, type HostBookingPage } from '../guests/types.ts';

const Decision = ({ booking, onDone }: { booking: HostBooking; onDone: () => void }) => {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [keys] = useState(() => ({ approve: newIdempotencyKey(), decline: newIdempotencyKey() }));
  const act = async (action: 'approve' | 'decline') => {
    setBusy(true);
    setError(null);
    try {
      await post('command', `/bookings/${booking.bookingId}/${action}`, {}, { idempotencyKey: keys[action] });
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="actions">
      <button type="button" disabled={busy} onClick={() => act('approve')}>
        Approve
      </button>
      <button type="button" className="danger" disabled={busy} onClick={() => act('decline')}>
        Decline
      </button>
      {error ? <ErrorMessage error={error} title="Could not answer the request" /> : null}
    </div>
  );
};

/** Requests waiting for the host, each with the time by which it must be answered, and the rest. */
export const InboxPage = () => {
  const config = useAppConfig();
  const bookings = useResource('inbox', (signal) =>
    get<HostBookingPage>('query', `/host/bookings${queryString({ scope: 'current', pageSize: 100 })}`, { signal }),
  );
  const deadline = (booking: HostBooking) => new Date(Date.parse(booking.createdAt) + config.hostResponseHours * 3_600_000).toISOString();
  return (
    <section>
      <h1>Inbox</h1>
      <AsyncList resource={bookings} what="requests" empty="No bookings of your listings yet." items={(data: HostBookingPage) => data.items}>
        {(items) => (
          <ul className="trips">
            {items.map((booking) => (
              <li key={booking.bookingId} className="card" aria-label={`Booking ${booking.bookingId}`}>
                <h2>
                  <ListingTitle listingId={booking.listingId} /> <StatusBadge status={booking.status} />
                </h2>
                <p>
                  {booking.guestFirstName ?? 'A guest'}
                  {booking.unitTypeName ? ` · ${booking.unitTypeName}` : ''} · {describeStay(booking.stay)} · {booking.guests} guests ·{' '}
                  {formatMoney(booking.total)} · <Link to={`/messages/${bookingConversationId(booking.bookingId)}`}>Messages with the guest</Link>
                </p>
                {booking.status === 'awaiting_approval' && (
                  <>
                    <p>
                      Answer by <strong>{formatDate(deadline(booking))}</strong>, or the request expires.
                    </p>
                    <Decision booking={booking} onDone={bookings.reload} />
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
      </AsyncList>
    </section>
  );
};
