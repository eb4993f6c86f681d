import { vi } from 'vitest';

/**
 * The APIs as a component sees them through `fetch`, for component specs: each call's URL is
 * recorded, and `reply` answers it (JSON, or problem+json from 400 on).
 */
export const serve = (reply: (url: URL) => { status: number; body: unknown }): URL[] => {
  const urls: URL[] = [];
  vi.stubGlobal('fetch', async (input: string) => {
    const url = new URL(input, 'http://localhost');
    urls.push(url);
    const { status, body } = reply(url);
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' } });
  });
  return urls;
};
