import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { ListingKind } from './listing-form.ts';
import { draftQueue } from './queue.ts';
import { pendingChanges } from './draft-queue.ts';

/** The listings written in this browser: drafts (some maybe not yet on the server) and published ones. */
export const HostListingsPage = () => {
  const navigate = useNavigate();
  const [kind, setKind] = useState<ListingKind>('rental');
  const drafts = draftQueue.all();
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
      {drafts.length === 0 ? (
        <p className="empty">No listings written in this browser yet. Start one above.</p>
      ) : (
        <ul className="cards">
          {drafts.map((draft) => (
            <li key={draft.draftId} className="card">
              <h2>
                <Link to={`/host/listings/${draft.draftId}`}>{draft.form.title || 'Untitled draft'}</Link>
              </h2>
              <p className="muted">
                {draft.kind} · {draft.published ? 'published' : 'draft'} · {draft.listingId ? `listing ${draft.listingId.slice(-8)}` : 'only in this browser'}
                {Object.keys(pendingChanges(draft)).length > 0 ? ' · changes waiting to be sent' : ''}
              </p>
              {draft.listingId && <Link to={`/host/calendar/${draft.listingId}`}>Calendar</Link>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
};
