import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { embeddedDataDir } from '@stayhub/event-sourcing';
import { afterAll, describe, expect, it } from 'vitest';
import { listingDetails } from '../fixtures.ts';
import { call, freePort, signUp, spawnLauncher } from './processes.ts';

/*
 * The whole platform as `npm start` runs it, on its own embedded PostgreSQL. Under booking load the
 * database's postmaster is killed with SIGKILL: the launcher restarts it, the apps answer 503 while
 * it is away and never exit, and afterwards every acknowledged booking is there and readable. Then
 * the launcher itself is killed with SIGKILL, and the next start finds and stops what it left running.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'stayhub-outage-'));
let launcher: ChildProcess | undefined;
/** The output of the launcher last started. */
let launched: () => string = () => '';

afterAll(async () => {
  if (launcher && launcher.exitCode === null) {
    const exited = new Promise((resolve) => launcher!.once('exit', resolve));
    launcher.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    launcher.kill('SIGKILL');
  }
  // As root, the servers kept their data in folders of their own (the postgres user cannot reach this one).
  for (const dir of ['postgres', 'postgres-chat']) rmSync(embeddedDataDir(join(dataDir, dir)), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async <T>(what: string, probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(value)})\n${launched().slice(-4000)}`);
    await sleep(250);
  }
};
let ports: number[] = [];
/** The launcher as `npm start` runs it, on the ports of the first test; its output read with `launched()`. */
const launch = (): ChildProcess => {
  const [pgPort, chatPgPort, commandPort, queryPort, gatewayPort, projectorsPort, chatPort] = ports;
  const { child, output: gathered } = spawnLauncher({
    EMBEDDED_PG_DIR: join(dataDir, 'postgres'),
    EMBEDDED_PG_PORT: String(pgPort),
    EMBEDDED_CHAT_PG_DIR: join(dataDir, 'postgres-chat'),
    EMBEDDED_CHAT_PG_PORT: String(chatPgPort),
    CHAT_PORT: String(chatPort),
    COMMAND_API_PORT: String(commandPort),
    QUERY_API_PORT: String(queryPort),
    PAYMENT_GATEWAY_PORT: String(gatewayPort),
    PROJECTORS_PORT: String(projectorsPort),
  });
  launched = gathered;
  return child;
};
/** The pid of the postmaster serving `port`, and its parent's. */
const postmasterOn = async (port: number): Promise<{ pid: number; parent: number }> => {
  const admin = new pg.Client(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
  admin.on('error', () => undefined);
  await admin.connect();
  const directory = (await admin.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
  await admin.end();
  const pid = Number(readFileSync(join(directory, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return { pid, parent: Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1]) };
};
const acknowledged: string[] = [];
let guestToken = '';
const dayFromNow = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

describe('the database dies under load', () => {
  it('is restarted by the launcher; the apps answer 503 meanwhile, never exit, and every acknowledged booking is kept', async () => {
    ports = await Promise.all(Array.from({ length: 7 }, () => freePort()));
    const [pgPort, , commandPort, queryPort] = ports;
    launcher = launch();
    const command = `http://127.0.0.1:${commandPort}`;
    const query = `http://127.0.0.1:${queryPort}`;
    const healthy = (url: string) => () => call(url, 'GET', '/health').then((r) => r.status);
    await until('command-api healthy', healthy(command), (s) => s === 200, 240_000);
    await until('query-api healthy', healthy(query), (s) => s === 200, 120_000);

    const host = await signUp(command, { email: 'host@outage.test', password: 'correct horse battery', name: 'Host', role: 'host' });
    const guest = await signUp(command, { email: 'guest@outage.test', password: 'correct horse battery', name: 'Guest' });
    const unitTypes = [{ unitTypeId: 'room', name: 'Room', count: 10_000, capacity: 2, price: { amount: 9_000, currency: 'EUR' } }];
    const listing = await call(command, 'POST', '/listings', { kind: 'hotel', details: listingDetails({ unitTypes, instantBook: false }) }, host.body.token);
    expect((await call(command, 'POST', `/listings/${listing.body.listingId}/publish`, {}, host.body.token)).status).toBe(200);

    guestToken = guest.body.token;
    const statuses: Record<number, number> = {};
    let killedAt = 0;
    let succeededAfterKill = false;
    let loading = true;
    const worker = async (w: number) => {
      for (let n = 0; loading; n++) {
        const night = 10 + ((w * 7 + n) % 50);
        const sentAt = Date.now();
        const reply = await call(
          command,
          'POST',
          '/bookings',
          {
            listingId: listing.body.listingId,
            unitTypeId: 'room',
            checkIn: dayFromNow(night),
            checkOut: dayFromNow(night + 1),
            guests: 1,
            paymentMethod: 'tok_visa',
          },
          guest.body.token,
        );
        statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
        if (reply.status === 201) {
          acknowledged.push(reply.body.bookingId);
          if (killedAt && sentAt > killedAt) succeededAfterKill = true;
        }
        if (reply.status !== 201) await sleep(100);
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    await until(
      'bookings acknowledged before the kill',
      async () => acknowledged.length,
      (n) => n >= 10,
      60_000,
    );

    process.kill((await postmasterOn(pgPort!)).pid, 'SIGKILL');
    killedAt = Date.now();

    await until('the launcher restarts PostgreSQL', async () => launched().includes('PostgreSQL is back'), Boolean, 180_000);
    await until('a booking sent after the kill acknowledged', async () => succeededAfterKill, Boolean, 120_000);
    loading = false;
    await load;

    expect(launched()).toMatch(/PostgreSQL exited .*restarting it/);
    expect(launched(), 'an app exited').not.toMatch(/\[start\] (command-api|query-api|projectors|payments) exited/);
    // While the database was away, commands were refused with 503 (or queued until it was back): never a 500, never a dropped connection.
    expect(statuses[500] ?? 0).toBe(0);
    expect(statuses[0] ?? 0).toBe(0);
    expect(
      Object.keys(statuses)
        .map(Number)
        .every((s) => [201, 503].includes(s)),
      JSON.stringify(statuses),
    ).toBe(true);

    await until('command-api healthy again', healthy(command), (s) => s === 200, 60_000);
    // Projectors resumed: every acknowledged booking is readable.
    for (const bookingId of acknowledged) {
      await until(
        `booking ${bookingId} readable`,
        () => call(query, 'GET', `/bookings/${bookingId}`, undefined, guest.body.token).then((r) => r.status),
        (s) => s === 200,
        60_000,
      );
    }
  });

  it('a launcher killed with SIGKILL: its apps stop by themselves, the next start stops the servers it left and runs its own, and every booking is still there', async () => {
    const [pgPort, , commandPort, queryPort] = ports;
    const left = await postmasterOn(pgPort!);
    expect(left.parent).toBe(launcher!.pid);
    const killed = new Promise((resolve) => launcher!.once('exit', resolve));
    launcher!.kill('SIGKILL');
    await killed;
    const command = `http://127.0.0.1:${commandPort}`;
    const query = `http://127.0.0.1:${queryPort}`;
    await until(
      'the killed launcher’s command API gone',
      () => call(command, 'GET', '/health').then((r) => r.status),
      (s) => s === 0,
      60_000,
    );

    launcher = launch();
    await until(
      'command-api healthy',
      () => call(command, 'GET', '/health').then((r) => r.status),
      (s) => s === 200,
      240_000,
    );

    expect(launched()).toContain(`stopped the PostgreSQL (pid ${left.pid}) that a killed launcher left running`);
    expect(launched()).toMatch(/stopped the chat PostgreSQL \(pid \d+\) that a killed launcher left running/);
    const now = await postmasterOn(pgPort!);
    expect(now.pid).not.toBe(left.pid);
    expect(now.parent, 'the new server is the new launcher’s own').toBe(launcher.pid);
    for (const bookingId of acknowledged) {
      await until(
        `booking ${bookingId} readable`,
        () => call(query, 'GET', `/bookings/${bookingId}`, undefined, guestToken).then((r) => r.status),
        (s) => s === 200,
        60_000,
      );
    }
  });
}, 600_000);
