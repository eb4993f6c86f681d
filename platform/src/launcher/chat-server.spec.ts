import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedDataDir, startEmbeddedPostgres, type EmbeddedServer } from '@stayhub/event-sourcing';
import { freePort } from '../testing/index.ts';
import { chatServerFlags } from './chat-database.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'stayhub-chat-nice-'));
let server: EmbeddedServer | undefined;
const clients: pg.Client[] = [];

afterAll(async () => {
  for (const client of clients) await client.end().catch(() => undefined);
  await server?.stop();
  rmSync(embeddedDataDir(dataDir), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const parentOf = (pid: string): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1];
  } catch {
    return undefined; // exited meanwhile
  }
};

/** A server's postmaster and every process it has forked, with each one's niceness. */
const processesOf = async (client: pg.Client) => {
  const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
  const postmaster = readFileSync(join(rows[0]!.data_directory, 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
  const children = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && parentOf(pid) === postmaster);
  const nices = new Map<number, number>();
  for (const pid of [postmaster, ...children].map(Number)) {
    try {
      nices.set(pid, getPriority(pid));
    } catch {
      // exited meanwhile
    }
  }
  return { postmaster: Number(postmaster), nices };
};

describe.runIf(process.platform === 'linux')("the chat's embedded server at the chat's niceness (CHAT_NICE)", () => {
  it('runs all of it there: the postmaster, its background processes and every backend it forks after the start', async () => {
    server = await startEmbeddedPostgres({ dataDir, port: await freePort(), flags: [...chatServerFlags], nice: 7 });
    // Backends forked after the start, as the chat's pool opens its connections.
    const backends: number[] = [];
    for (let i = 0; i < 3; i++) {
      const client = new pg.Client(server.url);
      clients.push(client);
      await client.connect();
      backends.push((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
    }
    const { postmaster, nices } = await processesOf(clients[0]!);

    expect(nices.get(postmaster)).toBe(7);
    for (const backend of backends) expect(nices.get(backend), `backend ${backend}`).toBe(7);
    // checkpointer, background writer, WAL writer, autovacuum launcher … besides the three backends
    expect(nices.size).toBeGreaterThan(backends.length + 3);
    expect([...nices].filter(([, nice]) => nice !== 7)).toEqual([]);
    // the caller keeps its own priority
    expect(getPriority()).toBe(0);
  });
});
