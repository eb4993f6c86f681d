import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * The repository root (the folder whose package.json lists the workspaces), for project-local data
 * (`.data/`): found from this file upwards, so it is the same whether the source runs or its bundle in `dist/`.
 */
const findProjectRoot = (from: string): string => {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && 'workspaces' in (JSON.parse(readFileSync(manifest, 'utf8')) as object)) return dir;
    if (dirname(dir) === dir) return from;
  }
};
export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const minutes = (fallback: number) => z.coerce.number().positive().default(fallback);
const count = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * Abuse limits and who is trusted, kept in memory per process. The booking limits are generous;
 * sign-up and log-in are limited per address as a person uses them (tests and benchmarks that
 * register many users from one address raise it). `LOGIN_MAX_FAILURES` wrong passwords for one
 * email from one address are free, then each one doubles the wait (up to the failure window).
 * Lists are comma-separated; `CORS_ORIGINS=*` allows any origin (tokens travel in a header, never a cookie).
 */
export const SecuritySettings = z.object({
  RATE_LIMIT_WINDOW_SECONDS: count(60),
  RATE_LIMIT_AUTH_PER_IP: count(30),
  RATE_LIMIT_BOOKINGS_PER_IP: count(6_000),
  RATE_LIMIT_BOOKINGS_PER_USER: count(600),
  /** Every read of the query API, per client address (health and metrics aside). */
  RATE_LIMIT_QUERIES_PER_IP: count(30_000),
  LOGIN_MAX_FAILURES: count(5),
  LOGIN_FAILURE_WINDOW_SECONDS: count(900),
  CORS_ORIGINS: z.string().default('*'),
  /** Registering with one of these emails gives the admin role: register them before opening the platform. */
  ADMIN_EMAILS: z.string().default(''),
});
export type SecuritySettings = z.infer<typeof SecuritySettings>;

/**
 * Money after the stay: the platform's fee as basis points of what a stay kept (1000 = 10%), how
 * long after check-out (or a restaurant slot's end) the host's share is paid out, and how long
 * after its slot an unmarked restaurant table's deposit goes back to the guest.
 */
export const PayoutSettings = z.object({
  PLATFORM_FEE_BASIS_POINTS: z.coerce.number().int().min(0).max(10_000).default(1_000),
  PAYOUT_DELAY_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 90)
    .default(24),
  DEPOSIT_REFUND_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 90)
    .default(24),
});
export type PayoutSettings = z.infer<typeof PayoutSettings>;

/**
 * The chat service: its port, its own database (by default on an embedded server of its own),
 * how its processes fan messages out to each other, and the per-sender message limit.
 */
export const ChatSettings = z.object({
  CHAT_PORT: port(3005),
  CHAT_DATABASE_URL: z.url().optional(),
  CHAT_FANOUT: z.enum(['local', 'redis']).default('local'),
  CHAT_RATE_LIMIT_MESSAGES: count(10),
  CHAT_RATE_LIMIT_WINDOW_SECONDS: count(10),
  CHAT_NOTIFY_QUIET_MINUTES: minutes(15),
  /**
   * Least time between the starts of two of the chat's commits (ms; 0: none). Under load a commit
   * carries every message that arrived meanwhile, so its database pays a commit's fixed cost fewer
   * times; a message after a quiet spell is committed at once, others wait at most this long more.
   */
  CHAT_COMMIT_EVERY_MS: z.coerce.number().int().min(0).max(1_000).default(0),
  /**
   * The chat process's niceness (0–19): on a machine it shares with booking and search, it lowers its
   * own CPU priority so that they come first when both want a core (0 keeps the default priority).
   */
  CHAT_NICE: z.coerce.number().int().min(0).max(19).default(10),
});
export type ChatSettings = z.infer<typeof ChatSettings>;

/**
 * The command API's niceness (0–19). On a machine it shares with the read side, the command API
 * lowers its own CPU priority so that the projectors and the query API, which need a small share of
 * a core per booking but need it at once, run first when both want a core: a booking's change is
 * then visible within milliseconds rather than behind the command side's whole run queue
 * (bench/README.md, "projection lag tails"). 0 keeps the default priority.
 */
export const PrioritySettings = z.object({
  COMMAND_API_NICE: z.coerce.number().int().min(0).max(19).default(0),
});
export type PrioritySettings = z.infer<typeof PrioritySettings>;

/**
 * Outgoing mail: `log` (the default) writes each mail as one log line; `smtp` sends it through the
 * server at `SMTP_URL` (`smtp://user:pass@host:587`, or `smtps://` for TLS from the start) as `MAIL_FROM`.
 */
export const MailSettings = z.object({
  MAIL: z.enum(['log', 'smtp']).default('log'),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'an smtp:// or smtps:// URL' }).optional(),
  MAIL_FROM: z.string().min(3).default('StayHub <no-reply@stayhub.local>'),
});
export type MailSettings = z.infer<typeof MailSettings>;

/**
 * Traces: off unless `OTEL_EXPORTER_OTLP_ENDPOINT` names an OTLP/HTTP collector (e.g. `http://otel-collector:4318`);
 * each app reports as `OTEL_SERVICE_NAME`, by default `stayhub-<app>`.
 */
export const TracingSettings = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
});
export type TracingSettings = z.infer<typeof TracingSettings>;

/** The tracing settings alone, read before anything else of an app is loaded. */
export const loadTracingSettings = (env: NodeJS.ProcessEnv = process.env): TracingSettings => parsedOrExplained(TracingSettings, env);

/** The parsed environment, or an error naming each bad variable. */
const parsedOrExplained = <T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T => {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
};

/** A comma-separated setting as a list of trimmed, non-empty entries. */
export const listOf = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);

/** `CORS_ORIGINS` for the HTTP kit: `undefined` (any origin) for `*`, else the list. */
export const corsOriginsOf = (value: string | undefined): string[] | undefined => {
  const origins = listOf(value ?? '*');
  return origins.includes('*') ? undefined : origins;
};

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: z.url().optional(),
    EMBEDDED_PG_DIR: z.string().default(join(projectRoot, '.data/postgres')),
    EMBEDDED_PG_PORT: port(54329),
    /**
     * The chat's embedded server (`npm start` without DATABASE_URL or CHAT_DATABASE_URL): a second
     * PostgreSQL with its own WAL, so that the chat's commits never queue on booking's WAL flushes.
     */
    EMBEDDED_CHAT_PG_DIR: z.string().default(join(projectRoot, '.data/postgres-chat')),
    EMBEDDED_CHAT_PG_PORT: port(54331),
    /** `npm start` restarts an app that exited at once if it had run this long, else with a growing delay. */
    LAUNCHER_HEALTHY_SECONDS: count(60),
    EVENT_STORE: z.enum(['postgres', 'esdb']).default('postgres'),
    ESDB_URL: z.string().optional(),
    LOG: z.enum(['local', 'kafka']).default('local'),
    KAFKA_BROKERS: z.string().optional(),
    SEARCH: z.enum(['postgres', 'elasticsearch']).default('postgres'),
    ELASTICSEARCH_URL: z.url().optional(),
    ELASTICSEARCH_FLAVOR: z.enum(['elasticsearch', 'opensearch']).default('elasticsearch'),
    AVAILABILITY: z.enum(['postgres', 'redis']).default('postgres'),
    REDIS_URL: z.string().optional(),
    SEARCH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(3000),
    /** Listing views (`GET /listings/:id`) the query API keeps in process until a change to listing documents is announced (0: none). */
    LISTING_CACHE_ENTRIES: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
    /** How long at most a kept listing view is served should the announcement of its change be lost. */
    LISTING_CACHE_TTL_MS: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
    HISTORY: z.enum(['postgres', 'cassandra']).default('postgres'),
    CASSANDRA_CONTACT_POINTS: z.string().optional(),
    CASSANDRA_LOCAL_DC: z.string().default('datacenter1'),
    CASSANDRA_KEYSPACE: z.string().default('stayhub'),
    PAYMENTS: z.enum(['simulated', 'http']).default('simulated'),
    PAYMENT_GATEWAY_URL: z.url().optional(),
    PAYMENT_WEBHOOK_SECRET: z.string().min(16).optional(),
    COMMAND_API_PORT: port(3000),
    QUERY_API_PORT: port(3001),
    /**
     * Processes serving the query API on its one port (node:cluster; `auto`: one per core). Each keeps
     * its own caches, fresh by its own announcement listener; the rate limits hold across them. The
     * default of 1 suits a machine whose cores booking shares (README: "reads by id on several cores").
     */
    QUERY_API_WORKERS: z.union([z.literal('auto').transform(() => availableParallelism()), z.coerce.number().int().min(1).max(64)]).default(1),
    PAYMENT_GATEWAY_PORT: port(3002),
    PROJECTORS_PORT: port(3003),
    /** The Kafka relay's health and metrics (`LOG=kafka`). */
    RELAY_PORT: port(3004),
    /** Where the workflow runner runs: inside the command API's process, or as its own process (`npm start` starts it). */
    WORKFLOWS_IN: z.enum(['command-api', 'own-process']).default('command-api'),
    /**
     * When set, each app also serves `GET /metrics` on this port without a token (on its own port,
     * the admin role reads it): for Prometheus inside a private network, one app per container.
     */
    METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    /** The workflow runner's health and metrics when it runs as its own process (`WORKFLOWS_IN=own-process`). */
    WORKFLOWS_PORT: port(3006),
    /** The web app's static server; it proxies /api/command, /api/query, /api/ops and /api/chat to these URLs (default: the local ports). */
    WEB_PORT: port(8080),
    COMMAND_API_URL: z.url().optional(),
    QUERY_API_URL: z.url().optional(),
    PROJECTORS_URL: z.url().optional(),
    CHAT_URL: z.url().optional(),
    /** A tile URL template ({z}/{x}/{y}) for the web map; without it the map draws the points on a plain grid. */
    MAP_TILES_URL: z
      .string()
      .regex(/\{z\}.*\{x\}.*\{y\}/, 'a template with {z}, {x} and {y}')
      .optional(),
    JWT_SECRET: z.string().min(32).optional(),
    JWT_TTL_MINUTES: minutes(60),
    HOST_RESPONSE_HOURS: z.coerce.number().positive().default(24),
    HOLD_TTL_MINUTES: minutes(15),
    ORDER_PAYMENT_TIMEOUT_MINUTES: minutes(15),
    ...ChatSettings.shape,
    ...PrioritySettings.shape,
    ...SecuritySettings.shape,
    ...PayoutSettings.shape,
    ...MailSettings.shape,
    ...TracingSettings.shape,
  })
  .superRefine((env, ctx) => {
    const need = (when: boolean, key: keyof typeof env, why: string) => {
      if (when && !env[key]) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required when ${why}` });
    };
    need(env.EVENT_STORE === 'esdb', 'ESDB_URL', 'EVENT_STORE=esdb');
    need(env.LOG === 'kafka', 'KAFKA_BROKERS', 'LOG=kafka');
    need(env.SEARCH === 'elasticsearch', 'ELASTICSEARCH_URL', 'SEARCH=elasticsearch');
    need(env.AVAILABILITY === 'redis', 'REDIS_URL', 'AVAILABILITY=redis');
    need(env.HISTORY === 'cassandra', 'CASSANDRA_CONTACT_POINTS', 'HISTORY=cassandra');
    need(env.PAYMENTS === 'http', 'PAYMENT_GATEWAY_URL', 'PAYMENTS=http');
    need(env.CHAT_FANOUT === 'redis', 'REDIS_URL', 'CHAT_FANOUT=redis');
    need(env.MAIL === 'smtp', 'SMTP_URL', 'MAIL=smtp');
    // Two embedded servers cannot share a port or a data folder (the second would reuse or wreck the first).
    if (env.EMBEDDED_CHAT_PG_PORT === env.EMBEDDED_PG_PORT)
      ctx.addIssue({ code: 'custom', path: ['EMBEDDED_CHAT_PG_PORT'], message: 'EMBEDDED_CHAT_PG_PORT must differ from EMBEDDED_PG_PORT' });
    if (resolve(env.EMBEDDED_CHAT_PG_DIR) === resolve(env.EMBEDDED_PG_DIR))
      ctx.addIssue({ code: 'custom', path: ['EMBEDDED_CHAT_PG_DIR'], message: 'EMBEDDED_CHAT_PG_DIR must differ from EMBEDDED_PG_DIR' });
    // The generated secrets suit one machine (embedded mode); several production instances must share theirs.
    need(env.NODE_ENV === 'production', 'JWT_SECRET', 'NODE_ENV=production');
    need(env.NODE_ENV === 'production', 'PAYMENT_WEBHOOK_SECRET', 'NODE_ENV=production');
  });

/** Every variable the configuration reads (a deployment that sets another one has a typo). */
export const configurationVariables: readonly string[] = Object.keys(schema.shape);

export type Config = z.infer<typeof schema> & { JWT_SECRET: string; PAYMENT_WEBHOOK_SECRET: string };

/** A secret kept under `.data/` so that tokens survive a restart in the embedded mode. */
const localSecret = (name: string): string => {
  const file = join(projectRoot, '.data', name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(48).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
};

/**
 * What the platform hands its own processes, not an operator: the pid of `npm start`'s launcher to
 * the apps it starts (they stop when it is gone, `whenLauncherGone`), and a cluster worker's slot
 * (1 … N, kept by its replacement, `serveInWorkers`).
 */
const ProcessPlumbing = z.object({
  STAYHUB_LAUNCHER_PID: z.coerce.number().int().positive().optional(),
  STAYHUB_WORKER_SLOT: z.string().min(1).optional(),
});
export const loadProcessPlumbing = (env: NodeJS.ProcessEnv = process.env): z.infer<typeof ProcessPlumbing> => parsedOrExplained(ProcessPlumbing, env);

/** What the launcher hands its apps: a copy of this process's environment, as given (unparsed). */
export const inheritedEnvironment = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => ({ ...env });

/** Parses the environment once; throws a readable message naming each bad variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const parsed = parsedOrExplained(schema, env);
  return {
    ...parsed,
    JWT_SECRET: parsed.JWT_SECRET ?? localSecret('jwt-secret'),
    PAYMENT_WEBHOOK_SECRET: parsed.PAYMENT_WEBHOOK_SECRET ?? localSecret('webhook-secret'),
  };
};
