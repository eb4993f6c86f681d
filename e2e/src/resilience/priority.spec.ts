import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { freePort, processFixture, startCommandApi } from './processes.ts';

const fixture = processFixture();
const { running } = fixture;

const env = (extra: Record<string, string> = {}) => ({
  DATABASE_URL: fixture.databaseUrl,
  PAYMENTS: 'http',
  PAYMENT_GATEWAY_URL: fixture.gateway.url,
  ...extra,
});

/** The niceness of a started command API's event loop (a process never raises its own: one started lower stays there). */
const started = async (extra?: Record<string, string>) => {
  const app = await startCommandApi(env(extra), await freePort());
  running.push(app);
  return getPriority(app.child.pid!);
};

describe.runIf(process.platform === 'linux')('the command API yields shared cores to the read side (COMMAND_API_NICE)', () => {
  it('keeps the priority it was started with by default (booking is never behind search)', async () => {
    expect(await started()).toBe(getPriority());
  });

  it('lowers its own priority to the niceness set; 0 keeps it', async () => {
    expect(await started({ COMMAND_API_NICE: '10' })).toBe(Math.max(10, getPriority()));
    expect(await started({ COMMAND_API_NICE: '7' })).toBe(Math.max(7, getPriority()));
    expect(await started({ COMMAND_API_NICE: '0' })).toBe(getPriority());
  });

  it('refuses a niceness outside 0–19 at start, naming the variable', async () => {
    await expect(started({ COMMAND_API_NICE: '20' })).rejects.toThrow(/COMMAND_API_NICE/);
  });
});
