import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAUNCHER_PID } from './launcher.ts';

const module = JSON.stringify(fileURLToPath(new URL('./launcher.ts', import.meta.url)));

/**
 * A stand-in launcher: a Node process that starts an "app" in a session of its own (as `npm start`
 * starts the projectors) with `STAYHUB_LAUNCHER_PID` set to `launcherPid` (its own pid when undefined);
 * the app prints its pid, then `gone` if `whenLauncherGone` fires. Answers both processes and the
 * app's output so far.
 */
const startLauncher = (launcherPid?: number) => {
  const app = `
    import { whenLauncherGone } from ${module};
    whenLauncherGone(() => { console.log('gone'); process.exit(0); }, 50);
    console.log('app ' + process.pid);
    setInterval(() => {}, 1_000);`;
  const launcher = `
    const { spawn } = require('node:child_process');
    const env = { ...process.env, ${LAUNCHER_PID}: String(${launcherPid ?? 'process.pid'}) };
    spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ${JSON.stringify(app)}], { env, detached: true, stdio: ['ignore', 'inherit', 'inherit'] });
    setInterval(() => {}, 1_000);`;
  const child = spawn(process.execPath, ['-e', launcher], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const until = async (seen: RegExp, timeoutMs = 30_000) => {
    for (const start = Date.now(); Date.now() - start < timeoutMs; await new Promise((resolve) => setTimeout(resolve, 50))) {
      const match = seen.exec(output);
      if (match) return match;
    }
    throw new Error(`not seen in time: ${seen} (output: ${output})`);
  };
  return { launcher: child, until, output: () => output };
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.runIf(process.platform === 'linux')('whenLauncherGone (an app npm start started, in a session of its own)', () => {
  it('stops the app once the launcher is killed and cannot stop it', async () => {
    const { launcher, until } = startLauncher();
    const app = Number((await until(/app (\d+)/))[1]);
    expect(alive(app)).toBe(true);
    launcher.kill('SIGKILL');
    await until(/gone/);
    await expect.poll(() => alive(app), { timeout: 10_000 }).toBe(false);
  });

  it('leaves alone a process whose parent is not the launcher named (a cluster worker under its primary)', async () => {
    const { launcher, until, output } = startLauncher(1);
    const app = Number((await until(/app (\d+)/))[1]);
    launcher.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(output()).not.toMatch(/gone/);
    expect(alive(app)).toBe(true);
    process.kill(app, 'SIGKILL');
  });
});
