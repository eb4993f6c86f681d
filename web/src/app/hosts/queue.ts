import { ApiError, loadSession, NetworkError, newIdempotencyKey, post, put } from '../shared/api.ts';
import { browserStore, DraftQueue } from './draft-queue.ts';

/** The one queue of this browser, sending through the command API. */
export const draftQueue = new DraftQueue(
  browserStore(localStorage, () => loadSession()?.userId ?? 'signed-out'),
  {
    create: (body, key) => post<{ listingId: string }>('command', '/listings', body, { idempotencyKey: key }),
    update: (listingId, changes) => put('command', `/listings/${listingId}`, changes),
    publish: (listingId, key) => post('command', `/listings/${listingId}/publish`, {}, { idempotencyKey: key }),
    // A 502 from the web server means the API behind it is away: as good as offline, so keep and retry.
    isNetworkError: (error) => error instanceof NetworkError || (error instanceof ApiError && (error.status === 502 || error.status === 503)),
  },
  { newId: newIdempotencyKey, now: () => new Date().toISOString() },
);

// Back online: send what was kept. Also retry now and then, for connections that drop silently.
const signedInHost = () => ['host', 'admin'].includes(loadSession()?.role ?? '');
window.addEventListener('online', () => signedInHost() && void draftQueue.syncAll());
setInterval(() => {
  if (navigator.onLine && signedInHost()) void draftQueue.syncAll();
}, 10_000);
