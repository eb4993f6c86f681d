import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAnswers } from './reachability.ts';
import { testDatabaseUrl } from './testing/database.ts';
import { checkReachable, esdbHosts, hostsOf, unreachable } from './reachability.ts';

/** A port on 127.0.0.1 that nothing listens on: bound, noted, closed. */
const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisMissing = (await redisAnswers(redisUrl)) ? undefined : `set REDIS_URL (no Redis answered at ${redisUrl})`;

describe('start-up reachability check', () => {
  let closed: number;
  let listening: Server;
  let open: number;
  beforeAll(async () => {
    closed = await closedPort();
    listening = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    open = (listening.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => listening.close(() => resolve())));

  it('names every selected server that does not answer, with its variable and value', async () => {
    const config = {
      DATABASE_URL: `postgres://stayhub:secret@127.0.0.1:${closed}/stayhub`,
      EVENT_STORE: 'esdb',
      ESDB_URL: `esdb://127.0.0.1:${closed}?tls=false`,
      LOG: 'kafka',
      KAFKA_BROKERS: `127.0.0.1:${closed}`,
      SEARCH: 'elasticsearch',
      ELASTICSEARCH_URL: `http://127.0.0.1:${closed}`,
      AVAILABILITY: 'redis',
      REDIS_URL: `redis://127.0.0.1:${closed}`,
      HISTORY: 'cassandra',
      CASSANDRA_CONTACT_POINTS: `127.0.0.1:${closed}`,
    } as const;
    const error = await checkReachable(config, { timeoutMs: 500 }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message.split('\n')).toEqual([
      'Cannot start, unreachable servers:',
      `  PostgreSQL (checkpoints, deadlines, idempotency keys) is required but nothing answers at DATABASE_URL=postgres://stayhub:***@127.0.0.1:${closed}/stayhub`,
      `  EVENT_STORE=esdb but nothing answers at ESDB_URL=esdb://127.0.0.1:${closed}?tls=false`,
      `  LOG=kafka but nothing answers at KAFKA_BROKERS=127.0.0.1:${closed}`,
      `  SEARCH=elasticsearch but nothing answers at ELASTICSEARCH_URL=http://127.0.0.1:${closed}`,
      `  AVAILABILITY=redis but nothing answers at REDIS_URL=redis://127.0.0.1:${closed}`,
      `  HISTORY=cassandra but nothing answers at CASSANDRA_CONTACT_POINTS=127.0.0.1:${closed}`,
    ]);
  });

  it('checks only the servers the configuration selects, and only those the process names', async () => {
    const base = { DATABASE_URL: `postgres://127.0.0.1:${closed}/x`, ELASTICSEARCH_URL: `http://127.0.0.1:${closed}`, KAFKA_BROKERS: `127.0.0.1:${closed}` };
    // URLs without their selector (SEARCH=postgres is the default) are not pinged.
    expect(await unreachable(base, { timeoutMs: 500 })).toEqual([expect.stringContaining('DATABASE_URL')]);
    expect(await unreachable({ ...base, SEARCH: 'elasticsearch', LOG: 'kafka' }, { servers: ['kafka'], timeoutMs: 500 })).toEqual([
      `LOG=kafka but nothing answers at KAFKA_BROKERS=127.0.0.1:${closed}`,
    ]);
  });

  it('one answering broker or contact point of several is enough', async () => {
    const config = {
      LOG: 'kafka',
      KAFKA_BROKERS: `127.0.0.1:${closed},127.0.0.1:${open}`,
      HISTORY: 'cassandra',
      CASSANDRA_CONTACT_POINTS: `127.0.0.1:${open}`,
    } as const;
    expect(await unreachable(config, { servers: ['kafka', 'cassandra'], timeoutMs: 500 })).toEqual([]);
  });

  it('passes with the machine’s PostgreSQL', async () => {
    await expect(checkReachable({ DATABASE_URL: await testDatabaseUrl() }, { timeoutMs: 2_000 })).resolves.toBeUndefined();
  });

  it.skipIf(Boolean(redisMissing))(`passes with the machine’s Redis${redisMissing ? ` (skipped: ${redisMissing})` : ''}`, async () => {
    await expect(checkReachable({ AVAILABILITY: 'redis', REDIS_URL: redisUrl }, { servers: ['redis'], timeoutMs: 2_000 })).resolves.toBeUndefined();
  });

  it('reads hosts out of broker lists and KurrentDB connection strings', () => {
    expect(hostsOf('kafka:9092, 10.0.0.2 ,[::1]:19092', 9092)).toEqual([
      { host: 'kafka', port: 9092 },
      { host: '10.0.0.2', port: 9092 },
      { host: '::1', port: 19092 },
    ]);
    expect(esdbHosts('esdb://admin:changeit@a:2113,b?tls=false')).toEqual([
      { host: 'a', port: 2113 },
      { host: 'b', port: 2113 },
    ]);
    expect(esdbHosts('kurrentdb+discover://cluster.example:2113')).toEqual([{ host: 'cluster.example', port: 2113 }]);
  });
});
