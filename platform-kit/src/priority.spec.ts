import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { autogroupsOn, groupNicenessOf, keepTreeLowered, lowerPriorityOfTree } from './priority.ts';

/** Runs `lowerPriority` in a Node process of its own (renicing the test runner would slow every later spec). */
const inChild = (calls: number[]): { returned: number[]; threads: number[] } => {
  const module = JSON.stringify(fileURLToPath(new URL('./priority.ts', import.meta.url)));
  const script = `
    import { readdirSync } from 'node:fs';
    import { getPriority } from 'node:os';
    import { lowerPriority } from ${module};
    const returned = ${JSON.stringify(calls)}.map((nice) => lowerPriority(nice));
    const threads = readdirSync('/proc/self/task').map((thread) => getPriority(Number(thread)));
    console.log(JSON.stringify({ returned, threads }));`;
  const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').at(-1)!) as { returned: number[]; threads: number[] };
};

describe.runIf(process.platform === 'linux')('lowerPriority (CHAT_NICE, COMMAND_API_NICE)', () => {
  it('lowers every thread of the process, the event loop and the workers started before it', () => {
    const { returned, threads } = inChild([7]);
    expect(returned).toEqual([7]);
    expect(threads.length).toBeGreaterThan(1);
    for (const nice of threads) expect(nice).toBeGreaterThanOrEqual(7);
  });

  it('never raises a priority: a smaller niceness afterwards changes nothing', () => {
    expect(inChild([9, 3]).returned).toEqual([9, 9]);
  });

  it('leaves the process as it is at 0', () => {
    const { returned } = inChild([0]);
    expect(returned).toEqual([0]);
  });
});

describe.runIf(process.platform === 'linux')('lowerPriorityOfTree (a server and the processes it forks)', () => {
  it('lowers the process and every process below it, and leaves the caller as it is', async () => {
    const shell = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { stdio: 'ignore' });
    try {
      const children = async () => {
        for (;;) {
          const found = readFileSync(`/proc/${shell.pid}/task/${shell.pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
          if (found.length === 2) return found;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const sleepers = await children();
      lowerPriorityOfTree(shell.pid!, 6);
      expect([shell.pid!, ...sleepers].map((pid) => getPriority(pid))).toEqual([6, 6, 6]);
      lowerPriorityOfTree(shell.pid!, 3);
      expect(getPriority(shell.pid!)).toBe(6);
      expect(getPriority()).toBe(0);
    } finally {
      shell.kill('SIGKILL');
    }
  });
});

/** Whether a process is its session's leader (`/proc/<pid>/stat`'s sixth field is the session). */
const leadsSession = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[3]) === pid;
  } catch {
    return false;
  }
};

describe.runIf(process.platform === 'linux' && autogroupsOn())('keepTreeLowered under autogroups (CPU time shared by session first)', () => {
  it("lowers the group of each process that leads a session of its own, also of one started later, and never the caller's", async () => {
    // As a postmaster does: children that each call setsid(), one of them started after the first sweep.
    const shell = spawn('sh', ['-c', 'setsid sleep 30 & sleep 0.5; setsid sleep 30 & wait'], { stdio: 'ignore' });
    const childrenOf = () => {
      try {
        return readFileSync(`/proc/${shell.pid}/task/${shell.pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    };
    const leaders = async (count: number) => {
      for (;;) {
        const found = childrenOf().filter((pid) => leadsSession(pid));
        if (found.length >= count) return found;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const ownGroup = groupNicenessOf(process.pid);
    const stop = keepTreeLowered(shell.pid!, 8, 100);
    try {
      await leaders(2);
      await new Promise((resolve) => setTimeout(resolve, 300)); // a sweep after the second one started
      for (const pid of await leaders(2)) {
        expect(getPriority(pid)).toBe(8);
        expect(groupNicenessOf(pid)).toBe(8);
      }
      expect(groupNicenessOf(process.pid)).toBe(ownGroup);
      expect(getPriority()).toBe(0);
    } finally {
      stop();
      for (const pid of childrenOf()) process.kill(pid, 'SIGKILL');
      shell.kill('SIGKILL');
    }
  });
});
