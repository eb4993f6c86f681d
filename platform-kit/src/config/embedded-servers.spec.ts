import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const secrets = { JWT_SECRET: 'x'.repeat(32), PAYMENT_WEBHOOK_SECRET: 'y'.repeat(16) };

describe('the embedded servers of `npm start`', () => {
  it('gives the chat a server of its own by default: another port and data folder than the platform’s', () => {
    const config = loadConfig(secrets);
    expect(config.EMBEDDED_CHAT_PG_PORT).not.toBe(config.EMBEDDED_PG_PORT);
    expect(config.EMBEDDED_CHAT_PG_DIR).toMatch(/\.data\/postgres-chat$/);
    expect(config.EMBEDDED_PG_DIR).toMatch(/\.data\/postgres$/);
  });

  it('refuses one port or one data folder for both, and a port that is not one', () => {
    expect(() => loadConfig({ ...secrets, EMBEDDED_PG_PORT: '6000', EMBEDDED_CHAT_PG_PORT: '6000' })).toThrow(/EMBEDDED_CHAT_PG_PORT must differ/);
    expect(() => loadConfig({ ...secrets, EMBEDDED_PG_DIR: '/tmp/pg', EMBEDDED_CHAT_PG_DIR: '/tmp/pg/' })).toThrow(/EMBEDDED_CHAT_PG_DIR must differ/);
    expect(() => loadConfig({ ...secrets, EMBEDDED_CHAT_PG_PORT: '70000' })).toThrow(/EMBEDDED_CHAT_PG_PORT/);
  });
});
