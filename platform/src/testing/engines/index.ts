import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startCassandra } from './cassandra.ts';
import { startKafka } from './kafka.ts';
import { startOpenSearch } from './opensearch.ts';
import type { Engine } from './process.ts';
import { startRedis } from './redis.ts';

type EngineSpec = { name: string; variable: string; start: (dir: string) => Promise<Engine> };

/** Each engine, and the variable that names an external server instead (then nothing is started). */
const ENGINES: EngineSpec[] = [
  { name: 'redis', variable: 'REDIS_URL', start: startRedis },
  { name: 'kafka', variable: 'KAFKA_BROKERS', start: startKafka },
  { name: 'cassandra', variable: 'CASSANDRA_CONTACT_POINTS', start: startCassandra },
  { name: 'opensearch', variable: 'ELASTICSEARCH_URL', start: startOpenSearch },
];

/**
 * Starts every at-scale engine the environment does not already name, in parallel, once per test
 * run, and exports where each answers through `process.env` (test workers inherit it). An engine
 * that cannot start leaves its variable unset, so its suites skip and say what is missing, except
 * with `CI=true`, where that fails the run. `STAYHUB_ENGINES=redis,kafka,cassandra,opensearch` limits which are started.
 */
export const startEngines = async (dataRoot: string): Promise<() => Promise<void>> => {
  const wanted = process.env.STAYHUB_ENGINES?.split(',').map((name) => name.trim());
  const dir = join(dataRoot, `run-${process.pid}`);
  const chosen = ENGINES.filter(({ name, variable }) => !process.env[variable] && (!wanted || wanted.includes(name)));
  const results = await Promise.allSettled(chosen.map(({ name, start }) => start(join(dir, name))));
  const started: Engine[] = [];
  const failures: string[] = [];
  results.forEach((result, i) => {
    const { name, variable } = chosen[i]!;
    if (result.status === 'fulfilled') {
      started.push(result.value);
      Object.assign(process.env, result.value.env);
      console.log(
        `[engines] ${name} started in ${(result.value.startedInMs / 1000).toFixed(1)} s: ${Object.entries(result.value.env)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
    } else {
      const why = result.reason instanceof Error ? result.reason.message : String(result.reason);
      process.env[`${variable}_MISSING`] = `${name} could not start here: ${why.split('\n')[0]}`;
      failures.push(`${name}: ${why}`);
    }
  });
  const stop = async () => {
    await Promise.all(started.map((engine) => engine.stop().catch(() => undefined)));
    rmSync(dir, { recursive: true, force: true });
  };
  if (failures.length) {
    if (process.env.CI === 'true') {
      await stop();
      throw new Error(`CI runs every live suite, but these engines could not start:\n${failures.join('\n')}`);
    }
    console.warn(`[engines] not started, their live suites skip:\n${failures.join('\n')}`);
  }
  return stop;
};
