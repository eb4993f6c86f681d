import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, gauge } from '@stayhub/platform-kit';
import { createHttpApp } from './app.ts';
import { jwtTokens } from './auth.ts';
import { serveMetricsPort } from './metrics-port.ts';

const tokens = jwtTokens('a-test-secret-a-test-secret-0123456789', 5);
const log = createLogger('test', 'silent');
let refreshed = 0;
const servers: Server[] = [];
let app: string;
let metrics: string;

const listening = async (server: Server): Promise<string> => {
  servers.push(server);
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  const express = createHttpApp({
    title: 'test',
    tokens,
    log,
    logError: () => undefined,
    routes: [],
    refreshMetrics: async () => {
      refreshed += 1;
      gauge('metrics_port_spec_refreshes', 'refreshes seen by the metrics port spec').set(refreshed);
    },
  });
  app = await listening(express.listen(0));
  metrics = await listening(serveMetricsPort(express, 0, log)!);
});
afterAll(() => {
  for (const server of servers) server.close();
});

describe('the metrics port', () => {
  it('is off without METRICS_PORT', () => {
    expect(serveMetricsPort(() => undefined, undefined, log)).toBeUndefined();
  });

  it('serves the app’s /metrics without a token, refreshed as on the app’s port', async () => {
    const answer = await fetch(`${metrics}/metrics`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await answer.text();
    expect(text).toMatch(/^metrics_port_spec_refreshes [1-9]/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('serves nothing else', async () => {
    for (const path of ['/health', '/openapi.json', '/metrics/x', '/']) expect((await fetch(`${metrics}${path}`)).status, path).toBe(404);
    expect((await fetch(`${metrics}/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it('leaves the app’s own /metrics to an admin token', async () => {
    expect((await fetch(`${app}/metrics`)).status).toBe(401);
    const guest = await tokens.issue({ userId: 'u-1', role: 'guest', email: 'g@example.com' });
    expect((await fetch(`${app}/metrics`, { headers: { authorization: `Bearer ${guest}` } })).status).toBe(403);
    const admin = await tokens.issue({ userId: 'u-2', role: 'admin', email: 'a@example.com' });
    expect((await fetch(`${app}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
  });
});
