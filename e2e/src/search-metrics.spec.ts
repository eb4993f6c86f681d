import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.ts';
import { adminToken } from './fixtures.ts';

const OPERATOR = 'search-metrics-operator@example.com';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ settings: { ADMIN_EMAILS: OPERATOR } });
});
afterAll(async () => {
  await stack?.stop();
});

const count = (text: string, index: string, shape: string) =>
  Number(new RegExp(`^search_duration_seconds_count\\{index="${index}",shape="${shape.replace('+', '\\+')}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

describe('search metrics', () => {
  it('the query API times listing and product searches by index and shape, for an operator', async () => {
    const operator = await adminToken(stack, OPERATOR);
    const scrape = async () => {
      const metrics = await stack.query.get('/metrics', { token: operator });
      expect(metrics.status).toBe(200);
      return metrics.body as string;
    };
    const before = await scrape();
    expect((await stack.query.get('/listings/search?q=harbour&guests=2')).status).toBe(200);
    expect((await stack.query.get('/listings/search')).status).toBe(200);
    expect((await stack.query.get('/products/search?q=oled&category=tv')).status).toBe(200);
    const after = await scrape();
    for (const [index, shape] of [
      ['listings', 'text+filters'],
      ['listings', 'browse'],
      ['products', 'text+filters'],
    ] as const) {
      expect(count(after, index, shape) - count(before, index, shape), `${index} ${shape}`).toBe(1);
    }
  });
});
