import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { judgeSkips } from './live-suites.ts';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/live-suites');

/** A vitest run of its own over the fixture files, with the reporter, in the given environment. */
const runFixtures = (files: string[], env: Record<string, string | undefined>) => {
  const { ESDB_URL: _esdb, REDIS_URL: _redis, CI: _ci, ...base } = process.env;
  const run = spawnSync(process.execPath, [join(fixtures, '../../../../../node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.config.ts', ...files], {
    cwd: fixtures,
    env: { ...base, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
};

describe('judgeSkips', () => {
  const kurrent = { file: 'event-sourcing/src/event-store/esdb.spec.ts', name: 'event store contract: kurrentdb (skipped: set ESDB_URL) > appends' };
  const redis = { file: 'read-models/src/availability/redis.spec.ts', name: 'redis availability store (skipped: set REDIS_URL) > holds' };

  it('allows KurrentDB only, and only while ESDB_URL is unset, saying why', () => {
    const verdict = judgeSkips([kurrent, redis, { ...redis, name: `${redis.name} again` }], {});
    expect(verdict.allowed).toEqual([kurrent]);
    expect(verdict.forbidden).toHaveLength(2);
    expect(verdict.report).toEqual([
      expect.stringMatching(/^\[live suites\] skipped, as allowed: KurrentDB \(a \.NET server .*ESDB_URL names one\):$/),
      '  event-sourcing/src/event-store/esdb.spec.ts › event store contract: kurrentdb (skipped: set ESDB_URL) (1 test)',
      '[live suites] skipped, and nothing allows it:',
      '  read-models/src/availability/redis.spec.ts › redis availability store (skipped: set REDIS_URL) (2 tests)',
    ]);
    expect(judgeSkips([kurrent], { ESDB_URL: 'esdb://127.0.0.1:2113?tls=false' }).forbidden).toEqual([kurrent]);
  });

  it('has nothing to say when nothing skipped', () => {
    expect(judgeSkips([], {})).toEqual({ allowed: [], forbidden: [], report: [] });
  });
});

describe('the live-suites reporter in a vitest run', () => {
  it('fails a CI run in which a live suite skipped, naming it', () => {
    const { status, output } = runFixtures(['redis.check.ts', 'kurrentdb.check.ts'], { CI: 'true' });
    expect(status, output).toBe(1);
    expect(output).toContain('redis.check.ts › redis availability store (skipped: set REDIS_URL) (2 tests)');
    expect(output).toContain('CI=true: 2 skipped test(s) above fail the run');
  });

  it('passes a CI run in which only KurrentDB skipped, and says it was allowed', () => {
    const { status, output } = runFixtures(['kurrentdb.check.ts'], { CI: 'true' });
    expect(status, output).toBe(0);
    expect(output).toContain('skipped, as allowed: KurrentDB');
  });

  it('only reports outside CI, and passes a run where every suite ran', () => {
    expect(runFixtures(['redis.check.ts'], {}).status).toBe(0);
    expect(runFixtures(['redis.check.ts'], { CI: 'true', REDIS_URL: 'redis://127.0.0.1:1' }).status).toBe(0);
  });
});
