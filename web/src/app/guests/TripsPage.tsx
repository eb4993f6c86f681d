import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { refundFor } from '@stayhub/domain/bookings';
import { formatMoney, get, newIdempotencyKey, patch, post, queryString, type Money } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { AsyncList, ErrorMessage, Field, StatusBadge } from '../shared/ui.tsx';
import { bookingConversationId } from '../chat/types.ts';
import { ListingTitle } from './ListingTitle.tsx';
import { describeStay, type Booking, type BookingPage, type ListingView } from './types.ts';

const CANCELLABLE = new Set(['awaiting_approval', 'awaiting_payment', 'confirmed']);
const MODIFIABLE = new Set(['awaiting_approval', 'awaiting_payment', 'confirmed']);

/** The refund the listing's policy gives for cancelling now, computed with the platform's own rule. */
const useRefundPreview = (booking: Booking, open: boolean) =>
  useResource(open ? `refund/${booking.bookingId}` : null, async (signal) => {
    const listing = await get<ListingView>('query', `/listings/${booking.listingId}`, { signal });
    const policy = listing.details.cancellationPolicy ?? 'moderate';
    return { policy, refund: refundFor(policy, booking.paid, new Date().toISOString(), booking.start) as Money };
  });

const CancelTrip = ({ booking, onDone }: { booking: Booking; onDone: () => void }) => {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [key] = useState(newIdempotencyKey);
  const preview = useRefundPreview(booking, open);
  const confirm = async () => {
    setError(null);
    try {
      await post('command', `/bookings/${booking.bookingId}/cancel`, { reason: 'cancelled by the guest' }, { idempotencyKey: key });
      setOpen(false);
      onDone();
    } catch (caught) {
      setError(caught);
    }
  };
  if (!open)
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Cancel…
      </button>
    );
  return (
    <div role="dialog" aria-modal="false" aria-label="Cancel this trip" className="confirm">
      {preview.state === 'ok' ? (
        <p>
          Under the <strong>{preview.data.policy}</strong> policy you get back <strong>{formatMoney(preview.data.refund)}</strong> of the{' '}
          {formatMoney(booking.paid)} paid.
        </p>
      ) : preview.state === 'error' ? (
        <ErrorMessage error={preview.error} title="Could not work out the refund" />
      ) : (
        <p role="status">Working out the refund…</p>
      )}
      {error ? <ErrorMessage error={error} title="Could not cancel" /> : null}
      <button type="button" className="danger" onClick={confirm} disabled={preview.state !== 'ok'}>
        Confirm cancellation
      </button>
      <button type="button" className="secondary" onClick={() => setOpen(false)}>
        Keep the trip
      </button>
    </div>
  );
};

const ModifyTrip = ({ booking, onDone }: { booking: Booking; onDone: () => void }) => {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const change: Record<string, unknown> = { guests: Number(form.get('guests')) };
    if (booking.stay.kind === 'nights') {
      change.checkIn = String(form.get('checkIn'));
      change.checkOut = String(form.get('checkOut'));
    }
    setError(null);
    try {
      await patch('command', `/bookings/${booking.bookingId}`, change, { idempotencyKey: newIdempotencyKey() });
      setOpen(false);
      onDone();
    } catch (caught) {
      setError(caught);
    }
  };
  if (!open)
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Change…
      </button>
    );
  return (
    <form onSubmit={submit} aria-label="Change this trip" className="confirm">
      {booking.stay.kind === 'nights' && (
        <>
          <Field label="Check-in">
            <input name="checkIn" type="date" required defaultValue={booking.stay.checkIn} />
          </Field>
          <Field label="Check-out">
            <input name="checkOut" type="date" required defaultValue={booking.stay.checkOut} />
          </Field>
        </>
      )}
      <Field label="Guests">
        <input name="guests" type="number" min={1} required defaultValue={booking.guests} />
      </Field>
      {error ? <ErrorMessage error={error} title="Could not change the trip" /> : null}
      <button type="submit">Save changes</button>
      <button type="button" className="secondary" onClick={() => setOpen(false)}>
        Never mind
      </button>
    </form>
  );
};

const TripList = ({ scope }: { scope: 'current' | 'past' }) => {
  const trips = useResource(`trips/${scope}`, (signal) => get<BookingPage>('query', `/me/bookings${queryString({ scope, pageSize: 50 })}`, { signal }));
  return (
    <AsyncList
      resource={trips}
      what="trips"
      empty={scope === 'current' ? 'No trips planned. Find a place on the search page.' : 'No past trips.'}
      items={(data: BookingPage) => data.items}
    >
      {(items) => (
        <ul className="trips">
          {items.map((trip) => (
            <li key={trip.bookingId} className="card" aria-label={`Trip ${trip.bookingId}`}>
              <h3>
                <ListingTitle listingId={trip.listingId} /> <StatusBadge status={trip.status} />
              </h3>
              <p>
                {describeStay(trip.stay)} · {trip.guests} guests · total {formatMoney(trip.total)} · paid {formatMoney(trip.paid)}
                {trip.refunded.amount > 0 ? ` · refunded ${formatMoney(trip.refunded)}` : ''}
              </p>
              <p>
                <Link to={`/messages/${bookingConversationId(trip.bookingId)}`}>Messages with the host</Link>
              </p>
              {scope === 'current' && (
                <div className="actions">
                  {MODIFIABLE.has(trip.status) && <ModifyTrip booking={trip} onDone={trips.reload} />}
                  {CANCELLABLE.has(trip.status) && <CancelTrip booking={trip} onDone={trips.reload} />}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </AsyncList>
  );
};

export const TripsPage = () => {
  const [params] = useSearchParams();
  return (
    <section>
      <h1>My trips</h1>
      {params.get('booked') && (
        <p role="status" className="notice">
          Booking {params.get('booked')} sent. Its status shows below.
        </p>
      )}
      <h2>Current</h2>
      <TripList scope="current" />
      <h2>Past</h2>
      <TripList scope="past" />
    </section>
  );
};
