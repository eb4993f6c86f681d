/**
 * Figure 3: projection lag — from a command's answer (its events are stored) until the change is
 * visible through the query API, in availability and in search — under the load of figure 1 (spread).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { params } from './shared/args.ts';
import { bookingScenario, publishListing, registerUsers } from './shared/bookings.ts';
import { benchServer, freshDatabase, serverSettings } from './shared/database.ts';
import { api, inParallel } from './shared/http.ts';
import { runLoad } from './shared/load.ts';
import { spreadLoadApart } from './shared/load-apart.ts';
import { cpuSecondsOf, layouts, sessionOptions, sessionsOf, startPlatform, type Layout, type Platform } from './shared/platform.ts';
import { record } from './shared/results.ts';
import { summarise } from './shared/stats.ts';
import type { BatchStages } from '@stayhub/projectors';

const p = params('bench:lag', {
  concurrency: { default: 32, help: 'clients of the background booking load (figure 1, spread)' },
  duration: { default: 20, help: 'seconds of load while probing' },
  listings: { default: 300, help: 'rentals the background load books' },
  guests: { default: 32, help: 'guest accounts' },
  probeEveryMs: { default: 100, help: 'a new probe of each kind this often (at most 360 of each)' },
  pollMs: { default: 20, help: 'a read that looks for every pending probe starts this often (--reads after-previous: the pause after each read)' },
  reads: {
    default: 'after-previous',
    help: 'after-previous: each poller waits for its read to return, then pauses pollMs (up to one more read in every lag); on-schedule: it starts a read every pollMs, overlapping the one still on its way (at most 2; on shared cores the extra reads slowed every read more than they saved, README 2 Dec afternoon)',
  },
  bundle: { default: '', help: 'another build of the platform (a dist/bench/platform.js copied aside), for a before/after comparison' },
  loadIn: {
    default: 'apart',
    help: "where the background load's clients run: apart (a process of their own) or same (the probes' event loop, as before 1 Dec 17:00: its delays were part of every lag)",
  },
  loadNice: {
    default: 0,
    help: "the niceness the background load's process (--loadIn apart) gives itself: a variant where the clients, which stand in for remote ones, yield the cores to the platform (0: as started)",
  },
  ...sessionOptions,
  layout: { default: 'one', help: `the platform's processes: ${Object.keys(layouts).join(', ')} (see src/shared/platform.ts)` },
});
if (!(p.layout in layouts)) throw new Error(`--layout is one of ${Object.keys(layouts).join(', ')}`);
if (p.loadIn !== 'apart' && p.loadIn !== 'same') throw new Error('--loadIn is apart or same');
const sessions = sessionsOf({ projectorsSession: p.projectorsSession, querySession: p.querySession });
if (p.reads !== 'on-schedule' && p.reads !== 'after-previous') throw new Error('--reads is on-schedule or after-previous');

const day = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const SEARCH_PROBES = 100; // listings the search probes take turns on (one search page shows them all)

type Pending = Map<number, { answered: number; resolve: (ms: number) => void }>;
/** Reads the query API once and resolves the pending probes whose change it shows. */
type Look = (pending: Pending) => Promise<void>;

/** Reads a poller may have on their way at once (on schedule): a read slower than pollMs × this skips ticks rather than piling reads up (at most twice the query load of waiting for each read). */
const MAX_READS_IN_FLIGHT = 2;

/**
 * Calls `look` while anything is pending, for all pending probes. `after-previous` (the default)
 * waits for each read to return and then pauses pollMs, so a change that became visible while a read
 * was on its way waits for that read, the pause and the next read. `on-schedule` starts a read every
 * pollMs whether the previous one has returned or not (at most MAX_READS_IN_FLIGHT on their way), so
 * the first read starting after the change sees it (at most pollMs + one read late), at up to twice
 * the probes' reads: on a busy 2-core machine those slowed every read 2–4× (README, 2 Dec afternoon).
 */
const poller = (look: Look) => {
  const pending: Pending = new Map();
  let running = true;
  /** How long each read took (a probe seen is resolved when its read returned: this much of its lag is the read's). */
  const reads: number[] = [];
  /**
   * Per probe seen, from its answer until the latest start of a read that returned without it (0
   * when that was before the answer): the change was not visible then, so its true lag lies between
   * this and the figure measured (the probe's own granularity).
   */
  const notYet: number[] = [];
  /** Per pending probe, the latest start of a read that did not show it. */
  const missedAt = new Map<number, number>();
  const readOnce = async () => {
    const t0 = performance.now();
    const asked = [...pending.keys()];
    await look(pending).catch(() => undefined);
    for (const k of asked) if (pending.has(k)) missedAt.set(k, Math.max(missedAt.get(k) ?? 0, t0));
    reads.push(performance.now() - t0);
  };
  const loop = (async () => {
    const inFlight = new Set<Promise<void>>();
    for (let tick = performance.now(); running || pending.size > 0 || inFlight.size > 0; ) {
      if (pending.size > 0 && (p.reads === 'after-previous' ? inFlight.size === 0 : inFlight.size < MAX_READS_IN_FLIGHT)) {
        const read = readOnce().finally(() => inFlight.delete(read));
        inFlight.add(read);
        if (p.reads === 'after-previous') await read;
      }
      if (p.reads === 'after-previous') await sleep(p.pollMs);
      else {
        // A late tick (the probes' loop was busy) starts its read at once, without a burst to catch up.
        tick = Math.max(tick + p.pollMs, performance.now());
        await sleep(tick - performance.now());
      }
    }
  })();
  return {
    /** Resolves with the ms from `answered` until seen, or NaN if not seen within 30 s. */
    wait: (k: number, answered: number) =>
      new Promise<number>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(k);
          missedAt.delete(k);
          resolve(NaN);
        }, 30_000);
        pending.set(k, {
          answered,
          resolve: (ms) => {
            if (!pending.has(k)) return; // two reads on their way at once both showed it
            clearTimeout(timer);
            pending.delete(k);
            notYet.push(Math.max(0, (missedAt.get(k) ?? 0) - answered));
            missedAt.delete(k);
            resolve(ms);
          },
        });
      }),
    stop: async () => {
      running = false;
      await loop;
    },
    reads,
    notYet,
  };
};

/**
 * Probes start every probeEveryMs without waiting for the previous ones. Availability probe k
 * books night k of a one-room probe hotel; search probe k puts the word w<k> into the title of one
 * of the probe listings. Two pollers read the calendar and the probe listings' search page.
 */
/** Sets up the probes (before the load starts, so that the whole duration is probed), then `run` probes until `stopAt`. */
const probes = async (platform: Platform) => {
  const command = api(platform.commandUrl);
  const query = api(platform.queryUrl);
  const [host] = await registerUsers(platform, 'host', 1);
  const [guest] = await registerUsers(platform, 'guest', 1);
  const hotel = await publishListing(platform, host!, 'hotel', -2, {
    title: 'Lag probe hotel',
    unitTypes: [{ unitTypeId: 'probe', name: 'Probe', count: 1, capacity: 1, price: { amount: 5_000, currency: 'EUR' } }],
  });
  const searched = await inParallel(
    Array.from({ length: SEARCH_PROBES }, (_, i) => i),
    8,
    async (i) => (await publishListing(platform, host!, 'rental', -10 - i, { title: `Lagprobe ${i}` })).listingId,
  );
  const first = 2;
  const bookingIds = new Map<number, string>();
  const history = poller(async (pending) => {
    await Promise.all(
      [...pending].map(async ([k, probe]) => {
        const found = await query.get(`/bookings/${bookingIds.get(k)}`, guest!.token);
        if (found.status === 200) probe.resolve(performance.now() - probe.answered);
      }),
    );
  });
  // Only the nights still pending are read (a year of nights took ~50 ms a read, all of it in the figure).
  const calendar = poller(async (pending) => {
    const nights = [...pending.keys()];
    const [from, to] = [Math.min(...nights), Math.max(...nights) + 1];
    const days = (await query.get(`/listings/${hotel.listingId}/availability?from=${day(first + from)}&to=${day(first + to)}`)).body?.days ?? [];
    const now = performance.now();
    for (const [k, probe] of pending) if (days[k - from]?.unitTypes?.[0]?.free === 0) probe.resolve(now - probe.answered);
  });
  const search = poller(async (pending) => {
    const items: { listingId: string; title: string }[] = (await query.get(`/listings/search?q=lagprobe&pageSize=${SEARCH_PROBES}`)).body?.items ?? [];
    const now = performance.now();
    const titles = new Map(items.map((item) => [item.listingId, item.title]));
    for (const [k, probe] of pending) if (titles.get(searched[k % SEARCH_PROBES]!)?.endsWith(` w${k}`)) probe.resolve(now - probe.answered);
  });
  const run = async (stopAt: number) => {
    const availability: Promise<number>[] = [];
    const historyLags: Promise<number>[] = [];
    const searchLags: Promise<number>[] = [];
    const commandMs: number[] = [];
    const started: Promise<void>[] = [];
    for (let k = 0; performance.now() < stopAt && k < 360; k++) {
      started.push(
        (async () => {
          let t0 = performance.now();
          const booked = await command.post(
            '/bookings',
            { listingId: hotel.listingId, checkIn: day(first + k), checkOut: day(first + k + 1), guests: 1, paymentMethod: 'tok_visa' },
            guest!.token,
          );
          let answered = performance.now();
          commandMs.push(answered - t0);
          if (booked.status === 201) {
            availability.push(calendar.wait(k, answered));
            bookingIds.set(k, booked.body.bookingId);
            historyLags.push(history.wait(k, answered));
          }
          t0 = performance.now();
          const updated = await command.put(`/listings/${searched[k % SEARCH_PROBES]}`, { title: `Lagprobe ${k % SEARCH_PROBES} w${k}` }, host!.token);
          answered = performance.now();
          commandMs.push(answered - t0);
          if (updated.status === 200) searchLags.push(search.wait(k, answered));
        })(),
      );
      await sleep(p.probeEveryMs);
    }
    await Promise.all(started);
    const result = { availability: await Promise.all(availability), history: await Promise.all(historyLags), search: await Promise.all(searchLags), commandMs };
    await Promise.all([calendar.stop(), history.stop(), search.stop()]);
    return {
      ...result,
      readMs: { availability: calendar.reads, history: history.reads, search: search.reads },
      notYetMs: { availability: calendar.notYet, history: history.notYet, search: search.notYet },
    };
  };
  return { run };
};

const loadBefore = loadavg();
const server = await benchServer();
const db = await freshDatabase(server.adminUrl, 'lag');
const stagesFile = join(tmpdir(), `stayhub-lag-stages-${process.pid}.json`);
const platform = await startPlatform(db.url, {
  layout: p.layout as Layout,
  ...sessions,
  ...(p.bundle ? { bundle: p.bundle } : {}),
  env: { BENCH_STAGES_FILE: stagesFile },
});
let measuredFrom = Infinity;
let stopped = false;

/** Where the read models' batches spent their time while the load ran (the runner's records; none from a build without them). */
const projectionStages = () => {
  if (!existsSync(stagesFile)) return undefined;
  // A build before the lanes recorded `waitedMs` (for the others after its own write) instead of `queuedMs`.
  const records: (Partial<BatchStages> & { projection: string; at: number; waitedMs?: number })[] = JSON.parse(readFileSync(stagesFile, 'utf8'));
  const stage = (mine: typeof records, field: 'events' | 'inHandMs' | 'queuedMs' | 'waitedMs' | 'appliedMs') =>
    mine.some((r) => r[field] !== undefined) ? { [field]: summarise(mine.map((r) => r[field] ?? 0)) } : {};
  rmSync(stagesFile, { force: true });
  return Object.fromEntries(
    ['availability', 'booking_history', 'listings'].map((name) => {
      const mine = records.filter((r) => r.projection === name && r.at >= measuredFrom);
      return [
        name,
        {
          batches: mine.length,
          eventsPerBatch: summarise(mine.map((r) => r.events ?? 0)),
          ...stage(mine, 'inHandMs'),
          ...stage(mine, 'queuedMs'),
          ...stage(mine, 'waitedMs'),
          ...stage(mine, 'appliedMs'),
        },
      ];
    }),
  );
};
try {
  console.log(`setting up ${p.listings} rentals and ${p.guests} guests…`);
  const scenario = await bookingScenario(platform, { listings: p.listings, guests: p.guests, hotelRooms: 1 });
  const probe = await probes(platform);
  const stopAt = performance.now() + p.duration * 1000;
  measuredFrom = Date.now();
  const cpuOf = () => platform.pids.map(cpuSecondsOf);
  const cpuBefore = cpuOf();
  console.log(`probing lag for ${p.duration} s under ${p.concurrency} booking clients…`);
  // How late the probes' own event loop ran their timers and answers: part of every lag measured.
  const probeLoop = monitorEventLoopDelay({ resolution: 10 });
  probeLoop.enable();
  const background = { concurrency: p.concurrency, durationMs: p.duration * 1000 };
  const [load, probed] = await Promise.all([
    p.loadIn === 'apart'
      ? spreadLoadApart({
          ...background,
          nice: p.loadNice,
          commandUrl: platform.commandUrl,
          rentals: scenario.rentals,
          tokens: scenario.guests.map((g) => g.token),
        })
      : runLoad({ ...background, request: scenario.spread }),
    probe.run(stopAt),
  ]);
  probeLoop.disable();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  const cpuSeconds = cpuOf().map((s, i) => s - cpuBefore[i]!);
  const lost = (xs: number[]) => xs.filter((x) => Number.isNaN(x)).length;
  const figures = {
    availabilityLagMs: { ...summarise(probed.availability.filter((x) => !Number.isNaN(x))), neverSeen: lost(probed.availability) },
    historyLagMs: { ...summarise(probed.history.filter((x) => !Number.isNaN(x))), neverSeen: lost(probed.history) },
    searchLagMs: { ...summarise(probed.search.filter((x) => !Number.isNaN(x))), neverSeen: lost(probed.search) },
    probeCommandMs: summarise(probed.commandMs),
    /** Each poller's read (query API round trip): a probe is resolved when the read that saw it returned. */
    probeReadMs: {
      availability: summarise(probed.readMs.availability),
      history: summarise(probed.readMs.history),
      search: summarise(probed.readMs.search),
    },
    /** Per probe seen: until the read before the one that saw it started (a lower bound of its lag; the figures above are the upper). */
    notYetVisibleMs: {
      availability: summarise(probed.notYetMs.availability),
      history: summarise(probed.notYetMs.history),
      search: summarise(probed.notYetMs.search),
    },
    /** The probes' event-loop delay while probing (ms): with the load on the same loop (`--loadIn same`) it is in every figure above. */
    probeEventLoopDelayMs: { mean: ms(probeLoop.mean), p50: ms(probeLoop.percentile(50)), p99: ms(probeLoop.percentile(99)), max: ms(probeLoop.max) },
    backgroundLoad: load,
    /** CPU of each platform process (the command API's first) over the load and the probes' tail, per booking of the load: less moved by the machine's load than the latencies. */
    platformCpuMsPerBooking: cpuSeconds.map((s) => Math.round((s * 1000 * 100) / Math.max(1, load.succeeded)) / 100),
    /** The command API process's niceness while probed (COMMAND_API_NICE where it runs apart from the read side; a build before it: 0). */
    commandProcessNice: getPriority(platform.pid),
    /** Each platform process's scheduling group (`/proc/<pid>/autogroup`, the command API's first): the projectors' own with --projectorsSession own. */
    sessionGroups: platform.pids.map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim();
      } catch {
        return 'none';
      }
    }),
  };
  console.log(
    `reads p50: availability ${figures.probeReadMs.availability.p50} ms, history ${figures.probeReadMs.history.p50} ms, search ${figures.probeReadMs.search.p50} ms; probe commands p50 ${figures.probeCommandMs.p50} ms`,
  );
  console.log(
    `probes' event-loop delay p50/p99/max: ${figures.probeEventLoopDelayMs.p50}/${figures.probeEventLoopDelayMs.p99}/${figures.probeEventLoopDelayMs.max} ms (load in: ${p.loadIn})`,
  );
  console.log(
    `platform CPU per booking (ms, per process): ${figures.platformCpuMsPerBooking.join(' + ')}; ${load.throughput} bookings/s; command process niceness ${figures.commandProcessNice}`,
  );
  console.log(
    `not yet visible at (lower bound) p50: availability ${figures.notYetVisibleMs.availability.p50} ms, history ${figures.notYetVisibleMs.history.p50} ms, search ${figures.notYetVisibleMs.search.p50} ms`,
  );
  console.log(
    `availability lag p50 ${figures.availabilityLagMs.p50} ms p99 ${figures.availabilityLagMs.p99} ms; history lag p50 ${figures.historyLagMs.p50} ms p99 ${figures.historyLagMs.p99} ms; search lag p50 ${figures.searchLagMs.p50} ms p99 ${figures.searchLagMs.p99} ms`,
  );
  const settings = await serverSettings(db.url);
  // Stopped before recording: the platform writes its batch records on the way out.
  await platform.stop();
  stopped = true;
  const stages = projectionStages();
  if (stages) console.log('projection batches while probed (ms, p50/p99):', JSON.stringify(stages));
  record(
    'lag',
    { ...p, database: server.kind, postgres: settings },
    { ...figures, ...(stages ? { projectionStages: stages } : {}) },
    [
      "Lag = from the command's answer (its events are stored) until a query-API read shows the change. A probe of each kind starts every probeEveryMs; one poller per kind reads for all pending probes: after-previous (params.reads, the default) waits for each read to return and pauses pollMs (resolution: up to a read, the pause and a read); on-schedule (from 2 Dec 13:00) starts a read every pollMs, overlapping the one still on its way (at most 2): a probe is resolved by the first read starting after its change became visible. notYetVisibleMs: from the answer until the latest start of a read that returned without the change (it was not visible then): the true lag lies between it and the figure measured.",
      "projectionStages (when the build records them): per batch of a projection while probed, inHandMs from its (first page's) newest event's occurredAt until the shared reader had it, queuedMs from then until its projection began writing it (behind its own previous batch; one lane per projection), appliedMs reading, folding and writing it (checkpoint included). A build before the lanes records waitedMs instead: from its write until every projection had written the batch (the next read waited for all).",
      "Availability: POST /bookings for night k of a one-room probe hotel, seen in GET /listings/:id/availability, and the same booking in GET /bookings/:id (history). Search: PUT /listings/:id puts word w<k> in one of 100 probe listings' titles, seen in GET /listings/search?q=lagprobe.",
    ],
    loadBefore,
  );
} finally {
  if (!stopped) await platform.stop();
  await db.drop();
  await server.stop();
}
