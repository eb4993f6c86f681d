import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { formatMoney, get, queryString } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { AsyncList, Field, StatusBadge } from '../shared/ui.tsx';
import type { ListingDetails } from '../guests/types.ts';
import type { ListingKind } from './listing-form.ts';
import { draftQueue } from './queue.ts';
import { pendingChanges } from './draft-queue.ts';

type ListingStatus = 'draft' | 'published' | 'unlisted';

/** One row of `GET /host/listings`. */
export type HostListing = {
  listingId: string;
  kind: ListingKind;
  status: ListingStatus;
  title: string | null;
  city: string | null;
  unitTypes: number;
  minPrice: number | null;
  currency: string | null;
  missing: string[];
  complete: boolean;
  details: ListingDetails;
  revision: number;
  updatedAt: string;
};

const words = (field: string) => field.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

/**
 * The host's listings as the server has them (filtered by status), each with what it still misses
 * before it can be published, and the drafts of this browser that have not reached the server yet.
 */
export const HostListingsPage = () => {
  const navigate = useNavigate();
  const [kind, setKind] = useState<ListingKind>('rental');
  const [status, setStatus] = useState<'' | ListingStatus>('');
  const path = `/host/listings${queryString({ status, pageSize: 100 })}`;
  const listings = useResource(path, (signal) => get<{ items: HostListing[] }>('query', path, { signal }));
  const drafts = draftQueue.all();
  const draftOf = new Map(drafts.filter((d) => d.listingId).map((d) => [d.listingId!, d]));
  const unsent = drafts.filter((d) => !d.listingId);
  return (
    <section>
      <h1>My listings</h1>
      <form
        aria-label="Start a listing"
        className="inline"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(`/host/listings/${draftQueue.start(kind).draftId}`);
        }}
      >
        <label>
          Kind{' '}
          <select value={kind} onChange={(e) => setKind(e.target.value as ListingKind)}>
            <option value="rental">Rental</option>
            <option value="hotel">Hotel</option>
            <option value="restaurant">Restaurant</option>
          </select>
        </label>
        <button type="submit">New listing</button>
      </form>
      {unsent.length > 0 && (
        <>
          <h2>Only in this browser</h2>
          <ul className="cards">
            {unsent.map((draft) => (
              <li key={draft.draftId} className="card">
                <Link to={`/host/listings/${draft.draftId}`}>{draft.form.title || 'Untitled draft'}</Link>
                <p className="muted">{draft.kind} · not yet sent: it is sent when the connection allows</p>
              </li>
            ))}
          </ul>
        </>
      )}
      <form aria-label="Filter listings" className="inline" onSubmit={(e) => e.preventDefault()}>
        <Field label="Status">
          <select value={status} onChange={(e) => setStatus(e.target.value as '' | ListingStatus)}>
            <option value="">All</option>
            <option value="draft">Drafts</option>
            <option value="published">Published</option>
            <option value="unlisted">Unlisted</option>
          </select>
        </Field>
      </form>
      <AsyncList
        resource={listings}
        what="your listings"
        empty={status ? `No ${status === 'draft' ? 'drafts' : `${status} listings`}.` : 'No listings yet. Start one above.'}
        items={(data: { items: HostListing[] }) => data.items}
      >
        {(items) => (
          <ul className="cards" aria-label="Listings">
            {items.map((listing) => {
              const draft = draftOf.get(listing.listingId);
              return (
                <li key={listing.listingId} className="card">
                  <h2>{listing.title || 'Untitled draft'}</h2>
                  <p className="muted">
                    <StatusBadge status={listing.status} /> {listing.kind}
                    {listing.city ? ` · ${listing.city}` : ''}
                    {listing.minPrice !== null && listing.currency ? ` · from ${formatMoney({ amount: listing.minPrice, currency: listing.currency })}` : ''}
                    {draft && Object.keys(pendingChanges(draft)).length > 0 ? ' · changes waiting to be sent' : ''}
                  </p>
                  <p>
                    {listing.complete
                      ? listing.status === 'published'
                        ? 'Complete.'
                        : 'Complete: ready to publish.'
                      : `Still missing: ${listing.missing.map(words).join(', ')}.`}
                  </p>
                  <p className="inline">
                    {draft ? (
                      <Link to={`/host/listings/${draft.draftId}`}>{listing.status === 'published' ? 'Edit' : 'Edit and publish'}</Link>
                    ) : (
                      // Saved from another browser (or the API): opened here with every saved field.
                      <button type="button" className="link" onClick={() => navigate(`/host/listings/${draftQueue.adopt(listing).draftId}`)}>
                        {listing.status === 'published' ? 'Edit' : 'Edit and publish'}
                      </button>
                    )}{' '}
                    {listing.status === 'published' && <Link to={`/listings/${listing.listingId}`}>View</Link>}{' '}
                    <Link to={`/host/calendar/${listing.listingId}`}>Calendar</Link>
                  </p>
                </li>
              );
            })}
          </ul>
        )}
      </AsyncList>
    </section>
  );
};
