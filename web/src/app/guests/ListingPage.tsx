import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { formatMoney, get, newIdempotencyKey, post } from '../shared/api.ts';
import { useAuth } from '../shared/auth.tsx';
import { useResource } from '../shared/resource.ts';
import { ErrorMessage, Field, Loading } from '../shared/ui.tsx';
import { AskHost } from '../chat/AskHost.tsx';
import { AvailabilityCalendar } from './AvailabilityCalendar.tsx';
import { ListingReviews } from './ListingReviews.tsx';
import { nightsBetween, today, type ListingView } from './types.ts';

export const ListingPage = () => {
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { session } = useAuth();
  const listing = useResource(id, (signal) => get<ListingView>('query', `/listings/${id}`, { signal }));
  const [checkIn, setCheckIn] = useState(params.get('checkIn') ?? '');
  const [checkOut, setCheckOut] = useState(params.get('checkOut') ?? '');
  const [slot, setSlot] = useState('');
  const [guests, setGuests] = useState(Number(params.get('guests') ?? 2) || 2);
  const [unitTypeId, setUnitTypeId] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // One key per attempt to book: a double click or a retry after a lost answer books once.
  const [attemptKey, setAttemptKey] = useState(newIdempotencyKey);

  if (listing.state === 'loading' || listing.state === 'idle') return <Loading what="the listing" />;
  if (listing.state === 'error') return <ErrorMessage error={listing.error} title="Could not load the listing" />;
  const { details, kind } = listing.data;
  const unitTypes = details.unitTypes ?? [];
  const unitType = unitTypes.find((u) => u.unitTypeId === unitTypeId) ?? unitTypes[0];
  const nights = checkIn && checkOut ? nightsBetween(checkIn, checkOut) : 0;
  const units = unitType ? Math.max(1, Math.ceil(guests / unitType.capacity)) : 1;
  const price =
    unitType && (kind === 'restaurant' ? (slot ? 1 : 0) : nights) > 0
      ? { amount: unitType.price.amount * units * (kind === 'restaurant' ? 1 : nights), currency: unitType.price.currency }
      : null;

  const book = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!unitType) return;
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const stay = kind === 'restaurant' ? { slot: new Date(slot).toISOString() } : { checkIn, checkOut };
      const booked = await post<{ bookingId: string; status: string }>(
        'command',
        '/bookings',
        { listingId: id, unitTypeId: unitType.unitTypeId, ...stay, guests, paymentMethod: String(form.get('paymentMethod')) },
        { idempotencyKey: attemptKey },
      );
      navigate(`/trips?booked=${booked.bookingId}`);
    } catch (caught) {
      setError(caught);
      setAttemptKey(newIdempotencyKey());
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="listing">
      <h1>{details.title ?? 'Untitled listing'}</h1>
      <p className="muted">
        {kind} · {details.location ? `${details.location.city}, ${details.location.country}` : 'no place yet'} ·{' '}
        {listing.data.rating !== null ? `★ ${listing.data.rating.toFixed(1)} from ${listing.data.ratingCount} reviews` : 'no reviews yet'}
      </p>
      <div className="photos">
        {(details.photos ?? []).slice(0, 4).map((photo, i) => (
          <img key={photo} src={photo} alt={`${details.title ?? 'The listing'}, view ${i + 1}`} />
        ))}
      </div>
      <div className="columns">
        <div>
          <h2>About</h2>
          <p className="prose">{details.description}</p>
          <h2>Amenities</h2>
          {details.amenities?.length ? (
            <ul className="tags">
              {details.amenities.map((a) => (
                <li key={a}>{a}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">None listed.</p>
          )}
          {details.cuisine?.length ? <p>Cuisine: {details.cuisine.join(', ')}</p> : null}
          <h2>House rules</h2>
          {details.houseRules?.length ? (
            <ul>
              {details.houseRules.map((rule) => (
                <li key={rule}>{rule}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">None listed.</p>
          )}
          <p>
            Cancellation policy: <strong>{details.cancellationPolicy ?? 'moderate'}</strong>
          </p>
          <h2>Reviews</h2>
          {listing.data.ratingCount > 0 && <p>{`Rated ${listing.data.rating?.toFixed(1)} of 5 by ${listing.data.ratingCount} guests.`}</p>}
          <ListingReviews listingId={id} />
          {unitType && kind !== 'restaurant' && (
            <>
              <h2>Availability</h2>
              <AvailabilityCalendar listingId={id} unitType={unitType} from={checkIn || today()} selected={nights > 0 ? { checkIn, checkOut } : undefined} />
            </>
          )}
        </div>
        <aside className="panel">
          <h2>{details.instantBook ? 'Book instantly' : 'Request to book'}</h2>
          <form onSubmit={book} aria-label="Book">
            {unitTypes.length > 1 && (
              <Field label={kind === 'restaurant' ? 'Table' : 'Room type'}>
                <select value={unitType?.unitTypeId} onChange={(e) => setUnitTypeId(e.target.value)}>
                  {unitTypes.map((u) => (
                    <option key={u.unitTypeId} value={u.unitTypeId}>
                      {u.name} — {formatMoney(u.price)} (up to {u.capacity})
                    </option>
                  ))}
                </select>
              </Field>
            )}
            {kind === 'restaurant' ? (
              <Field label="Time">
                <input type="datetime-local" required value={slot} onChange={(e) => setSlot(e.target.value)} />
              </Field>
            ) : (
              <>
                <Field label="Check-in">
                  <input type="date" required value={checkIn} min={today()} onChange={(e) => setCheckIn(e.target.value)} />
                </Field>
                <Field label="Check-out">
                  <input type="date" required value={checkOut} min={checkIn || today()} onChange={(e) => setCheckOut(e.target.value)} />
                </Field>
              </>
            )}
            <Field label="Guests">
              <input type="number" min={1} max={1000} required value={guests} onChange={(e) => setGuests(Number(e.target.value))} />
            </Field>
            <Field label="Card token" hint="The simulated gateway: tok_visa pays, tok_declined declines">
              <input name="paymentMethod" defaultValue="tok_visa" required />
            </Field>
            <p aria-live="polite" className="price">
              {price
                ? `${kind === 'restaurant' ? 'Deposit' : `${nights} nights × ${units} unit${units > 1 ? 's' : ''}`}: ${formatMoney(price)}`
                : 'Choose dates to see the price.'}
            </p>
            {error ? <ErrorMessage error={error} title="Could not book" /> : null}
            {session ? (
              <button type="submit" disabled={busy || !unitType}>
                {details.instantBook ? 'Book now' : 'Send request'}
              </button>
            ) : (
              <p>
                <Link to="/sign-in">Sign in</Link> to book.
              </p>
            )}
          </form>
          {session && session.userId !== listing.data.hostId && (
            <>
              <h2>Questions?</h2>
              <AskHost listingId={id} />
            </>
          )}
        </aside>
      </div>
    </article>
  );
};
