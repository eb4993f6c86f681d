import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtTokens } from '@stayhub/http-kit';
import { projectRoot } from '@stayhub/platform-kit';
import { buildApps } from '@stayhub/platform';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { call, freePort, secrets, startApp, type AppProcess } from './resilience/processes.ts';

const run = promisify(execFile);
const workspaces = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
const kafkaBrokers = process.env.KAFKA_BROKERS;

/**
 * What the image does, without a container engine: the build goes into a copy of the repository's
 * manifests that has only the production dependencies (`npm ci --omit=dev`: no tsx, no TypeScript,
 * no esbuild), and every app starts there as `node dist/<app>.js`, answers, and stops cleanly.
 */
describe('the production build', () => {
  let copy: string;
  const running: AppProcess[] = [];

  beforeAll(async () => {
    copy = mkdtempSync(join(tmpdir(), 'stayhub-image-'));
    for (const manifest of ['package.json', 'package-lock.json', ...workspaces.map((w) => `${w}/package.json`)]) {
      mkdirSync(join(copy, manifest, '..'), { recursive: true });
      copyFileSync(join(projectRoot, manifest), join(copy, manifest));
    }
    await buildApps(projectRoot, join(copy, 'dist'));
    await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd: copy,
      env: { ...process.env, NODE_ENV: 'production' },
      maxBuffer: 16 * 1024 * 1024,
    });
  }, 600_000);

  afterAll(async () => {
    for (const app of running) app.child.kill('SIGKILL');
    // Not rmSync: removing a whole node_modules blocks the worker long enough for vitest's RPC to time out.
    if (copy) await rm(copy, { recursive: true, force: true });
  });

  it('has no development tools installed', () => {
    for (const tool of ['tsx', 'typescript', 'esbuild', 'vitest']) expect(existsSync(join(copy, 'node_modules', tool)), tool).toBe(false);
    expect(existsSync(join(copy, 'node_modules', 'express'))).toBe(true);
  });

  it(`starts every app${kafkaBrokers ? '' : ' (the relay only where Kafka runs)'} from the build with plain node, which serves and exits 0 on SIGTERM`, async () => {
    const ports = {
      payments: await freePort(),
      command: await freePort(),
      query: await freePort(),
      projectors: await freePort(),
      chat: await freePort(),
      web: await freePort(),
      relay: await freePort(),
    };
    // Each app's /metrics for Prometheus, without a token, on a port of its own (METRICS_PORT, as the compose stack sets it).
    const metricsPorts = { 'command-api': await freePort(), 'query-api': await freePort(), projectors: await freePort(), chat: await freePort() };
    const metricsPort = (app: keyof typeof metricsPorts) => ({ METRICS_PORT: String(metricsPorts[app]) });
    const gatewayUrl = `http://127.0.0.1:${ports.payments}`;
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: await testDatabaseUrl(),
      PAYMENTS: 'http',
      PAYMENT_GATEWAY_URL: gatewayUrl,
      PAYMENT_GATEWAY_PORT: String(ports.payments),
      COMMAND_API_PORT: String(ports.command),
      QUERY_API_PORT: String(ports.query),
      PROJECTORS_PORT: String(ports.projectors),
      CHAT_PORT: String(ports.chat),
      WEB_PORT: String(ports.web),
      RELAY_PORT: String(ports.relay),
      ...secrets,
    };
    const start = (app: string, port: number, extra: Record<string, string> = {}, readyPath = '/health') =>
      startApp(`dist/${app}.js`, { ...env, ...extra }, { port, readyPath, argv: [join(copy, 'dist', `${app}.js`)], cwd: copy, timeoutMs: 60_000 }).then(
        (started) => {
          running.push(started);
          return started;
        },
      );

    const payments = await start('payments', ports.payments);
    const collector = await otlpCollector();
    const command = await start('command-api', ports.command, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, ...metricsPort('command-api') });
    const apps = await Promise.all([
      start('query-api', ports.query, metricsPort('query-api')),
      start('projectors', ports.projectors, metricsPort('projectors')),
      start('chat', ports.chat, metricsPort('chat')),
      start('web', ports.web, {}, '/api/config'),
    ]);
    if (kafkaBrokers) apps.push(await start('relay', ports.relay, { LOG: 'kafka', KAFKA_BROKERS: kafkaBrokers }));

    const registered = await call(command.url, 'POST', '/auth/register', {
      email: `image-${Date.now()}@example.com`,
      password: 'a long enough password',
      name: 'Ivy',
      role: 'guest',
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(202);
    // Traced from the build: the auto-instrumentations patched the packages the bundle imports.
    const scopes = await collector.scopesOf('stayhub-command-api', [
      '@opentelemetry/instrumentation-http',
      '@opentelemetry/instrumentation-express',
      '@opentelemetry/instrumentation-pg',
      'stayhub',
    ]);
    expect(scopes).toEqual(
      expect.arrayContaining(['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-express', '@opentelemetry/instrumentation-pg', 'stayhub']),
    );
    await collector.close();
    // The projectors' figures: each projection's checkpoint and lag, for an operator.
    const operator = await jwtTokens(secrets.JWT_SECRET, 5).issue({ userId: 'operator', role: 'admin', email: 'ops@example.com' });
    const figures = await fetch(`http://127.0.0.1:${ports.projectors}/metrics`, { headers: { authorization: `Bearer ${operator}` } });
    expect(figures.status).toBe(200);
    const text = await figures.text();
    expect(text).toMatch(/projection_position\{projection="user_profiles"\} \d+/);
    expect(text).toMatch(/projection_lag_events\{projection="user_profiles"\} \d+/);
    // What Prometheus scrapes: each app's figures on its metrics port, no token; on the app's own port, none without one.
    const families: Record<keyof typeof metricsPorts, string> = {
      'command-api': 'commands_duration_seconds',
      'query-api': 'http_request_duration_seconds',
      projectors: 'projection_position',
      chat: 'chat_connections',
    };
    const appPorts: Record<keyof typeof metricsPorts, number> = {
      'command-api': ports.command,
      'query-api': ports.query,
      projectors: ports.projectors,
      chat: ports.chat,
    };
    for (const [app, family] of Object.entries(families) as [keyof typeof metricsPorts, string][]) {
      const scraped = await fetch(`http://127.0.0.1:${metricsPorts[app]}/metrics`);
      expect(scraped.status, app).toBe(200);
      expect(await scraped.text(), app).toMatch(new RegExp(`^# TYPE ${family} `, 'm'));
      expect((await fetch(`http://127.0.0.1:${appPorts[app]}/metrics`)).status, `${app} without a token`).toBe(401);
    }
    if (kafkaBrokers) expect(await (await fetch(`http://127.0.0.1:${ports.relay}/metrics`)).text()).toMatch(/^# TYPE relay_published_events_total counter/m);
    const parts = await call(`http://127.0.0.1:${ports.web}`, 'GET', '/api/parts');
    expect(parts.status).toBe(200);

    for (const app of [command, ...apps, payments]) {
      app.child.kill('SIGTERM');
      expect(await app.exited, app.output()).toEqual({ code: 0, signal: null });
    }
  }, 180_000);
});

type OtlpTraces = {
  resourceSpans?: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans?: { scope?: { name?: string } }[] }[];
};

/** An OTLP/HTTP collector on a free port that keeps what it is sent (JSON), to see which instrumentations a process reports. */
const otlpCollector = async () => {
  const received: OtlpTraces[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const scopes = (service: string) =>
    new Set(
      received.flatMap((body) =>
        (body.resourceSpans ?? [])
          .filter((r) => r.resource?.attributes?.some((a) => a.key === 'service.name' && a.value.stringValue === service))
          .flatMap((r) => (r.scopeSpans ?? []).map((s) => s.scope?.name ?? '')),
      ),
    );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** The instrumentation scopes `service` reported, once all of `expected` came (or after 30 s). */
    async scopesOf(service: string, expected: string[]): Promise<string[]> {
      const deadline = Date.now() + 30_000;
      while (!expected.every((scope) => scopes(service).has(scope)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      return [...scopes(service)];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
