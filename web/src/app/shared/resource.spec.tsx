// @vitest-environment happy-dom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { get } from './api.ts';
import { STALE_REFRESH_DELAYS_MS, useResource } from './resource.ts';

type Answer = { free: number; stale?: boolean };

/** `fetch` answering each availability read from a script (the last answer repeats), counting reads. */
const script = (answers: Answer[]) => {
  let reads = 0;
  vi.stubGlobal('fetch', async () => {
    const { free, stale } = answers[Math.min(reads++, answers.length - 1)]!;
    return new Response(JSON.stringify({ free, stale: Boolean(stale) }), {
      status: 200,
      headers: { 'content-type': 'application/json', ...(stale ? { 'x-read-model-stale': 'true' } : {}) },
    });
  });
  return () => reads;
};

const Free = () => {
  const availability = useResource('l1', (signal) => get<Answer>('query', '/listings/l1/availability', { signal }));
  return <p>{availability.state === 'ok' ? `${availability.data.free} free` : availability.state}</p>;
};

beforeEach(() => {
  vi.useFakeTimers();
  sessionStorage.clear();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('a resource whose answer is stale', () => {
  it('shows the stale answer at once and refreshes it in the background until it is current', async () => {
    const reads = script([{ free: 1, stale: true }, { free: 1, stale: true }, { free: 0 }]);
    render(<Free />);
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(screen.getByText('1 free')).toBeTruthy();
    await act(() => vi.runAllTimersAsync());
    expect(screen.getByText('0 free')).toBeTruthy();
    expect(reads()).toBe(3);
  });

  it('stops refreshing after a bounded number of tries, the last answer still shown', async () => {
    const reads = script([{ free: 1, stale: true }]);
    render(<Free />);
    await act(() => vi.runAllTimersAsync());
    expect(screen.getByText('1 free')).toBeTruthy();
    expect(reads()).toBe(STALE_REFRESH_DELAYS_MS.length + 1);
  });

  it('does not refresh a current answer, nor after the page left', async () => {
    const current = script([{ free: 2 }]);
    const { unmount } = render(<Free />);
    await act(() => vi.runAllTimersAsync());
    expect(screen.getByText('2 free')).toBeTruthy();
    expect(current()).toBe(1);
    unmount();

    const stale = script([{ free: 1, stale: true }]);
    const page = render(<Free />);
    await act(() => vi.advanceTimersByTimeAsync(0));
    page.unmount();
    await act(() => vi.runAllTimersAsync());
    expect(stale()).toBe(1);
  });
});
