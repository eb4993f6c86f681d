/**
 * Figure 3: projection lag — from a command's answer (its events are stored) until the change is
 * visible through the query API, in availability and in search — under the load of figure 1 (spread).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { params } from './shared/args.ts';
import { bookingScenario, publishListing, registerUsers } from './shared/bookings.ts';
import { benchServer, freshDatabase, serverSettings } from './shared/database.ts';
import { api } from './shared/http.ts';
import { runLoad } from './shared/load.ts';
import { startPlatform, type Platform } from './shared/platform.ts';
import { record } from './shared/results.ts';
import { summarise } from './shared/stats.ts';

const p = params('bench:lag', {
  concurrency: { default: 32, help: 'clients of the background booking load (figure 1, spread)' },
  duration: { default: 20, help: 'seconds of load while probing' },
  listings: { default: 300, help: 'rentals the background load books' },
  guests: { default: 32, help: 'guest accounts' },
  probeEveryMs: { default: 100, help: 'pause between probes' },
  pollMs: { default: 2, help: 'pause between reads while waiting for a change to show' },
});

const day = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** Reads until `visible` holds; returns ms since `from` (performance.now()) or NaN after 30 s. */
const until = async (from: number, read: () => Promise<boolean>): Promise<number> => {
  while (performance.now() - from < 30_000) {
    if (await read()) return performance.now() - from;
    await sleep(p.pollMs);
  }
  return NaN;
};

const probes = async (platform: Platform, stopAt: number) => {
  const command = api(platform.commandUrl);
  const query = api(platform.queryUrl);
  const [host] = await registerUsers(platform, 'host', 1);
  const [guest] = await registerUsers(platform, 'guest', 1);
  // A hotel with rooms enough for every probe on one night, and a listing whose title the search probe changes.
  const hotel = await publishListing(platform, host!, 'hotel', -2, {
    title: 'Lag probe hotel',
    unitTypes: [{ unitTypeId: 'probe', name: 'Probe', count: 10_000, capacity: 1, price: { amount: 5_000, currency: 'EUR' } }],
  });
  const searched = await publishListing(platform, host!, 'rental', -3, { title: 'Lag probe flat' });
  const night = day(200);
  const availability: number[] = [];
  const search: number[] = [];
  const commandMs: number[] = [];
  let taken = 0;
  for (let i = 0; performance.now() < stopAt; i++) {
    // Availability: a booking takes one more room; wait until the calendar shows it.
    let t0 = performance.now();
    const booked = await command.post('/bookings', { listingId: hotel.listingId, checkIn: night, checkOut: day(201), guests: 1, paymentMethod: 'tok_visa' }, guest!.token);
    let answered = performance.now();
    commandMs.push(answered - t0);
    if (booked.status === 201) {
      taken++;
      const want = 10_000 - taken;
      availability.push(
        await until(answered, async () => (await query.get(`/listings/${hotel.listingId}/availability?from=${night}&to=${day(201)}`)).body?.days?.[0]?.unitTypes?.[0]?.free <= want),
      );
    }
    // Search: a new title word; wait until a search for it finds the listing.
    const word = `zq${i.toString(36)}x${Date.now().toString(36)}`;
    t0 = performance.now();
    const updated = await command.put(`/listings/${searched.listingId}`, { title: `Lag probe ${word}` }, host!.token);
    answered = performance.now();
    commandMs.push(answered - t0);
    if (updated.status === 200) {
      search.push(
        await until(answered, async () => ((await query.get(`/listings/search?q=${word}&pageSize=5`)).body?.items ?? []).some((item: { listingId: string }) => item.listingId === searched.listingId)),
      );
    }
    await sleep(p.probeEveryMs);
  }
  return { availability, search, commandMs };
};

const loadBefore = loadavg();
const server = await benchServer();
const db = await freshDatabase(server.adminUrl, 'lag');
const platform = await startPlatform(db.url);
try {
  console.log(`setting up ${p.listings} rentals and ${p.guests} guests…`);
  const scenario = await bookingScenario(platform, { listings: p.listings, guests: p.guests, hotelRooms: 1 });
  const stopAt = performance.now() + p.duration * 1000;
  console.log(`probing lag for ${p.duration} s under ${p.concurrency} booking clients…`);
  const [load, probed] = await Promise.all([runLoad({ concurrency: p.concurrency, durationMs: p.duration * 1000, request: scenario.spread }), probes(platform, stopAt)]);
  const lost = (xs: number[]) => xs.filter((x) => Number.isNaN(x)).length;
  const figures = {
    availabilityLagMs: { ...summarise(probed.availability.filter((x) => !Number.isNaN(x))), neverSeen: lost(probed.availability) },
    searchLagMs: { ...summarise(probed.search.filter((x) => !Number.isNaN(x))), neverSeen: lost(probed.search) },
    probeCommandMs: summarise(probed.commandMs),
    backgroundLoad: load,
  };
  console.log(`availability lag p50 ${figures.availabilityLagMs.p50} ms p99 ${figures.availabilityLagMs.p99} ms; search lag p50 ${figures.searchLagMs.p50} ms p99 ${figures.searchLagMs.p99} ms`);
  record('lag', { ...p, database: server.kind, postgres: await serverSettings(db.url) }, figures, [
    'Lag = from the command\'s answer (events stored) until a query-API read shows the change, polled every pollMs; resolution is one read under load.',
    'Availability: POST /bookings on a probe hotel, then GET /listings/:id/availability. Search: PUT /listings/:id with a new title word, then GET /listings/search?q=word.',
  ], loadBefore);
} finally {
  await platform.stop();
  await db.drop();
  await server.stop();
}
