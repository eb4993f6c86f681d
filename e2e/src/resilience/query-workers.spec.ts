import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { descendantsOf } from '@stayhub/platform-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listingDetails } from '../fixtures.ts';
import { call, freePort, processFixture, signUp, startApp, startCommandApi, type AppProcess } from './processes.ts';

const fixture = processFixture();
const { running } = fixture;

/** A GET on a connection of its own: the primary hands each new connection to the next worker. */
const fresh = (url: string, path: string): Promise<{ status: number; body: any }> =>
  new Promise((resolve, reject) => {
    get(`${url}${path}`, { agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text }));
    }).on('error', reject);
  });

/** The requests each worker has answered, from `/metrics` (summed over the workers by the primary, each worker's own count by its label). */
const servedByWorker = async (metricsUrl: string): Promise<Record<string, number>> => {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^http_requests_served_by_worker\{worker="(\d+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
};

/** The primary's workers (it starts no other process). */
const childrenOf = descendantsOf;
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

const waitFor = async (probe: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

const startQueryApi = async (env: Record<string, string>) => {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const app = await startApp(
    'query-api/src/main.ts',
    { DATABASE_URL: fixture.databaseUrl, QUERY_API_WORKERS: '2', QUERY_API_PORT: String(port), METRICS_PORT: String(metricsPort), ...env },
    { port },
  );
  running.push(app);
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  // Ready when both workers listen (the first to listen answers the probe).
  await waitFor(async () => Object.keys(await servedByWorker(metricsUrl).catch(() => ({}))).length === 2, `both workers:\n${app.output()}`, 30_000);
  return { ...app, metricsUrl };
};

describe.runIf(process.platform === 'linux')('the query API in two worker processes on one port (QUERY_API_WORKERS=2)', () => {
  let commands: AppProcess;
  let queries: AppProcess & { metricsUrl: string };
  let host: string;
  beforeAll(async () => {
    const env = { DATABASE_URL: fixture.databaseUrl, PAYMENTS: 'http', PAYMENT_GATEWAY_URL: fixture.gateway.url };
    commands = await startCommandApi(env, await freePort());
    running.push(commands);
    const projectorsPort = await freePort();
    running.push(await startApp('projectors/src/main.ts', { ...env, PROJECTORS_PORT: String(projectorsPort) }, { port: projectorsPort }));
    queries = await startQueryApi({});
    host = (await signUp(commands.url, { email: 'host@workers.test', password: 'correct horse battery', name: 'Host', role: 'host' })).body.token;
  }, 90_000);
  afterAll(() => {
    for (const app of running) app.child.kill('SIGKILL');
  });

  it('both workers answer, and /metrics speaks for both', async () => {
    const before = await servedByWorker(queries.metricsUrl);
    for (let i = 0; i < 6; i++) expect((await fresh(queries.url, '/health')).status).toBe(200);
    const after = await servedByWorker(queries.metricsUrl);
    expect(Object.keys(after).sort()).toEqual(['1', '2']);
    for (const worker of ['1', '2']) expect(after[worker]! - (before[worker] ?? 0), `worker ${worker}`).toBeGreaterThan(0);
  });

  it('a change is seen in every worker once it is announced, though each kept the listing before', async () => {
    const created = await call(commands.url, 'POST', '/listings', { kind: 'rental', details: listingDetails({ title: 'Before the change' }) }, host);
    const published = await call(commands.url, 'POST', `/listings/${created.body.listingId}/publish`, {}, host);
    expect(published.status).toBe(200);
    const path = `/listings/${created.body.listingId}`;
    // Read your write in whichever worker; then every worker holds the listing in its cache.
    expect((await fresh(queries.url, `${path}?after=${published.body.consistencyToken}`)).body.details.title).toBe('Before the change');
    for (let i = 0; i < 6; i++) expect((await fresh(queries.url, path)).body.details.title).toBe('Before the change');

    const changed = await call(commands.url, 'PUT', path, listingDetails({ title: 'After the change' }), host);
    expect(changed.status).toBe(200);
    expect((await fresh(queries.url, `${path}?after=${changed.body.consistencyToken}`)).body.details.title).toBe('After the change');
    // Well within the cache's 30 s TTL: each worker retired its copy on the announcement it heard.
    await waitFor(
      async () => (await Promise.all(Array.from({ length: 6 }, () => fresh(queries.url, path)))).every((r) => r.body.details.title === 'After the change'),
      'every worker to show the change',
      3_000,
    );
  });

  it('a worker that dies is replaced, and the log says so', async () => {
    const [victim, other] = childrenOf(queries.child.pid!) as [number, number];
    process.kill(victim, 'SIGKILL');
    await waitFor(() => childrenOf(queries.child.pid!).length === 2 && !childrenOf(queries.child.pid!).includes(victim), 'a new worker');
    expect(childrenOf(queries.child.pid!)).toContain(other);
    expect(queries.output()).toMatch(new RegExp(`query-api worker \\d \\(pid ${victim}\\) exited \\(SIGKILL\\); starting another`));
    await waitFor(async () => Object.keys(await servedByWorker(queries.metricsUrl)).length === 2, 'the new worker to serve', 15_000);
    for (let i = 0; i < 4; i++) expect((await fresh(queries.url, '/health')).status).toBe(200);
  });

  it("one client's rate limit holds across the workers, whichever its connections reach", async () => {
    const limited = await startQueryApi({ RATE_LIMIT_QUERIES_PER_IP: '30' });
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) statuses.push((await fresh(limited.url, '/listings/l-none')).status);
    // 404s, the limit's business being the count: 30 answered, then refused, though each worker saw fewer than 30.
    expect(statuses.filter((s) => s === 404)).toHaveLength(30);
    expect(statuses.slice(30)).toEqual(Array(15).fill(429));
    const served = await servedByWorker(limited.metricsUrl);
    expect(Object.values(served).every((n) => n > 0 && n < 45)).toBe(true);

    // The primary killed outright: its workers end with it.
    const workers = childrenOf(limited.child.pid!);
    limited.child.kill('SIGKILL');
    await waitFor(() => workers.every((pid) => !alive(pid)), 'the workers to exit with their primary', 5_000);
  });

  it('SIGTERM drains every worker, then the primary exits 0', async () => {
    const workers = childrenOf(queries.child.pid!);
    expect(workers).toHaveLength(2);
    queries.child.kill('SIGTERM');
    expect(await queries.exited, queries.output()).toEqual({ code: 0, signal: null });
    expect(workers.filter(alive)).toEqual([]);
  });
});
