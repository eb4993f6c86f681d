// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, answeredStale, forgetStale, get, post, STALE_RETRY_DELAYS_MS } from './api.ts';

type Answer = { status: number; body: unknown; stale?: boolean };

/** `fetch` answering from a script, one answer per call, recording what was asked. */
const script = (answers: Answer[]) => {
  const asked: { url: string; headers: Record<string, string> }[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    asked.push({ url, headers: init.headers as Record<string, string> });
    const { status, body, stale } = answers.shift() ?? { status: 500, body: { detail: 'no answer scripted' } };
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...(stale ? { 'x-read-model-stale': 'true' } : {}) },
    });
  });
  return asked;
};

beforeEach(() => {
  vi.useFakeTimers();
  sessionStorage.clear();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('reading one’s own writes', () => {
  it('asks again while a read model has nothing to show yet (a stale 503), with the write’s token, until it has', async () => {
    const asked = script([
      { status: 201, body: { consistencyToken: '00000000000000000042-00000000000000000001' } },
      { status: 503, body: { title: 'Service Unavailable', stale: true } },
      { status: 503, body: { title: 'Service Unavailable', stale: true } },
      { status: 200, body: { bookingId: 'b1' } },
    ]);
    await post('command', '/bookings', {});
    const answer = get<{ bookingId: string }>('query', '/bookings/b1');
    await vi.runAllTimersAsync();
    expect(await answer).toEqual({ bookingId: 'b1' });
    expect(asked.map((call) => call.url)).toEqual(['/api/command/bookings', '/api/query/bookings/b1', '/api/query/bookings/b1', '/api/query/bookings/b1']);
    expect(asked.slice(1).every((call) => call.headers['x-consistency-token'] === '00000000000000000042-00000000000000000001')).toBe(true);
  });

  it('gives a stale answer at once, marked stale for the load that asked, and gives up on a stale 503 after a bounded number of tries', async () => {
    const asked = script([
      { status: 200, body: { free: 1 }, stale: true },
      { status: 200, body: { free: 0 } },
    ]);
    const load = new AbortController();
    expect(await get('query', '/listings/l1/availability', { signal: load.signal })).toEqual({ free: 1 });
    expect(asked).toHaveLength(1);
    expect(answeredStale(load.signal)).toBe(true);
    forgetStale(load.signal);
    expect(await get('query', '/listings/l1/availability', { signal: load.signal })).toEqual({ free: 0 });
    expect(answeredStale(load.signal)).toBe(false);

    script(Array.from({ length: STALE_RETRY_DELAYS_MS.length + 1 }, () => ({ status: 503, body: { detail: 'not caught up', stale: true } })));
    const missing = get('query', '/bookings/b1').catch((error: unknown) => error);
    await vi.runAllTimersAsync();
    const error = await missing;
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
  });

  it('never repeats a command, nor a read that is not stale, and stops waiting when the reader leaves', async () => {
    const asked = script([{ status: 503, body: { detail: 'busy', stale: true } }]);
    await expect(post('command', '/bookings', {})).rejects.toBeInstanceOf(ApiError);
    expect(asked).toHaveLength(1);

    script([{ status: 200, body: { items: [] } }]);
    expect(await get('query', '/host/listings')).toEqual({ items: [] });

    const waiting = script([{ status: 503, body: { detail: 'not caught up', stale: true } }]);
    const controller = new AbortController();
    const left = get('query', '/bookings/b1', { signal: controller.signal }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    controller.abort();
    await vi.runAllTimersAsync();
    expect(await left).toBeInstanceOf(DOMException);
    expect(waiting).toHaveLength(1);
  });
});
