import { expect } from 'vitest';
import type { Stack } from './harness.ts';

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

/** Signs a new user up (202, the same answer for any email) and logs them in. */
export const register = async (stack: Stack, role: 'guest' | 'host', name: string = role) => {
  const email = `${name}-${unique()}@example.com`;
  const reply = await stack.command.post('/auth/register', { email, password: 'correct horse battery', name, role });
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  const session = await stack.command.post('/auth/login', { email, password: 'correct horse battery' });
  expect(session.status, JSON.stringify(session.body)).toBe(200);
  return { userId: session.body.userId as string, token: session.body.token as string, email };
};

/** An operator's token: `email` must be one of the stack's ADMIN_EMAILS. */
export const adminToken = async (stack: Stack, email: string): Promise<string> => {
  const reply = await stack.command.post('/auth/register', { email, password: 'correct horse battery', name: 'Operator' });
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  return login(stack, { email });
};

/** A fresh token, e.g. after the test clock moved past the old one's expiry. */
export const login = async (stack: Stack, user: { email: string }): Promise<string> => {
  const reply = await stack.command.post('/auth/login', { email: user.email, password: 'correct horse battery' });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.token as string;
};

/** An ISO date `days` after the stack clock's today. */
export const day = (stack: Stack, days: number): string => new Date(stack.clock.now().getTime() + days * 86_400_000).toISOString().slice(0, 10);

export const listingDetails = (overrides: Record<string, unknown> = {}) => ({
  title: 'Sunny flat by the river',
  description: 'Two rooms, balcony over the Tagus, five minutes from the tram.',
  photos: ['https://img.example.com/flat-1.jpg'],
  location: { lat: 38.7223, lon: -9.1393, city: 'Lisbon', country: 'PT', timeZone: 'Europe/Lisbon' },
  amenities: ['wifi', 'kitchen'],
  currency: 'EUR',
  instantBook: true,
  cancellationPolicy: 'flexible',
  unitTypes: [{ unitTypeId: 'flat', name: 'Whole flat', count: 1, capacity: 4, price: { amount: 12_000, currency: 'EUR' } }],
  ...overrides,
});

export const publishedListing = async (
  stack: Stack,
  host: { token: string },
  kind: 'rental' | 'hotel' | 'restaurant' = 'rental',
  overrides: Record<string, unknown> = {},
) => {
  const created = await stack.command.post('/listings', { kind, details: listingDetails(overrides) }, { token: host.token });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const published = await stack.command.post(`/listings/${created.body.listingId}/publish`, {}, { token: host.token });
  expect(published.status, JSON.stringify(published.body)).toBe(200);
  return { listingId: created.body.listingId as string, consistencyToken: published.body.consistencyToken as string };
};

export const waitUntil = async <T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};
