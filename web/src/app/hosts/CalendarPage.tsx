import { useRef, useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router';
import { get, newIdempotencyKey, post, queryString } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { AsyncList, ErrorMessage, Field, formatDate, Loading, StatusBadge } from '../shared/ui.tsx';
import { AvailabilityCalendar } from '../guests/AvailabilityCalendar.tsx';
import { addDays, describeStay, today, type HostBookingPage, type ListingView, type UnitType } from '../guests/types.ts';
import type { HostListing } from './HostListingsPage.tsx';

const BlockForm = ({ listingId, unitType, onDone }: { listingId: string; unitType: UnitType; onDone: () => void }) => {
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    try {
      const body = { unitTypeId: unitType.unitTypeId, from: String(form.get('from')), to: String(form.get('to')), units: Number(form.get('units')) };
      const blocked = await post<{ keys: string[] }>('command', `/listings/${listingId}/blocks`, body, { idempotencyKey: newIdempotencyKey() });
      setDone(`Blocked ${blocked.keys.length} night(s).`);
      onDone();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form onSubmit={submit} aria-label={`Block nights of ${unitType.name}`} className="inline">
      <Field label="From">
        <input name="from" type="date" required defaultValue={today()} />
      </Field>
      <Field label="To (exclusive)">
        <input name="to" type="date" required defaultValue={addDays(today(), 1)} />
      </Field>
      <Field label="Units">
        <input name="units" type="number" min={1} max={unitType.count} defaultValue={unitType.count} required />
      </Field>
      <button type="submit">Block</button>
      {done && <span role="status">{done}</span>}
      {error ? <ErrorMessage error={error} title="Could not block" /> : null}
    </form>
  );
};

type Block = { blockId: string; unitTypeId: string; keys: string[]; from: string | null; to: string | null; units: number };

const BlockList = ({ listingId, blocks, onDone }: { listingId: string; blocks: Block[]; onDone: () => void }) => {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const keys = useRef(new Map<string, string>());
  const lift = async (block: Block) => {
    setBusy(block.blockId);
    setError(null);
    // One key per block: a second click, or a retry after a lost answer, lifts once.
    const key = keys.current.get(block.blockId) ?? newIdempotencyKey();
    keys.current.set(block.blockId, key);
    try {
      const range = block.from && block.to ? { from: block.from, to: block.to } : { slots: block.keys };
      await post('command', `/listings/${listingId}/blocks/${block.blockId}/lift`, { unitTypeId: block.unitTypeId, ...range }, { idempotencyKey: key });
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };
  return (
    <>
      <ul aria-label="Blocks">
        {blocks.map((block) => {
          const what = block.from && block.to ? `${block.from} → ${block.to}` : block.keys.map((k) => formatDate(k)).join(', ');
          return (
            <li key={block.blockId}>
              Blocked {what} · {block.units} unit(s){' '}
              <button
                type="button"
                className="secondary"
                disabled={busy === block.blockId}
                onClick={() => void lift(block)}
                aria-label={`Lift the block ${what}`}
              >
                Lift
              </button>
            </li>
          );
        })}
      </ul>
      {error ? <ErrorMessage error={error} title="Could not lift the block" /> : null}
    </>
  );
};

/** Per unit type: free units per night (holds, bookings and blocks taken out), blocks to add and lift, and the bookings. */
export const CalendarPage = () => {
  const { listingId = '' } = useParams();
  const navigate = useNavigate();
  const [from, setFrom] = useState(today());
  const [version, setVersion] = useState(0);
  const listing = useResource(listingId || null, (signal) => get<ListingView>('query', `/listings/${listingId}`, { signal }));
  const bookings = useResource(listingId ? `bookings/${listingId}/${version}` : null, (signal) =>
    get<HostBookingPage>('query', `/host/bookings${queryString({ listingId, scope: 'current', pageSize: 100 })}`, { signal }),
  );
  const blocks = useResource(listingId ? `blocks/${listingId}/${version}` : null, (signal) =>
    get<{ items: Block[] }>('query', `/listings/${listingId}/blocks`, { signal }),
  );
  const changed = () => setVersion((v) => v + 1);
  // Every listing of the host's, from the server: whichever browser wrote it.
  const mine = useResource('host-listings', (signal) => get<{ items: HostListing[] }>('query', '/host/listings?pageSize=100', { signal }));
  return (
    <section>
      <h1>Calendar</h1>
      <Field label="Listing">
        <select value={listingId} onChange={(e) => navigate(`/host/calendar/${e.target.value}`)}>
          <option value="">Choose a listing</option>
          {(mine.data?.items ?? []).map((listing) => (
            <option key={listing.listingId} value={listing.listingId}>
              {listing.title || `Untitled ${listing.kind}`} ({listing.status})
            </option>
          ))}
        </select>
      </Field>
      {mine.state === 'loading' && !mine.data && <Loading what="your listings" />}
      {mine.state === 'error' && <ErrorMessage error={mine.error} title="Could not load your listings" />}
      {!listingId && mine.state === 'ok' && (
        <p className="empty">{mine.data.items.length === 0 ? 'No listings yet: start one under Host.' : 'Choose one of your listings to see its calendar.'}</p>
      )}
      {listingId && listing.state === 'loading' && <Loading what="the listing" />}
      {listing.state === 'error' && <ErrorMessage error={listing.error} title="Could not load the listing" />}
      {listing.state === 'ok' && (
        <>
          <Field label="Starting">
            <input type="date" value={from} onChange={(e) => setFrom(e.target.value || today())} />
          </Field>
          {(listing.data.details.unitTypes ?? []).map((unitType) => (
            <div key={unitType.unitTypeId} className="panel">
              <AvailabilityCalendar listingId={listingId} unitType={unitType} from={from} reloadKey={String(version)} />
              <BlockForm listingId={listingId} unitType={unitType} onDone={changed} />
              <h3>Blocks of {unitType.name}</h3>
              <AsyncList
                resource={blocks}
                what="blocks"
                empty="No blocks."
                items={(data: { items: Block[] }) => data.items.filter((b) => b.unitTypeId === unitType.unitTypeId)}
              >
                {(items) => <BlockList listingId={listingId} blocks={items} onDone={changed} />}
              </AsyncList>
            </div>
          ))}
          <h2>Bookings</h2>
          <AsyncList resource={bookings} what="bookings" empty="No current bookings." items={(data: HostBookingPage) => data.items}>
            {(items) => (
              <ul>
                {items.map((b) => (
                  <li key={b.bookingId}>
                    {describeStay(b.stay)} · {b.units} unit(s) <StatusBadge status={b.status} />
                  </li>
                ))}
              </ul>
            )}
          </AsyncList>
        </>
      )}
    </section>
  );
};
