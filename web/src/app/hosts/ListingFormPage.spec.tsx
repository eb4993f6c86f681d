// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import axe from 'axe-core';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ListingDetails } from '../guests/types.ts';
import { saveSession } from '../shared/api.ts';
import { ListingFormPage } from './ListingFormPage.tsx';
import { draftQueue } from './queue.ts';

type UnitType = NonNullable<ListingDetails['unitTypes']>[number];
const room = (unitTypeId: string, name: string, count: number, amount: number): UnitType => ({
  unitTypeId,
  name,
  count,
  capacity: 2,
  price: { amount, currency: 'EUR' },
});

/** The command and query APIs for one hotel listing: If-Match checked, every PUT's body recorded. */
const hotelServer = () => {
  const server = {
    revision: 3,
    details: {
      title: 'Harbour Inn',
      currency: 'EUR',
      unitTypes: [room('l1.double', 'Double', 8, 9_000), room('l1.suite', 'Suite', 2, 21_000)],
    } as ListingDetails,
    puts: [] as ListingDetails[],
  };
  vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
    const url = new URL(input, 'http://localhost');
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' } });
    if (url.pathname === '/api/query/host/listings/l1')
      return json(200, { listingId: 'l1', kind: 'hotel', status: 'draft', details: server.details, revision: server.revision });
    if (url.pathname === '/api/command/listings/l1' && init.method === 'PUT') {
      if ((init.headers as Record<string, string>)['if-match'] !== `"${server.revision}"`)
        return json(412, { status: 412, detail: 'changed since', currentRevision: server.revision });
      const changes = JSON.parse(String(init.body)) as ListingDetails;
      server.puts.push(changes);
      server.details = { ...server.details, ...changes };
      return json(200, { listingId: 'l1', revision: ++server.revision });
    }
    return json(404, { status: 404, detail: `no ${url.pathname}` });
  });
  return server;
};

const open = (draftId: string) =>
  render(
    <MemoryRouter initialEntries={[`/host/listings/${draftId}`]}>
      <Routes>
        <Route path="/host/listings/:draftId" element={<ListingFormPage />} />
      </Routes>
    </MemoryRouter>,
  );
const type = (group: HTMLElement, label: string, value: string) => fireEvent.change(within(group).getByLabelText(label), { target: { value } });
const lastPut = (server: ReturnType<typeof hotelServer>) => server.puts[server.puts.length - 1];
const names = (details: ListingDetails | undefined) => details?.unitTypes?.map((u) => `${u.unitTypeId}:${u.name}:${u.count}:${u.price.amount}`);

beforeEach(() => saveSession({ userId: 'h1', role: 'host', token: 't', email: 'h@example.com' }));
afterEach(async () => {
  cleanup();
  // Leaving the form sends what is pending: let that finish before the storage goes.
  await Promise.all(draftQueue.all().map((draft) => draftQueue.sync(draft.draftId)));
  vi.unstubAllGlobals();
  localStorage.clear();
});

describe('the listing form of a hotel', () => {
  it('shows every room type; a second one is edited, one added and one removed, each saved as typed', async () => {
    const server = hotelServer();
    const draft = draftQueue.adopt({ listingId: 'l1', kind: 'hotel', status: 'draft', details: server.details, revision: 3 });
    const { container } = open(draft.draftId);
    fireEvent.click(screen.getByRole('button', { name: '4. Units and prices' }));
    const second = screen.getByRole('group', { name: 'Room type 2' });
    expect((within(second).getByLabelText('Room type') as HTMLInputElement).value).toBe('Suite');
    expect((within(screen.getByRole('group', { name: 'Room type 1' })).getByLabelText('Price per night') as HTMLInputElement).value).toBe('90');
    const { violations } = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    expect(violations.map((v) => v.id)).toEqual([]);

    type(second, 'Price per night', '240');
    await waitFor(() => expect(names(lastPut(server))).toEqual(['double:Double:8:9000', 'suite:Suite:2:24000']), { timeout: 3000 });
    await screen.findByText('All changes saved');

    fireEvent.click(screen.getByRole('button', { name: 'Add a room type' }));
    const third = screen.getByRole('group', { name: 'Room type 3' });
    type(third, 'Room type', 'Terrace');
    type(third, 'Number of rooms', '3');
    type(third, 'Price per night', '130');
    await waitFor(() => expect(names(lastPut(server))?.[2]).toMatch(/^type-.+:Terrace:3:13000$/), { timeout: 3000 });

    fireEvent.click(screen.getByRole('button', { name: 'Remove room type 1 (Double)' }));
    await waitFor(() => expect(names(lastPut(server))?.map((n) => n.split(':')[1])).toEqual(['Suite', 'Terrace']), { timeout: 3000 });
    expect(screen.queryByRole('group', { name: 'Room type 3' })).toBeNull();
    expect((within(screen.getByRole('group', { name: 'Room type 1' })).getByLabelText('Room type') as HTMLInputElement).value).toBe('Suite');
  });

  it('shows both values of a room type price changed in another browser meanwhile, and keeps the host’s on request', async () => {
    const server = hotelServer();
    const draft = draftQueue.adopt({ listingId: 'l1', kind: 'hotel', status: 'draft', details: server.details, revision: 3 });
    // Another browser reprices the suite.
    server.details = { ...server.details, unitTypes: [room('l1.double', 'Double', 8, 9_000), room('l1.suite', 'Suite', 2, 25_000)] };
    server.revision = 4;
    draftQueue.edit(draft.draftId, { units: draftQueue.get(draft.draftId)!.form.units.map((u) => (u.key === 'suite' ? { ...u, price: '199' } : u)) });
    open(draft.draftId);
    const clash = await screen.findByRole('alert', {}, { timeout: 3000 });
    expect(clash.textContent).toContain('Unit type “Suite”: price');
    expect(clash.textContent).toContain('Yours: “199” · saved: “250”'.replace(/[“”]/g, ''));
    expect(screen.getByTestId('sync-status').textContent).toContain('Unit type “Suite”: price');
    fireEvent.click(within(clash).getByRole('button', { name: 'Keep mine' }));
    await waitFor(() => expect(names(lastPut(server))).toEqual(['double:Double:8:9000', 'suite:Suite:2:19900']), { timeout: 3000 });
  });
});
