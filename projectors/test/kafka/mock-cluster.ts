import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from '../../src/kafka/admin.ts';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'mock-cluster.c');
const binary = join(here, 'mock-cluster'); // gitignored

export type KafkaTestCluster = {
  brokers: string[];
  /** librdkafka's mock cluster (true) or the real cluster `KAFKA_BROKERS` names (false). */
  mock: boolean;
  /** Mock only: the next `count` requests of `apiKey` fail with Kafka error `code`. */
  failRequests(apiKey: number, code: number, count: number): Promise<void>;
  stop(): Promise<void>;
};

export type MockClusterOptions = {
  /** Topic name → partition count, created before the brokers answer. */
  topics?: Record<string, number>;
  brokers?: number;
};

const realBrokers = (): string[] | undefined =>
  process.env.KAFKA_BROKERS?.split(',').map((broker) => broker.trim()).filter(Boolean);

const build = (): void => {
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return;
  // Several test files may build at once: compile aside, then rename into place atomically.
  const partial = `${binary}.${process.pid}.partial`;
  try {
    execFileSync('gcc', ['-O2', '-Wall', '-o', partial, source, '-lrdkafka'], { stdio: 'pipe' });
    renameSync(partial, binary);
  } finally {
    rmSync(partial, { force: true });
  }
};

const why = (error: unknown): string => {
  const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
  return stderr || (error instanceof Error ? error.message : String(error));
};

/**
 * Why the Kafka suite cannot run here, or `undefined` when it can. Checked once, synchronously, so
 * that spec files can use it in `describe.skipIf`.
 */
export const kafkaUnavailable: string | undefined = (() => {
  if (realBrokers()?.length) return undefined;
  try {
    build();
    return undefined;
  } catch (error) {
    return `Kafka suite skipped: cannot build the librdkafka mock cluster launcher (${why(error).split('\n')[0]}). Install gcc and librdkafka-dev (apt-get install -y gcc librdkafka-dev), or set KAFKA_BROKERS to a real cluster.`;
  }
})();
if (kafkaUnavailable) console.warn(kafkaUnavailable);

const realCluster = async (brokers: string[], topics: Record<string, number>): Promise<KafkaTestCluster> => {
  const kafka = testKafka(brokers, 'stayhub-test-setup');
  for (const [topic, numPartitions] of Object.entries(topics)) await ensureTopics(kafka, { topics: [topic], numPartitions });
  return {
    brokers,
    mock: false,
    failRequests: () => Promise.reject(new Error('fault injection needs the mock cluster')),
    stop: async () => undefined,
  };
};

export const startMockCluster = async ({ topics = {}, brokers = 3 }: MockClusterOptions = {}): Promise<KafkaTestCluster> => {
  const real = realBrokers();
  if (real?.length) return realCluster(real, topics);
  if (kafkaUnavailable) throw new Error(kafkaUnavailable);

  const args = ['--brokers', String(brokers), ...Object.entries(topics).map(([name, partitions]) => `${name}:${partitions}`)];
  const child: ChildProcessWithoutNullStreams = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();

  const nextLine = async (what: string): Promise<string> => {
    let timer: NodeJS.Timeout | undefined;
    const failed = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`mock cluster: no ${what} within 10 s. ${stderr}`)), 10_000);
      void exited.then(() => reject(new Error(`mock cluster exited while waiting for ${what}. ${stderr}`)));
    });
    failed.catch(() => undefined); // settles after the race is decided, too
    try {
      const line = await Promise.race([lines.next(), failed]);
      if (line.done) throw new Error(`mock cluster closed stdout. ${stderr}`);
      return line.value;
    } finally {
      clearTimeout(timer);
    }
  };

  const bootstrap = await nextLine('bootstrap address').catch((error: unknown) => {
    child.kill('SIGTERM');
    throw error;
  });
  let commands = Promise.resolve();
  const command = (line: string): Promise<void> =>
    (commands = commands.then(async () => {
      child.stdin.write(`${line}\n`);
      const answer = await nextLine(`answer to "${line}"`);
      if (answer !== 'ok') throw new Error(`mock cluster: ${answer}`);
    }));

  return {
    brokers: bootstrap.split(','),
    mock: true,
    failRequests: (apiKey, code, count) => command(`errors ${apiKey} ${code} ${count}`),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.stdin.end(); // the launcher exits when its stdin closes
      const timer = setTimeout(() => child.kill('SIGTERM'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
};

/** A kafkajs client for tests: quiet (unless KAFKA_TEST_LOG=debug|info|warn), with short retries. */
export const testKafka = (brokers: string[], clientId: string): Kafka =>
  new Kafka({ clientId, brokers, logLevel: testLogLevel(), retry: { initialRetryTime: 100, retries: 5 } });

const testLogLevel = (): logLevel => {
  const wanted = process.env.KAFKA_TEST_LOG?.toLowerCase();
  return wanted === 'debug' ? logLevel.DEBUG : wanted === 'info' ? logLevel.INFO : wanted === 'warn' ? logLevel.WARN : logLevel.NOTHING;
};

/**
 * Consumer tuning so that joins and rebalances take seconds, not the production defaults' tens. The
 * mock waits 3 s before the first join of a group and session timeout − 1 s before any later one. A
 * member it has not heard from for a session timeout is dropped, and the mock then answers it with
 * INVALID_REQUEST, which kafkajs treats as fatal; 10 s leaves room for a loaded test machine.
 */
export const fastConsumer = { sessionTimeout: 10_000, rebalanceTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 300 };
