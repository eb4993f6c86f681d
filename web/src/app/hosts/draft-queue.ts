import type { ListingDetails } from '../guests/types.ts';
import { detailsOf, emptyForm, type ListingForm, type ListingKind } from './listing-form.ts';

/**
 * One listing being written. `form` is everything typed (saved in the browser on every change);
 * `acked` is what the server has confirmed; the difference is what is still to send.
 */
export type Draft = {
  draftId: string;
  kind: ListingKind;
  form: ListingForm;
  acked: ListingDetails;
  listingId?: string;
  /** The create request, frozen at its first attempt: a retry sends the same body with the same key. */
  create?: { key: string; body: { kind: ListingKind; details: ListingDetails } };
  publishKey: string;
  published: boolean;
  updatedAt: string;
};

export type SyncState =
  | { state: 'saved' }
  | { state: 'saving' }
  | { state: 'offline'; pending: number }
  | { state: 'rejected'; error: unknown; pending: number };

/** How the queue reaches the command API; a NetworkError (offline) keeps the edits for later. */
export type DraftTransport = {
  create(body: { kind: ListingKind; details: ListingDetails }, idempotencyKey: string): Promise<{ listingId: string }>;
  update(listingId: string, changes: ListingDetails): Promise<unknown>;
  publish(listingId: string, idempotencyKey: string): Promise<unknown>;
  isNetworkError(error: unknown): boolean;
};

type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const PREFIX = 'stayhub.draft.';
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The fields whose value differs from what the server confirmed. */
export const pendingChanges = (draft: Draft): ListingDetails => {
  const now = detailsOf(draft.kind, draft.form) as Record<string, unknown>;
  const acked = draft.acked as Record<string, unknown>;
  return Object.fromEntries(Object.entries(now).filter(([key, value]) => !same(value, acked[key]))) as ListingDetails;
};

/**
 * The browser-side queue of listing drafts: every edit is written to storage before anything is
 * sent, sending happens when it can (now, on `online`, on the next edit), and requests that create
 * or publish carry a key that stays the same across retries, so a lost answer never makes a second
 * listing.
 */
export class DraftQueue {
  private readonly inFlight = new Map<string, Promise<SyncState>>();
  private readonly listeners = new Set<(draftId: string, state: SyncState) => void>();

  constructor(
    private readonly store: KeyValueStore & { keys(): string[] },
    private readonly transport: DraftTransport,
    private readonly ids: { newId(): string; now(): string },
  ) {}

  subscribe(listener: (draftId: string, state: SyncState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(kind: ListingKind): Draft {
    const draft: Draft = { draftId: this.ids.newId(), kind, form: emptyForm(), acked: {}, publishKey: this.ids.newId(), published: false, updatedAt: this.ids.now() };
    this.save(draft);
    return draft;
  }

  get(draftId: string): Draft | undefined {
    const text = this.store.getItem(PREFIX + draftId);
    return text ? (JSON.parse(text) as Draft) : undefined;
  }

  all(): Draft[] {
    return this.store
      .keys()
      .filter((key) => key.startsWith(PREFIX))
      .map((key) => this.get(key.slice(PREFIX.length)))
      .filter((draft): draft is Draft => draft !== undefined)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /** Keeps the edit in the browser at once; sending is up to `sync`. */
  edit(draftId: string, change: Partial<ListingForm> & { kind?: ListingKind }): Draft {
    const draft = this.require(draftId);
    const { kind, ...form } = change;
    const next: Draft = { ...draft, kind: draft.listingId ? draft.kind : (kind ?? draft.kind), form: { ...draft.form, ...form }, updatedAt: this.ids.now() };
    this.save(next);
    return next;
  }

  remove(draftId: string): void {
    this.store.removeItem(PREFIX + draftId);
  }

  /** Sends what the server lacks; one sync per draft at a time (a call meanwhile runs after it). */
  sync(draftId: string): Promise<SyncState> {
    const previous = this.inFlight.get(draftId) ?? Promise.resolve<SyncState>({ state: 'saved' });
    const next = previous.then(() => this.syncNow(draftId));
    this.inFlight.set(draftId, next);
    void next.finally(() => {
      if (this.inFlight.get(draftId) === next) this.inFlight.delete(draftId);
    });
    return next;
  }

  syncAll(): Promise<SyncState[]> {
    return Promise.all(this.all().map((draft) => this.sync(draft.draftId)));
  }

  /** Sends everything, then publishes with the draft's own key: pressing it twice publishes once. */
  async submit(draftId: string): Promise<SyncState> {
    const synced = await this.sync(draftId);
    if (synced.state !== 'saved') return synced;
    const draft = this.require(draftId);
    try {
      await this.transport.publish(draft.listingId!, draft.publishKey);
    } catch (error) {
      return this.failed(draftId, error);
    }
    this.save({ ...this.require(draftId), published: true });
    return this.announce(draftId, { state: 'saved' });
  }

  private async syncNow(draftId: string): Promise<SyncState> {
    let draft = this.require(draftId);
    try {
      if (!draft.listingId) {
        const create = draft.create ?? { key: this.ids.newId(), body: { kind: draft.kind, details: pendingChanges(draft) } };
        if (!draft.create) this.save((draft = { ...draft, create }));
        this.announce(draftId, { state: 'saving' });
        const { listingId } = await this.transport.create(create.body, create.key);
        draft = { ...this.require(draftId), listingId, acked: create.body.details };
        this.save(draft);
      }
      const changes = pendingChanges(draft);
      if (Object.keys(changes).length > 0) {
        this.announce(draftId, { state: 'saving' });
        await this.transport.update(draft.listingId!, changes);
        // Only what was sent is confirmed: edits made meanwhile stay pending.
        const latest = this.require(draftId);
        this.save({ ...latest, acked: { ...latest.acked, ...changes } });
      }
      return this.announce(draftId, { state: 'saved' });
    } catch (error) {
      return this.failed(draftId, error);
    }
  }

  private failed(draftId: string, error: unknown): SyncState {
    const draft = this.require(draftId);
    const pending = Object.keys(pendingChanges(draft)).length;
    return this.announce(draftId, this.transport.isNetworkError(error) ? { state: 'offline', pending } : { state: 'rejected', error, pending });
  }

  private announce(draftId: string, state: SyncState): SyncState {
    for (const listener of this.listeners) listener(draftId, state);
    return state;
  }

  private require(draftId: string): Draft {
    const draft = this.get(draftId);
    if (!draft) throw new Error(`No draft ${draftId} in this browser`);
    return draft;
  }

  private save(draft: Draft): void {
    this.store.setItem(PREFIX + draft.draftId, JSON.stringify(draft));
  }
}

/**
 * `localStorage` with the key listing the queue needs, under a prefix per signed-in user, so that
 * two hosts sharing a browser never send each other's drafts.
 */
export const browserStore = (storage: Storage, scope: () => string): KeyValueStore & { keys(): string[] } => {
  const prefix = () => `${scope()}:`;
  return {
    getItem: (key) => storage.getItem(prefix() + key),
    setItem: (key, value) => storage.setItem(prefix() + key, value),
    removeItem: (key) => storage.removeItem(prefix() + key),
    keys: () =>
      Array.from({ length: storage.length }, (_, i) => storage.key(i))
        .filter((key): key is string => key !== null && key.startsWith(prefix()))
        .map((key) => key.slice(prefix().length)),
  };
};
