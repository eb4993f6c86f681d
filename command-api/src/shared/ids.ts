import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

// uuid draws each id's 16 random bytes from WebCrypto, one call per id: about 1% of the command
// API's CPU under the booking load. One draw fills 256 ids' worth.
const pool = new Uint8Array(16 * 256);
let at = pool.length;

/** A new time-ordered id (UUID v7) for an aggregate or a record the API creates. */
export const newId = (): string => {
  if (at === pool.length) {
    randomFillSync(pool);
    at = 0;
  }
  at += 16;
  return uuidv7({ random: pool.subarray(at - 16, at) });
};
