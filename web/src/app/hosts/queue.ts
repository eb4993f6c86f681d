import { ApiError, get, loadSession, NetworkError, newIdempotencyKey, post, put } from '../shared/api.ts';
import { browserStore, DraftQueue, type SavedListing } from './draft-queue.ts';

/** The one queue of this browser, sending through the command API. */
export const draftQueue = new DraftQueue(
  browserStore(localStorage, () => loadSession()?.userId ?? 'signed-out'),
  {
    create: (body, key) => post<{ listingId: string; revision: number }>('command', '/listings', body, { idempotencyKey: key }),
    update: (listingId, changes, ifMatch) =>
      put<{ revision: number }>('command', `/listings/${listingId}`, changes, ifMatch === undefined ? {} : { headers: { 'if-match': `"${ifMatch}"` } }),
    publish: (listingId, key) => post<{ revision: number }>('command', `/listings/${listingId}/publish`, {}, { idempotencyKey: key }),
    // Another browser's save reaches the read side a moment after its answer: wait for it, briefly.
    load: async (listingId, atLeast = 0) => {
      for (let attempt = 0; ; attempt++) {
        const saved = await get<SavedListing>('query', `/host/listings/${listingId}`);
        if (saved.revision >= atLeast || attempt >= 20) return saved;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    staleRevision: (error) =>
      error instanceof ApiError && error.status === 412 && typeof error.problem.currentRevision === 'number' ? error.problem.currentRevision : undefined,
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
