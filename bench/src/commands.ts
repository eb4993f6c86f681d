/**
 * Figure 1: booking commands over HTTP at fixed concurrency — throughput and latency,
 * (a) spread over many listings, (b) all on one hot hotel room type.
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { backlog, confirmations } from './shared/backlog.ts';
import { topOfProfile } from './shared/cpu-profile.ts';
import { perBooking, pgCounters, waitEventSampler } from './shared/pg-stats.ts';
import { params } from './shared/args.ts';
import { bookingScenario } from './shared/bookings.ts';
import { benchServer, freshDatabase, serverSettings } from './shared/database.ts';
import { runLoad, type LoadResult } from './shared/load.ts';
import { memorySampler, startPlatform } from './shared/platform.ts';
import { record, resultsDir } from './shared/results.ts';

const p = params('bench:commands', {
  concurrency: { default: 32, help: 'clients, each sending its next request when answered' },
  duration: { default: 20, help: 'seconds measured per case' },
  warmup: { default: 3, help: 'seconds of warm-up per case, not measured' },
  listings: { default: 300, help: 'one-unit rentals the spread case books' },
  guests: { default: 32, help: 'guest accounts the requests rotate over' },
  rooms: { default: 10_000, help: 'rooms of the hot hotel room type (caps the hot case requests)' },
  cases: { default: 'spread,hot', help: 'which cases: spread, hot' },
});

const loadBefore = loadavg();
const server = await benchServer();
const db = await freshDatabase(server.adminUrl, 'commands');
const platform = await startPlatform(db.url);
try {
  console.log(`setting up ${p.listings} rentals, a hotel with ${p.rooms} rooms, ${p.guests} guests…`);
  const scenario = await bookingScenario(platform, { listings: p.listings, guests: p.guests, hotelRooms: p.rooms });
  const cases = p.cases.split(',');
  const figures: Record<string, unknown> = {};
  platform.resetPeak();
  const sampler = memorySampler(platform.memory);
  const run = async (name: string, request: (n: number) => Promise<number>, maxRequests?: number): Promise<LoadResult> => {
    console.log(`${name}: ${p.concurrency} clients for ${p.warmup}+${p.duration} s…`);
    const result = await runLoad({ concurrency: p.concurrency, durationMs: p.duration * 1000, warmupMs: p.warmup * 1000, request, ...(maxRequests ? { maxRequests } : {}) });
    console.log(`${name}: ${result.throughput} bookings/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, statuses ${JSON.stringify(result.statuses)}`);
    return result;
  };
  if (cases.includes('spread')) {
    // Measured around the spread load only: commits and statements per booking, wait events, a CPU profile.
    const profileDir = join(resultsDir, '../.profiles');
    mkdirSync(profileDir, { recursive: true });
    const counters = await pgCounters(db.url);
    const waits = await waitEventSampler(db.url);
    const stopProfile = await platform.profile();
    const load = await run('spread', scenario.spread);
    const loadEnd = Date.now();
    const left = await backlog(db.url);
    await stopProfile(join(profileDir, `commands-spread-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`));
    const waitEvents = await waits.stop();
    const database = perBooking(counters, await pgCounters(db.url), scenario.answered.size);
    const confirmed = await confirmations(db.url, scenario.answered, loadEnd);
    figures.spread = { ...load, backlogAtLoadEnd: left, confirmations: confirmed, database, waitEventsPercent: waitEvents, cpuProfile: topOfProfile(profileDir) };
    console.log(JSON.stringify({ backlogAtLoadEnd: left, database, waitEvents, confirmations: confirmed }, null, 1));
  }
  if (cases.includes('hot')) figures.hot = await run('hot', scenario.hot, p.rooms);
  figures.platformMemory = { peakRssMbSampled: sampler.stop(), ...platform.memory() };
  record('commands', { ...p, database: server.kind, postgres: await serverSettings(db.url) }, figures, [
    'POST /bookings with instant book: each holds its nights on the calendar stream, then opens the booking; payment and confirmation follow in the workflows of the same process.',
    'Throughput counts 201 answers per second; latency is over all answers. Rate limits are raised for the load generator (one address).',
  ], loadBefore);
} finally {
  await platform.stop();
  await db.drop();
  await server.stop();
}
