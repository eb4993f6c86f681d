import { describe, expect, it } from 'vitest';
import { corsOriginsOf, listOf, loadConfig, SecuritySettings } from './config.ts';

describe('security settings', () => {
  it('has defaults that a partial setting fills in: sign-up and log-in limited per address as a person uses them', () => {
    const defaults = SecuritySettings.parse({});
    expect(defaults.RATE_LIMIT_AUTH_PER_IP).toBeLessThanOrEqual(30);
    expect(defaults.RATE_LIMIT_BOOKINGS_PER_IP).toBeGreaterThanOrEqual(1_000);
    expect(SecuritySettings.parse({ LOGIN_MAX_FAILURES: '3', JWT_SECRET: 'ignored' })).toEqual({ ...defaults, LOGIN_MAX_FAILURES: 3 });
  });

  it('reads lists and CORS origins', () => {
    expect(listOf(' Admin@Example.com, ,ops@example.com ')).toEqual(['Admin@Example.com', 'ops@example.com']);
    expect(corsOriginsOf('*')).toBeUndefined();
    expect(corsOriginsOf(undefined)).toBeUndefined();
    expect(corsOriginsOf('https://stayhub.example, https://admin.stayhub.example')).toEqual(['https://stayhub.example', 'https://admin.stayhub.example']);
  });

  it('refuses a rate limit that is not a positive integer', () => {
    expect(() => loadConfig({ RATE_LIMIT_BOOKINGS_PER_USER: '-1', JWT_SECRET: 'x'.repeat(32), PAYMENT_WEBHOOK_SECRET: 'y'.repeat(16) })).toThrow(
      /RATE_LIMIT_BOOKINGS_PER_USER/,
    );
  });

  it('in production, the JWT and webhook secrets come from configuration, never a generated file', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x' })).toThrow(/JWT_SECRET is required when NODE_ENV=production/);
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'k'.repeat(40), PAYMENT_WEBHOOK_SECRET: 'w'.repeat(20) });
    expect(config.JWT_SECRET).toBe('k'.repeat(40));
  });
});
