import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import type { AvailabilityReader, AvailabilityStore } from './port.ts';

/** The projection's name; its live target (`availability`, `availability_r2`…) is looked up per read. */
const AVAILABILITY_PROJECTION = 'availability';

/** Reads of the live target, for search adapters (the target changes when a replay swaps one in). */
export const liveAvailability = (pool: Pool, store: AvailabilityStore): AvailabilityReader => ({
  async used(unitTypeIds, keys) {
    const { [AVAILABILITY_PROJECTION]: target } = await liveTargets(pool, [AVAILABILITY_PROJECTION]);
    return store.used(target!, unitTypeIds, keys);
  },
});
