import type { ListingDetails } from '../guests/types.ts';
import {
  detailsOf,
  emptyForm,
  formOf,
  plainFields,
  takeField,
  UNIT_ATTRIBUTES,
  unitField,
  upcastForm,
  type FormField,
  type ListingForm,
  type ListingKind,
  type UnitForm,
} from './listing-form.ts';

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
  /** The listing's revision as this browser last saw it: an edit is sent as If-Match on it. */
  revision?: number;
  /**
   * Another browser saved the same fields differently meanwhile: nothing is sent until the host
   * chooses; `theirs` is the saved version of those fields.
   */
  conflict?: { fields: FormField[]; theirs: ListingForm };
};

/** A listing as the server has it, for opening it in a browser that has no draft of it. */
export type SavedListing = { listingId: string; kind: ListingKind; status: 'draft' | 'published' | 'unlisted'; details: ListingDetails; revision: number };

export type SyncState =
  | { state: 'saved' }
  | { state: 'saving' }
  | { state: 'offline'; pending: number }
  | { state: 'rejected'; error: unknown; pending: number }
  | { state: 'conflict'; fields: FormField[] };

/** How the queue reaches the command API; a NetworkError (offline) keeps the edits for later. */
export type DraftTransport = {
  create(body: { kind: ListingKind; details: ListingDetails }, idempotencyKey: string): Promise<{ listingId: string; revision?: number }>;
  /** With `ifMatch`, refused (see `staleRevision`) when the listing is no longer at that revision. */
  update(listingId: string, changes: ListingDetails, ifMatch?: number): Promise<{ revision?: number }>;
  publish(listingId: string, idempotencyKey: string): Promise<{ revision?: number }>;
  /** The listing as saved, at `atLeast` or later when the read side catches up in time. */
  load(listingId: string, atLeast?: number): Promise<SavedListing>;
  isNetworkError(error: unknown): boolean;
  /** The revision the listing is at, when `error` refused an edit made on an older one; else undefined. */
  staleRevision(error: unknown): number | undefined;
};

type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const PREFIX = 'stayhub.draft.';
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/**
 * The server names unit types `{listingId}.{key}` and takes either form back: the form keeps the
 * key, so the same unit type reads the same from every browser.
 */
const withUnitKeys = (listingId: string, details: ListingDetails): ListingDetails =>
  details.unitTypes
    ? {
        ...details,
        unitTypes: details.unitTypes.map((unit) => ({
          ...unit,
          unitTypeId: unit.unitTypeId.startsWith(`${listingId}.`) ? unit.unitTypeId.slice(listingId.length + 1) : unit.unitTypeId,
        })),
      }
    : details;

const OLD_UNIT_FIELDS: Record<string, (typeof UNIT_ATTRIBUTES)[number]> = {
  unitName: 'name',
  unitCount: 'count',
  unitCapacity: 'capacity',
  unitPrice: 'price',
};

/** A draft as any version of the app kept it, as this one reads it: older forms and their conflicts upcast. */
const upcastDraft = (kept: Draft): Draft => {
  const oldKey = (kept.form as { unitTypeId?: string }).unitTypeId ?? 'main';
  if (!kept.conflict) return { ...kept, form: upcastForm(kept.form) };
  const fields = (kept.conflict.fields as string[]).flatMap((field): FormField[] =>
    OLD_UNIT_FIELDS[field] ? [unitField(oldKey, OLD_UNIT_FIELDS[field])] : field === 'unitTypeId' || field === 'otherUnitTypes' ? [] : [field as FormField],
  );
  return { ...kept, form: upcastForm(kept.form), conflict: { fields, theirs: upcastForm(kept.conflict.theirs) } };
};

/**
 * A three-way merge of the unit types, by key and then attribute: a unit type only one side added,
 * changed or removed takes that side's version; one side removing what the other changed, or both
 * changing an attribute differently, is a conflict (the form keeps this browser's version meanwhile).
 */
const mergeUnits = (base: readonly UnitForm[], mine: readonly UnitForm[], theirs: readonly UnitForm[]): { units: UnitForm[]; conflicts: FormField[] } => {
  const byKey = (units: readonly UnitForm[]) => new Map(units.map((unit) => [unit.key, unit]));
  const [b, m, t] = [byKey(base), byKey(mine), byKey(theirs)];
  const units: UnitForm[] = [];
  const conflicts: FormField[] = [];
  // The saved order, then what only this browser has, in its order.
  for (const key of [...t.keys(), ...[...m.keys()].filter((key) => !t.has(key))]) {
    const [was, ours, saved] = [b.get(key), m.get(key), t.get(key)];
    if (same(ours, saved) || same(saved, was) || same(ours, was)) {
      const kept = same(ours, was) ? saved : ours;
      if (kept) units.push(kept);
      continue;
    }
    if (!ours || !saved) {
      conflicts.push(unitField(key));
      if (ours) units.push(ours);
      continue;
    }
    const merged = { ...ours };
    for (const attribute of UNIT_ATTRIBUTES) {
      if (same(ours[attribute], saved[attribute]) || same(saved[attribute], was?.[attribute])) continue;
      if (same(ours[attribute], was?.[attribute])) merged[attribute] = saved[attribute];
      else conflicts.push(unitField(key, attribute));
    }
    units.push(merged);
  }
  return { units, conflicts };
};

/** A stale edit is merged and sent again at most this often before the host is told. */
const MERGE_ATTEMPTS = 3;

/** The fields whose value differs from what the server confirmed. */
export const pendingChanges = (draft: Draft): ListingDetails => {
  const now = detailsOf(draft.kind, draft.form, draft.acked) as Record<string, unknown>;
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
    const draft: Draft = {
      draftId: this.ids.newId(),
      kind,
      form: emptyForm(),
      acked: {},
      publishKey: this.ids.newId(),
      published: false,
      updatedAt: this.ids.now(),
    };
    this.save(draft);
    return draft;
  }

  /**
   * A saved listing opened in this browser: its draft here if there is one, else a new one holding
   * every saved field, with nothing pending.
   */
  adopt(listing: SavedListing): Draft {
    const known = this.all().find((draft) => draft.listingId === listing.listingId);
    if (known) return known;
    const form = formOf(listing.kind, withUnitKeys(listing.listingId, listing.details));
    const draft: Draft = {
      draftId: this.ids.newId(),
      kind: listing.kind,
      form,
      acked: detailsOf(listing.kind, form),
      listingId: listing.listingId,
      revision: listing.revision,
      publishKey: this.ids.newId(),
      published: listing.status === 'published',
      updatedAt: this.ids.now(),
    };
    this.save(draft);
    return draft;
  }

  /** Takes in what was saved elsewhere since this browser last looked (merged with what is pending here). */
  async refresh(draftId: string): Promise<SyncState> {
    const draft = this.require(draftId);
    if (!draft.listingId) return { state: 'saved' };
    try {
      this.merge(draftId, await this.transport.load(draft.listingId, draft.revision));
    } catch {
      // Best effort: unread (offline, or not on the read side yet), every save still goes with If-Match.
    }
    return this.sync(draftId);
  }

  /** The host's answer to a conflict: keep what was typed here, or take the saved version of those fields. */
  resolve(draftId: string, keep: 'mine' | 'theirs'): Promise<SyncState> {
    const { conflict, ...draft } = this.require(draftId);
    if (!conflict) return this.sync(draftId);
    const form = keep === 'mine' ? draft.form : conflict.fields.reduce((taken, field) => takeField(taken, field, conflict.theirs), draft.form);
    this.save({ ...draft, form, updatedAt: this.ids.now() });
    return this.sync(draftId);
  }

  get(draftId: string): Draft | undefined {
    const text = this.store.getItem(PREFIX + draftId);
    return text ? upcastDraft(JSON.parse(text) as Draft) : undefined;
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
    // The caller handles a failure; this follow-up only forgets the finished sync (and must not re-raise it).
    const forget = () => {
      if (this.inFlight.get(draftId) === next) this.inFlight.delete(draftId);
    };
    next.then(forget, forget);
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
    let revision: number | undefined;
    try {
      ({ revision } = await this.transport.publish(draft.listingId!, draft.publishKey));
    } catch (error) {
      return this.failed(draftId, error);
    }
    // A repeated publish replays the first answer, whose revision may be older than this browser's.
    const latest = this.require(draftId);
    this.save({ ...latest, published: true, ...(revision !== undefined && revision > (latest.revision ?? -1) ? { revision } : {}) });
    return this.announce(draftId, { state: 'saved' });
  }

  private async syncNow(draftId: string): Promise<SyncState> {
    let draft = this.require(draftId);
    if (draft.conflict) return this.announce(draftId, { state: 'conflict', fields: draft.conflict.fields });
    try {
      if (!draft.listingId) {
        const create = draft.create ?? { key: this.ids.newId(), body: { kind: draft.kind, details: pendingChanges(draft) } };
        if (!draft.create) {
          draft = { ...draft, create };
          this.save(draft);
        }
        this.announce(draftId, { state: 'saving' });
        const { listingId, revision } = await this.transport.create(create.body, create.key);
        draft = { ...this.require(draftId), listingId, acked: create.body.details, ...(revision === undefined ? {} : { revision }) };
        this.save(draft);
      }
      for (let attempt = 1; ; attempt++) {
        const changes = pendingChanges(draft);
        if (Object.keys(changes).length === 0) break;
        this.announce(draftId, { state: 'saving' });
        try {
          const { revision } = await this.transport.update(draft.listingId!, changes, draft.revision);
          // Only what was sent is confirmed: edits made meanwhile stay pending.
          const latest = this.require(draftId);
          this.save({ ...latest, acked: { ...latest.acked, ...changes }, ...(revision === undefined ? {} : { revision }) });
          break;
        } catch (error) {
          const current = this.transport.staleRevision(error);
          if (current === undefined || attempt >= MERGE_ATTEMPTS) throw error;
          // Saved elsewhere meanwhile: take that in, then send what is still ours (unless the same fields clash).
          draft = this.merge(draftId, await this.transport.load(draft.listingId!, current));
          if (draft.conflict) return this.announce(draftId, { state: 'conflict', fields: draft.conflict.fields });
        }
      }
      return this.announce(draftId, { state: 'saved' });
    } catch (error) {
      return this.failed(draftId, error);
    }
  }

  /**
   * A three-way merge, field by field, of this browser's form onto the saved listing: a field only
   * one side changed takes that side's value; a field both changed differently is a conflict the
   * host settles (nothing typed is dropped silently).
   */
  private merge(draftId: string, saved: SavedListing): Draft {
    const draft = this.require(draftId);
    if (draft.revision !== undefined && saved.revision <= draft.revision) return draft;
    const base = formOf(draft.kind, draft.acked);
    const theirs = formOf(draft.kind, withUnitKeys(saved.listingId, saved.details));
    const form: ListingForm = { ...draft.form };
    const fields: FormField[] = [];
    for (const field of plainFields(theirs)) {
      const mine = form[field];
      if (same(mine, theirs[field]) || same(theirs[field], base[field])) continue;
      if (same(mine, base[field])) (form as Record<string, unknown>)[field] = theirs[field];
      else fields.push(field);
    }
    const units = mergeUnits(base.units, form.units, theirs.units);
    form.units = units.units;
    fields.push(...units.conflicts);
    const { conflict: _settled, ...rest } = draft;
    const next: Draft = {
      ...rest,
      form,
      acked: detailsOf(draft.kind, theirs),
      revision: saved.revision,
      published: draft.published || saved.status === 'published',
      ...(fields.length > 0 ? { conflict: { fields, theirs } } : {}),
    };
    this.save(next);
    return next;
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
