// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import axe from 'axe-core';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SellerPage, type SellerOrder } from './SellerPage.tsx';
import { serve } from '../testing/fake-api.ts';

const order = (orderId: string, status: string, wholeOrder = true): SellerOrder => ({
  orderId,
  status,
  lines: [{ productId: 'p1', sku: 'LAMP-1', name: 'Desk lamp', quantity: 2 }],
  wholeOrder,
  shippingPostalCode: '10115',
  placedAt: '2026-05-01T10:00:00.000Z',
  ...(status === 'shipped' ? { shipment: { carrier: 'DHL', tracking: 'JD014', shippedAt: '2026-05-02T10:00:00.000Z' } } : {}),
});
const product = {
  productId: 'p1',
  sellerId: 's1',
  sku: 'LAMP-1',
  name: 'Desk lamp',
  description: '',
  category: 'home',
  attributes: {},
  images: [],
  price: { amount: 2_500, currency: 'EUR' },
  shipping: { postalPrefixes: ['10'], deliveryDays: 2 },
  status: 'active',
  stock: { onHand: 8, reserved: 2, available: 6, inStock: true },
  createdAt: '',
  updatedAt: '',
};
const page = (items: unknown[]) => ({ status: 200, body: { items, page: 1, pageSize: 50, hasMore: false, stale: false } });
const show = () =>
  render(
    <MemoryRouter>
      <SellerPage />
    </MemoryRouter>,
  );

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("a seller's page", () => {
  it('lists paid orders to ship with what to pack and where, ships one, and lists the products with their stock', async () => {
    let shipped = false;
    const urls = serve((url) => {
      if (url.pathname.endsWith('/ship')) {
        shipped = true;
        return { status: 200, body: { orderId: 'order-00000001', status: 'shipped' } };
      }
      if (url.pathname === '/api/query/seller/products') return page([product]);
      return page(
        url.searchParams.get('status') === 'confirmed' && !shipped ? [order('order-00000001', 'confirmed'), order('order-00000002', 'confirmed', false)] : [],
      );
    });
    const { container } = show();
    const orders = await screen.findByRole('list', { name: 'Seller orders' });
    const first = within(orders).getByRole('listitem', { name: 'Order 00000001' });
    expect(first.textContent).toContain('ship to postal code 10115');
    expect(first.textContent).toContain('2 × Desk lamp');
    expect(within(orders).getByRole('listitem', { name: 'Order 00000002' }).textContent).toContain('an operator ships it');
    expect((await screen.findByRole('list', { name: 'My products' })).textContent).toContain('on hand 8, held 2, available 6');
    const { violations } = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    expect(violations.map((v) => v.id)).toEqual([]);

    const form = screen.getByRole('form', { name: 'Ship order 00000001' });
    fireEvent.change(within(form).getByLabelText('Carrier'), { target: { value: 'DHL' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Mark shipped' }));
    await screen.findByText('Nothing to ship: no paid orders are waiting.');
    expect(urls.some((url) => url.pathname === '/api/command/orders/order-00000001/ship')).toBe(true);
  });

  it("shows a product's stock receipts on demand, and receiving stock records one and shows it", async () => {
    const receipts = [
      { productId: 'p1', sku: 'LAMP-1', receiptId: 'DN-7', quantity: 6, receivedAt: '2026-05-03T10:00:00.000Z', receivedBy: 'operator' },
      { productId: 'p1', sku: 'LAMP-1', receiptId: 'DN-5', quantity: 2, receivedAt: '2026-05-01T10:00:00.000Z', receivedBy: 'seller' },
    ];
    let received = false;
    const urls = serve((url) => {
      if (url.pathname === '/api/command/products/p1/stock') {
        received = true;
        return { status: 201, body: { productId: 'p1', onHand: 9 } };
      }
      if (url.pathname === '/api/query/seller/products') return page([product]);
      if (url.pathname === '/api/query/seller/stock-receipts')
        return page(received ? [{ ...receipts[0], receiptId: 'DN-9', quantity: 1, receivedBy: 'seller' }, ...receipts] : receipts);
      return page([]);
    });
    const { container } = show();
    const card = await screen.findByRole('listitem', { name: 'Desk lamp' });
    const toggle = within(card).getByRole('button', { name: 'Show stock receipts of Desk lamp' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(toggle);
    const table = await within(card).findByRole('table', { name: 'Stock receipts of Desk lamp' });
    const rows = within(table)
      .getAllByRole('row')
      .map((row) => row.textContent);
    expect(rows.slice(1)).toEqual([expect.stringMatching(/6DN-7an operator$/), expect.stringMatching(/2DN-5you$/)]);
    expect(urls.find((url) => url.pathname === '/api/query/seller/stock-receipts')?.searchParams.get('productId')).toBe('p1');
    const { violations } = await axe.run(container, { rules: { 'color-contrast': { enabled: false } } });
    expect(violations.map((v) => v.id)).toEqual([]);

    const form = within(card).getByRole('form', { name: 'Receive stock of Desk lamp' });
    fireEvent.change(within(form).getByLabelText('Quantity received'), { target: { value: '1' } });
    fireEvent.change(within(form).getByLabelText('Delivery note id'), { target: { value: 'DN-9' } });
    fireEvent.submit(form);
    await waitFor(() => expect(within(card).getAllByRole('row')[1]!.textContent).toMatch(/1DN-9you$/));
  });

  it('says when a product has no receipts yet, and why they could not be loaded', async () => {
    let fail = false;
    serve((url) => {
      if (url.pathname === '/api/query/seller/products') return page([product]);
      if (url.pathname === '/api/query/seller/stock-receipts')
        return fail ? { status: 503, body: { status: 503, title: 'Service Unavailable', detail: 'The stock receipts are catching up' } } : page([]);
      return page([]);
    });
    show();
    const card = await screen.findByRole('listitem', { name: 'Desk lamp' });
    fireEvent.click(within(card).getByRole('button', { name: 'Show stock receipts of Desk lamp' }));
    await within(card).findByText('No stock received yet.');
    fireEvent.click(within(card).getByRole('button', { name: 'Hide stock receipts of Desk lamp' }));
    fail = true;
    fireEvent.click(within(card).getByRole('button', { name: 'Show stock receipts of Desk lamp' }));
    expect((await within(card).findByRole('alert')).textContent).toContain('The stock receipts are catching up');
    expect(within(card).getByRole('button', { name: 'Try again' })).toBeTruthy();
  });

  it('shows shipped orders with their carrier, and why a load failed', async () => {
    serve((url) =>
      url.pathname === '/api/query/seller/orders'
        ? url.searchParams.get('status') === 'shipped'
          ? page([order('order-00000003', 'shipped')])
          : { status: 503, body: { status: 503, title: 'Service Unavailable', detail: 'The order read model is catching up' } }
        : page([]),
    );
    show();
    expect((await screen.findByRole('alert')).textContent).toContain('The order read model is catching up');
    expect(await screen.findByText('No products yet: list one below.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Show'), { target: { value: 'shipped' } });
    await waitFor(() => expect(screen.getByRole('listitem', { name: 'Order 00000003' }).textContent).toContain('with DHL (JD014)'));
    expect(screen.getByRole('button', { name: 'Mark order 00000003 delivered' })).toBeTruthy();
  });
});
