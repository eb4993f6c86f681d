import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Schemathesis (from PyPI) drives an API from its OpenAPI document: examples, boundary values,
 * random valid and invalid requests. Here it judges that no request gets a 5xx, invalid input is
 * refused, valid input is accepted, and every answer matches the document.
 */
export type Fuzzer = { command: string[]; version: string };

const tryCommand = (command: string[]): Fuzzer | undefined => {
  const probe = spawnSync(command[0]!, [...command.slice(1), '--version'], { encoding: 'utf8' });
  return probe.status === 0 ? { command, version: probe.stdout.trim() } : undefined;
};

/** `python3` (or `python`) where one is installed. */
export const python = (): string | undefined => ['python3', 'python'].find((name) => spawnSync(name, ['--version'], { encoding: 'utf8' }).status === 0);

/** The schemathesis CLI: on the PATH, or as the module of the machine's Python. */
export const findSchemathesis = (): Fuzzer | undefined => {
  const py = python();
  return tryCommand(['schemathesis']) ?? (py ? tryCommand([py, '-m', 'schemathesis.cli']) : undefined);
};

export type FuzzRun = {
  api: string;
  identity: string;
  exitCode: number;
  /** HTTP requests schemathesis sent (from its NDJSON event stream). */
  requests: number;
  /** Responses with a 5xx status. */
  serverErrors: number;
  /** Operations with a failed check, and what failed. */
  failures: string[];
  output: string;
};

/**
 * Left out: the stateful checks, which need links between operations that the documents do not
 * declare; and `positive_data_acceptance`, which expects every schema-valid request to succeed,
 * while the APIs also enforce rules JSON Schema cannot state (check-out after check-in, dates or a
 * slot, a fresh If-Match, a signed webhook, a consistency token this platform issued, "something to
 * change"). Those answers are 4xx problems, which every other check still judges.
 */
const EXCLUDED_CHECKS = ['use_after_free', 'ensure_resource_availability', 'positive_data_acceptance'];

/**
 * Runs schemathesis against one API with one identity's token. `maxExamples` bounds the cases per
 * operation and phase; `workers` the concurrency.
 */
export const runSchemathesis = async (
  fuzzer: Fuzzer,
  options: {
    api: string;
    identity: string;
    document: unknown;
    baseUrl: string;
    token?: string;
    maxExamples: number;
    workers?: number;
    seed?: number;
    dir: string;
    phases?: string;
  },
): Promise<FuzzRun> => {
  mkdirSync(options.dir, { recursive: true });
  const schema = join(options.dir, `${options.api}-openapi.json`);
  writeFileSync(schema, JSON.stringify(options.document, null, 2));
  const events = join(options.dir, `${options.api}-${options.identity}.ndjson`);
  const args = [
    'run',
    schema,
    '--url',
    options.baseUrl,
    '--checks',
    'all',
    '--exclude-checks',
    EXCLUDED_CHECKS.join(','),
    '--phases',
    options.phases ?? 'examples,coverage,fuzzing',
    '--max-examples',
    String(options.maxExamples),
    '--workers',
    String(options.workers ?? 2),
    '--seed',
    String(options.seed ?? 7),
    // Text the API refuses by design (NUL, lone surrogates) cannot be said in a JSON Schema; utf-8 has no lone surrogates.
    '--generation-allow-x00',
    'false',
    '--generation-codec',
    'utf-8',
    '--generation-database',
    'none',
    '--suppress-health-check',
    'all',
    '--request-timeout',
    '30',
    '--report',
    'ndjson',
    '--report-ndjson-path',
    events,
    '--no-color',
    ...(options.token ? ['--header', `Authorization: Bearer ${options.token}`] : []),
  ];
  const child = spawn(fuzzer.command[0]!, [...fuzzer.command.slice(1), ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const { requests, serverErrors, failures } = summarise(readFileSync(events, 'utf8'));
  return { api: options.api, identity: options.identity, exitCode, requests, serverErrors, failures, output };
};

type Interaction = { request: { method: string; uri: string }; response: { status_code: number } | null };
type Scenario = {
  status: string;
  recorder: {
    label: string;
    interactions?: Record<string, Interaction>;
    checks?: Record<string, { name: string; status: string; failure_info?: { failure?: { title?: string; message?: string } } }[]>;
  };
};

/** Counts requests and 5xx answers in schemathesis's NDJSON events, and lists failed checks. */
const summarise = (ndjson: string) => {
  let requests = 0;
  let serverErrors = 0;
  const failures = new Set<string>();
  for (const line of ndjson.split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as { ScenarioFinished?: Scenario; NonFatalError?: { value?: { message?: string } }; FatalError?: { exception?: string } };
    if (event.NonFatalError) failures.add(`error: ${event.NonFatalError.value?.message?.split('\n')[0] ?? 'unknown'}`);
    if (event.FatalError) failures.add(`fatal: ${event.FatalError.exception ?? 'unknown'}`);
    const scenario = event.ScenarioFinished;
    if (!scenario) continue;
    for (const interaction of Object.values(scenario.recorder.interactions ?? {})) {
      requests += 1;
      if ((interaction.response?.status_code ?? 0) >= 500) serverErrors += 1;
    }
    for (const checks of Object.values(scenario.recorder.checks ?? {})) {
      for (const check of checks) {
        if (check.status === 'failure') failures.add(`${scenario.recorder.label}: ${check.name} (${check.failure_info?.failure?.title ?? ''})`);
      }
    }
  }
  return { requests, serverErrors, failures: [...failures].sort() };
};
