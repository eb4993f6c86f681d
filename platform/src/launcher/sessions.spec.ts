import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runsInOwnSession } from './sessions.ts';

const onLinux = process.platform === 'linux';
/** The session a process belongs to (`/proc/<pid>/stat`, field 6) and its scheduling group (`/proc/<pid>/autogroup`, where the kernel has one). */
const sessionOf = (pid: number | 'self') => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[3]);
};
const groupOf = (pid: number | 'self'): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/autogroup`, 'utf8').split(' ')[0];
  } catch {
    return undefined;
  }
};

const started: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

/** Starts a process as the launcher starts `app` (the same `detached` option) and waits until it runs. */
const startedAs = async (app: Parameters<typeof runsInOwnSession>[0]) => {
  const child = spawn(process.execPath, ['-e', 'console.log("up"); setTimeout(() => {}, 60_000)'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: runsInOwnSession(app),
  });
  started.push(child);
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return child.pid!;
};

describe('the sessions the launcher starts the apps in', () => {
  it('runs the projectors and the query API each in a session of its own, and every other app in the launcher’s', () => {
    expect(runsInOwnSession('projectors')).toBe(true);
    expect(runsInOwnSession('query-api')).toBe(true);
    for (const app of ['command-api', 'workflow-runner', 'payments', 'chat', 'web', 'relay'] as const) expect(runsInOwnSession(app)).toBe(false);
  });

  it.runIf(onLinux)(
    'gives the projectors and the query API each a session, and so a scheduling group, of its own; the command API shares the launcher’s',
    async () => {
      const projectors = await startedAs('projectors');
      expect(sessionOf(projectors)).toBe(projectors);
      const queries = await startedAs('query-api');
      expect(sessionOf(queries)).toBe(queries);
      const commands = await startedAs('command-api');
      expect(sessionOf(commands)).toBe(sessionOf('self'));
      if (groupOf('self') !== undefined) {
        expect(groupOf(projectors)).not.toBe(groupOf('self'));
        expect(groupOf(queries)).not.toBe(groupOf('self'));
        expect(groupOf(queries)).not.toBe(groupOf(projectors));
        expect(groupOf(commands)).toBe(groupOf('self'));
      }
    },
  );
});
