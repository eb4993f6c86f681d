import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './webhook.ts';

const secret = 'whsec_0123456789abcdef';
const body = JSON.stringify({ type: 'payment.captured', paymentId: 'pay_1', amount: { amount: 100, currency: 'EUR' } });
const at = new Date('2026-03-01T12:00:00.000Z');
const later = (seconds: number) => new Date(at.getTime() + seconds * 1000);

describe('webhook signatures', () => {
  it('signs as t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    expect(signWebhook(body, secret, at)).toMatch(new RegExp(`^t=${at.getTime() / 1000},v1=[0-9a-f]{64}$`));
  });

  it('verifies its own signature within the tolerance, on either side of now', () => {
    const header = signWebhook(body, secret, at);
    expect(verifyWebhook(body, header, secret, at)).toBe(true);
    expect(verifyWebhook(body, header, secret, later(300))).toBe(true);
    expect(verifyWebhook(body, header, secret, later(-300))).toBe(true);
  });

  it('rejects a tampered body, a wrong secret and a stale or future timestamp', () => {
    const header = signWebhook(body, secret, at);
    expect(verifyWebhook(body.replace('100', '1000'), header, secret, at)).toBe(false);
    expect(verifyWebhook(`${body} `, header, secret, at)).toBe(false);
    expect(verifyWebhook(body, header, 'whsec_another_secret_00', at)).toBe(false);
    expect(verifyWebhook(body, header, secret, later(301))).toBe(false);
    expect(verifyWebhook(body, header, secret, later(-301))).toBe(false);
    expect(verifyWebhook(body, header, secret, later(60), 30)).toBe(false);
  });

  it('rejects a moved timestamp, a missing or malformed header, and a truncated signature', () => {
    const header = signWebhook(body, secret, at);
    const v1 = header.split(',v1=')[1]!;
    expect(verifyWebhook(body, `t=${at.getTime() / 1000 + 1},v1=${v1}`, secret, at)).toBe(false);
    expect(verifyWebhook(body, undefined, secret, at)).toBe(false);
    expect(verifyWebhook(body, '', secret, at)).toBe(false);
    expect(verifyWebhook(body, `v1=${v1}`, secret, at)).toBe(false);
    expect(verifyWebhook(body, `t=abc,v1=${v1}`, secret, at)).toBe(false);
    expect(verifyWebhook(body, `${header.split(',')[0]},v1=${v1.slice(0, 32)}`, secret, at)).toBe(false);
    expect(verifyWebhook(body, `${header},t=${at.getTime() / 1000}`, secret, at)).toBe(false);
  });

  it('accepts any one valid v1 among several (secret rotation)', () => {
    const t = signWebhook(body, secret, at).split(',')[0];
    const old = signWebhook(body, 'whsec_the_old_secret_0', at).split(',')[1];
    const current = signWebhook(body, secret, at).split(',')[1];
    expect(verifyWebhook(body, `${t},${old},${current}`, secret, at)).toBe(true);
    expect(verifyWebhook(body, `${t},${old}`, secret, at)).toBe(false);
  });
});
