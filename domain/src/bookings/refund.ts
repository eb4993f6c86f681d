import { assertNever } from '../shared/decider.ts';
import type { CancellationPolicy } from '../listings/details.ts';
import { share, zero, type Money } from '../shared/money.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const HALF = 5_000;

/** What a guest gets back of `paid` when cancelling at `now` a stay starting at `start`. */
export const refundFor = (policy: CancellationPolicy, paid: Money, now: string, start: string): Money => {
  const ahead = Date.parse(start) - Date.parse(now);
  switch (policy) {
    case 'flexible':
      return ahead >= DAY_MS ? paid : zero(paid.currency);
    case 'moderate':
      return ahead >= 5 * DAY_MS ? paid : share(paid, HALF);
    case 'strict':
      return ahead >= 7 * DAY_MS ? share(paid, HALF) : zero(paid.currency);
    default:
      return assertNever(policy);
  }
};
