import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../postgres/pool.ts';
import { testDatabaseUrl } from '../testing/database.ts';
import { SecretStore } from './store.ts';

describe('card tokens in the secret store', () => {
  let pool: Pool;
  let lookups = 0;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    await SecretStore.migrate(pool);
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    pool.query = ((...args: unknown[]) => {
      if ((args[0] as { name?: string }).name === 'payment_methods_of') lookups++;
      return query(...args);
    }) as typeof pool.query;
  });
  afterAll(async () => {
    await pool.end();
  });

  it('finds the token it stored without a statement, then, asked again, in the table', async () => {
    const store = new SecretStore(pool);
    const reference = `booking-${randomUUID()}`;
    await store.savePaymentMethod(reference, 'tok_first');
    const before = lookups;
    expect(await store.paymentMethod(reference)).toBe('tok_first');
    expect(lookups).toBe(before);
    expect(await store.paymentMethod(reference)).toBe('tok_first');
    expect(lookups).toBe(before + 1);
  });

  it('keeps the first token of a reference, from memory and from the table alike', async () => {
    const first = new SecretStore(pool);
    const second = new SecretStore(pool);
    const reference = `booking-${randomUUID()}`;
    await first.savePaymentMethod(reference, 'tok_first');
    await second.savePaymentMethod(reference, 'tok_swapped');
    expect(await second.paymentMethod(reference)).toBe('tok_first');
    expect(await first.paymentMethod(reference)).toBe('tok_first');
    // Saved at once (some of them in one statement): the table keeps one, and memory knows no other.
    const both = `booking-${randomUUID()}`;
    const third = new SecretStore(pool);
    await Promise.all(['tok_a', 'tok_b', 'tok_c', 'tok_d'].map((token) => third.savePaymentMethod(both, token)));
    const stored = await new SecretStore(pool).paymentMethod(both);
    expect(await third.paymentMethod(both)).toBe(stored);
    expect(await third.paymentMethod(both)).toBe(stored);
  });

  it('finds no token for a reference nothing was saved for', async () => {
    expect(await new SecretStore(pool).paymentMethod(`booking-${randomUUID()}`)).toBeUndefined();
  });
});
