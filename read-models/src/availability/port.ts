/**
 * The availability read store: units used per unit type per night (ISO date) or restaurant slot
 * (ISO instant). PostgreSQL on the embedded default, Redis at scale (`AVAILABILITY=postgres|redis`).
 *
 * Every call names a `target` (the read model's live target, e.g. `availability`, or the fresh
 * `availability_r2` a replay builds beside it), so a rebuild never touches what readers use.
 */

/** Units taken (positive) or given back (negative) on one night or slot of one unit type. */
export type AvailabilityChange = { unitTypeId: string; key: string; delta: number };

/**
 * What one calendar event does, with the stream position that makes applying it idempotent: a
 * store ignores an update whose stream revision it has already applied (events of a stream arrive
 * in revision order, so "already applied" is "revision ≤ the last one applied").
 */
export type AvailabilityUpdate = { streamId: string; streamRevision: number; changes: AvailabilityChange[] };

/** unitTypeId → key → units used; every asked unit type and key is present (0 when nothing is used). */
export type UsedUnits = Map<string, Map<string, number>>;

export interface AvailabilityStore {
  /**
   * Makes `target` ready to be written. Resolves `false` when it held nothing before (new, or its
   * data was lost, e.g. a Redis restarted without persistence): a writer must then start over from
   * the first event, whatever its checkpoint says.
   */
  prepare(target: string): Promise<boolean>;
  /** Applies updates in order, each atomically and at most once; one flag per update (false = already applied). */
  apply(target: string, updates: readonly AvailabilityUpdate[]): Promise<boolean[]>;
  used(target: string, unitTypeIds: readonly string[], keys: readonly string[]): Promise<UsedUnits>;
  /** Every non-zero count a target holds: for verifying a rebuild (reads the whole target). */
  snapshot(target: string): Promise<UsedUnits>;
  /** Deletes everything of a target (after a swap replaced it, or a rebuild started over). */
  drop(target: string): Promise<void>;
  close(): Promise<void>;
}

/** Raised by `apply` when the target is not (or no longer) prepared: the writer must restart from `prepare`. */
export class AvailabilityTargetMissing extends Error {
  override readonly name = 'AvailabilityTargetMissing';
  constructor(readonly target: string) {
    super(`Availability target ${target} is not prepared (new or lost): rebuild it from the first event`);
  }
}

/** The reading side alone, already bound to the live target (what search adapters need). */
export type AvailabilityReader = { used(unitTypeIds: readonly string[], keys: readonly string[]): Promise<UsedUnits> };

/** A full matrix of zeros, filled in by the adapters. */
export const emptyUsed = (unitTypeIds: readonly string[], keys: readonly string[]): UsedUnits =>
  new Map(unitTypeIds.map((id) => [id, new Map(keys.map((key) => [key, 0]))]));
