import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

// `uuid` draws each id's 16 random bytes from the operating system, one call per id: a visible
// cost on the booking and chat hot paths. One draw fills 256 ids' worth.
const pool = new Uint8Array(16 * 256);
let at = pool.length;

/** A new time-ordered id (UUID v7): for events, aggregates and records. */
export const newId = (): string => {
  if (at === pool.length) {
    randomFillSync(pool);
    at = 0;
  }
  at += 16;
  return uuidv7({ random: pool.subarray(at - 16, at) });
};
