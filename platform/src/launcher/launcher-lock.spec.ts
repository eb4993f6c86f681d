import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimLauncher, LauncherAlreadyRunning } from './launcher-lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'stayhub-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A Node process that runs until killed, and then is gone. */
const otherLauncher = async () => {
  const child = spawn(process.execPath, ['-e', 'console.log("up"); setTimeout(() => {}, 60_000)'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return child;
};

describe('one launcher per platform’s data (launcher.pid)', () => {
  it('claims a place no launcher used before, and leaves nothing behind when it stops itself', () => {
    const file = join(dir, 'fresh', 'launcher.pid');
    const claim = claimLauncher(file);
    expect(claim.previous).toBe('none');
    expect(readFileSync(file, 'utf8').trim()).toBe(String(process.pid));
    claim.release();
    expect(existsSync(file)).toBe(false);
    expect(claimLauncher(file).previous).toBe('none');
  });

  it('refuses while the launcher named in the file still runs, and changes nothing', async () => {
    const file = join(dir, 'running.pid');
    const other = await otherLauncher();
    try {
      writeFileSync(file, `${other.pid}\n`);
      expect(() => claimLauncher(file)).toThrow(LauncherAlreadyRunning);
      expect(() => claimLauncher(file)).toThrow(new RegExp(`already running \\(launcher pid ${other.pid}`));
      expect(readFileSync(file, 'utf8').trim()).toBe(String(other.pid));
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('finds that the launcher before it was killed (its file left behind, its process gone)', async () => {
    const file = join(dir, 'killed.pid');
    const other = await otherLauncher();
    writeFileSync(file, `${other.pid}\n`);
    const gone = new Promise((resolve) => other.once('exit', resolve));
    other.kill('SIGKILL');
    await gone;

    const claim = claimLauncher(file);

    expect(claim.previous).toBe('crashed');
    expect(readFileSync(file, 'utf8').trim()).toBe(String(process.pid));
  });

  it('releases only its own claim: a file another launcher has taken since is left alone', () => {
    const file = join(dir, 'taken.pid');
    const claim = claimLauncher(file);
    writeFileSync(file, '999999\n');
    claim.release();
    expect(readFileSync(file, 'utf8').trim()).toBe('999999');
  });
});
