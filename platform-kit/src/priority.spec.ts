import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
