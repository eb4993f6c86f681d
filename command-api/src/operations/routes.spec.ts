import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandApiSpec, expectRefused, type CommandApiSpec, type Refusal } from '../testing/http-spec.ts';

describe('operations routes', () => {
  let api: CommandApiSpec;
  let admin: string;
  let host: string;
  beforeAll(async () => {
    api = await commandApiSpec();
    admin = await api.tokenFor('admin', 'ops-1');
    host = await api.tokenFor('host', 'host-1');
  });
  afterAll(() => api?.close());

  it('lists parked tasks to an operator (none here) and appends nothing', async () => {
    const reply = await api.request('GET', '/admin/parked-tasks?limit=10', { token: admin });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toEqual({ items: [] });
    expect(await api.appended()).toEqual([]);
  });

  describe('refusals change nothing', () => {
    const cases: Refusal[] = [
      { name: 'no token', method: 'GET', path: '/admin/parked-tasks', token: () => undefined, status: 401 },
      { name: 'a host', method: 'GET', path: '/admin/parked-tasks', token: () => host, status: 403 },
      { name: 'a limit of zero', method: 'GET', path: '/admin/parked-tasks?limit=0', status: 400, fields: ['limit'] },
      { name: 'an unknown query parameter', method: 'GET', path: '/admin/parked-tasks?sort=age', status: 400, fields: ['sort'] },
      { name: 'retrying a task that is not parked', path: '/admin/parked-tasks/t-none/retry', status: 404 },
      { name: 'a host retrying', path: '/admin/parked-tasks/t-none/retry', token: () => host, status: 403 },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefused(api, refusal, admin));
  });
});
