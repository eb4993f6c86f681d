import { z } from 'zod';

/**
 * Faults the simulated gateway server injects, set at run time with `PUT /_faults` (the whole set:
 * a field left out returns to its default). Rates draw from a PRNG seeded with `seed`, so a test
 * that sets the same faults sees the same sequence of outcomes.
 */
export const GatewayFaults = z.object({
  /** Added before each request is handled. */
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  /** Share of requests answered 503 without being handled. */
  failureRate: z.number().min(0).max(1).default(0),
  /** Share of requests handled but never answered in time (the worst case for a client). */
  timeoutRate: z.number().min(0).max(1).default(0),
  /** Every new authorization or charge is declined as `card_declined`. */
  declineAll: z.boolean().default(false),
  webhook: z.enum(['normal', 'late', 'twice', 'never', 'bad_signature']).default('normal'),
  /** How late a `late` webhook arrives. */
  webhookDelayMs: z.number().int().min(0).max(600_000).default(1_000),
  seed: z.number().int().default(1),
});
export type GatewayFaults = z.infer<typeof GatewayFaults>;
export type WebhookMode = GatewayFaults['webhook'];

/** mulberry32: a small, fast, seedable PRNG giving floats in [0, 1). */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};
