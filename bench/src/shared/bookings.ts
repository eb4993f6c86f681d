import { api, inParallel } from './http.ts';
import type { Platform } from './platform.ts';

const day = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

const details = (i: number, overrides: Record<string, unknown> = {}) => ({
  title: `Bench flat ${i}`,
  description: 'A flat used by the benchmarks.',
  photos: ['https://img.example.com/bench.jpg'],
  location: { lat: 38.72 + (i % 100) / 1000, lon: -9.14, city: 'Lisbon', country: 'PT', timeZone: 'Europe/Lisbon' },
  amenities: ['wifi'],
  currency: 'EUR',
  instantBook: true,
  cancellationPolicy: 'flexible',
  unitTypes: [{ unitTypeId: 'flat', name: 'Whole flat', count: 1, capacity: 4, price: { amount: 10_000, currency: 'EUR' } }],
  ...overrides,
});

export type User = { userId: string; token: string };

export const registerUsers = async (platform: Platform, role: 'guest' | 'host', count: number): Promise<User[]> => {
  const command = api(platform.commandUrl);
  const tag = Date.now().toString(36);
  return inParallel(
    Array.from({ length: count }, (_, i) => i),
    4,
    async (i) => {
      const email = `bench-${role}-${tag}-${i}@example.com`;
      const reply = await command.post('/auth/register', { email, password: 'bench password 123', name: `${role} ${i}`, role });
      if (reply.status !== 202) throw new Error(`register: ${reply.status} ${JSON.stringify(reply.body)}`);
      const session = await command.post('/auth/login', { email, password: 'bench password 123' });
      if (session.status !== 200) throw new Error(`login: ${session.status} ${JSON.stringify(session.body)}`);
      return { userId: session.body.userId, token: session.body.token };
    },
  );
};

/** Creates and publishes a listing through the command API; returns its id and the publish's consistency token. */
export const publishListing = async (platform: Platform, host: User, kind: 'rental' | 'hotel', i: number, overrides: Record<string, unknown> = {}) => {
  const command = api(platform.commandUrl);
  const created = await command.post('/listings', { kind, details: details(i, overrides) }, host.token);
  if (created.status !== 201) throw new Error(`create listing: ${created.status} ${JSON.stringify(created.body)}`);
  const published = await command.post(`/listings/${created.body.listingId}/publish`, {}, host.token);
  if (published.status !== 200) throw new Error(`publish: ${published.status} ${JSON.stringify(published.body)}`);
  return { listingId: created.body.listingId as string, token: published.body.consistencyToken as string };
};

export type BookingScenario = {
  guests: User[];
  hosts: User[];
  rentals: string[];
  hotel: string;
  hotelRooms: number;
  /** Request n of the spread load: listing n mod L, its next free night (no two requests collide). */
  spread: (n: number) => Promise<number>;
  /** Request n of the hot load: one room of the one hotel room type, all on the same night. */
  hot: (n: number) => Promise<number>;
  /** Every booking answered 201, with the time of its answer (epoch ms). */
  answered: Map<string, number>;
};

/** Books request n's body as guest n mod G (their tokens); `booked` hears each 201's booking id. */
export const booker = (commandUrl: string, tokens: readonly string[], booked?: (bookingId: string) => void) => {
  const command = api(commandUrl);
  return async (n: number, body: Record<string, unknown>): Promise<number> => {
    const reply = await command.post('/bookings', { guests: 1, paymentMethod: 'tok_visa', ...body }, tokens[n % tokens.length]!);
    if (reply.status === 201) booked?.(reply.body.bookingId);
    return reply.status;
  };
};

/** The spread load's request n: rental n mod L, one night later each round of the rentals (no two collide). */
export const spreadBooking = (rentals: readonly string[], n: number) => {
  const night = 1 + Math.floor(n / rentals.length);
  return { listingId: rentals[n % rentals.length], checkIn: day(night), checkOut: day(night + 1) };
};

/** Hosts, guests, many one-unit rentals and one big hotel, all instantly bookable. */
export const bookingScenario = async (platform: Platform, options: { listings: number; guests: number; hotelRooms: number }): Promise<BookingScenario> => {
  const hosts = await registerUsers(platform, 'host', Math.max(1, Math.ceil(options.listings / 50)));
  const guests = await registerUsers(platform, 'guest', options.guests);
  const rentals = await inParallel(
    Array.from({ length: options.listings }, (_, i) => i),
    8,
    async (i) => (await publishListing(platform, hosts[i % hosts.length]!, 'rental', i)).listingId,
  );
  const hotel = (
    await publishListing(platform, hosts[0]!, 'hotel', -1, {
      title: 'Bench grand hotel',
      unitTypes: [{ unitTypeId: 'standard', name: 'Standard', count: options.hotelRooms, capacity: 2, price: { amount: 9_000, currency: 'EUR' } }],
    })
  ).listingId;
  const answered = new Map<string, number>();
  const book = booker(
    platform.commandUrl,
    guests.map((guest) => guest.token),
    (bookingId) => answered.set(bookingId, Date.now()),
  );
  const hotNight = day(30);
  return {
    guests,
    hosts,
    rentals,
    hotel,
    hotelRooms: options.hotelRooms,
    answered,
    spread: (n) => book(n, spreadBooking(rentals, n)),
    hot: (n) => book(n, { listingId: hotel, checkIn: hotNight, checkOut: day(31) }),
  };
};
