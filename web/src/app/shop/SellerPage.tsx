import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { formatMoney, get, newIdempotencyKey, post, queryString } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { AsyncList, ErrorMessage, Field, formatDate, StatusBadge } from '../shared/ui.tsx';
import type { ProductView } from './types.ts';

/** Receives stock; the receipt id is the delivery note's, so the same delivery sent twice counts once. */
const ReceiveStock = ({ product, onDone }: { product: ProductView; onDone: () => void }) => {
  const [error, setError] = useState<unknown>(null);
  // A delivery without a note is counted once however often the button is pressed for it.
  const [key, setKey] = useState(newIdempotencyKey);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const element = event.currentTarget;
    const form = new FormData(element);
    const receiptId = String(form.get('receiptId')).trim();
    setError(null);
    try {
      await post(
        'command',
        `/products/${product.productId}/stock`,
        { quantity: Number(form.get('quantity')), ...(receiptId ? { receiptId } : {}) },
        { idempotencyKey: key },
      );
      setKey(newIdempotencyKey());
      element.reset();
      onDone();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form onSubmit={submit} aria-label={`Receive stock of ${product.name}`} className="inline">
      <Field label="Quantity received">
        <input name="quantity" type="number" min={1} required />
      </Field>
      <Field label="Delivery note id">
        <input name="receiptId" pattern="[A-Za-z0-9_.:\-]{1,200}" />
      </Field>
      <button type="submit">Receive</button>
      {error ? <ErrorMessage error={error} title="Could not receive stock" /> : null}
    </form>
  );
};

const NewProduct = ({ onCreated }: { onCreated: () => void }) => {
  const [error, setError] = useState<unknown>(null);
  const [key, setKey] = useState(newIdempotencyKey);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const attributes = Object.fromEntries(
      String(form.get('attributes'))
        .split(',')
        .map((pair) => pair.split('=').map((part) => part.trim()))
        .filter((pair) => pair.length === 2 && pair[0] && pair[1]),
    );
    const body = {
      sku: String(form.get('sku')),
      name: String(form.get('name')),
      description: String(form.get('description')),
      category: String(form.get('category')),
      attributes,
      price: { amount: Math.round(Number(form.get('price')) * 100), currency: String(form.get('currency')) },
      shipping: {
        postalPrefixes: String(form.get('postalPrefixes'))
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
        deliveryDays: Number(form.get('deliveryDays')),
      },
    };
    setError(null);
    try {
      await post('command', '/products', body, { idempotencyKey: key });
      setKey(newIdempotencyKey());
      onCreated();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form onSubmit={submit} aria-label="New product" className="panel grid-form">
      <h2>New product</h2>
      <Field label="SKU">
        <input name="sku" required />
      </Field>
      <Field label="Name">
        <input name="name" required />
      </Field>
      <Field label="Category">
        <input name="category" required />
      </Field>
      <Field label="Description">
        <textarea name="description" rows={2} />
      </Field>
      <Field label="Attributes" hint="e.g. color=red, size=M">
        <input name="attributes" />
      </Field>
      <Field label="Price">
        <input name="price" type="number" min={0.01} step="0.01" required />
      </Field>
      <Field label="Currency">
        <input name="currency" defaultValue="EUR" required maxLength={3} />
      </Field>
      <Field label="Delivers to postal codes starting" hint="comma-separated prefixes">
        <input name="postalPrefixes" required />
      </Field>
      <Field label="Delivery days">
        <input name="deliveryDays" type="number" min={1} max={60} defaultValue={3} required />
      </Field>
      {error ? <ErrorMessage error={error} title="Could not list the product" /> : null}
      <button type="submit">List product</button>
    </form>
  );
};

/** One delivery of stock into a product (a row of `GET /seller/stock-receipts`). */
type StockReceipt = {
  productId: string;
  sku: string;
  receiptId: string;
  quantity: number;
  receivedAt: string;
  receivedBy: 'seller' | 'operator' | 'unknown';
};

const RECEIPTS_PER_PAGE = 10;
const RECORDED_BY = { seller: 'you', operator: 'an operator', unknown: '—' } as const;

/** A product's past deliveries, newest first, a page at a time; `version` changes when a new one was received. */
const StockReceipts = ({ product, version }: { product: ProductView; version: number }) => {
  const [page, setPage] = useState(1);
  const path = `/seller/stock-receipts${queryString({ productId: product.productId, page, pageSize: RECEIPTS_PER_PAGE })}`;
  const receipts = useResource(`${path}#${version}`, (signal) => get<Page<StockReceipt>>('query', path, { signal }));
  return (
    <div id={`receipts-${product.productId}`}>
      <AsyncList resource={receipts} what={`stock receipts of ${product.name}`} empty="No stock received yet." items={(data: Page<StockReceipt>) => data.items}>
        {(items) => (
          <table className="table">
            <caption>Stock receipts of {product.name}</caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Quantity</th>
                <th scope="col">Delivery note</th>
                <th scope="col">Recorded by</th>
              </tr>
            </thead>
            <tbody>
              {items.map((receipt) => (
                <tr key={receipt.receiptId}>
                  <td>{formatDate(receipt.receivedAt)}</td>
                  <td>{receipt.quantity}</td>
                  <td>{receipt.receiptId}</td>
                  <td>{RECORDED_BY[receipt.receivedBy]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </AsyncList>
      {page > 1 || receipts.data?.hasMore ? (
        <p className="inline">
          <button type="button" className="secondary" disabled={page === 1} onClick={() => setPage(page - 1)}>
            Newer receipts
          </button>
          <button type="button" className="secondary" disabled={!receipts.data?.hasMore} onClick={() => setPage(page + 1)}>
            Older receipts
          </button>
        </p>
      ) : null}
    </div>
  );
};

/** A product with its stock, the form to receive more, and (on demand) the deliveries received so far. */
const ProductCard = ({ product, onReceived }: { product: ProductView; onReceived: () => void }) => {
  const [showReceipts, setShowReceipts] = useState(false);
  const [received, setReceived] = useState(0);
  return (
    <li className="card" aria-label={product.name}>
      <h3>
        <Link to={`/shop/products/${product.productId}`}>{product.name}</Link> {product.status !== 'active' && <StatusBadge status={product.status} />}
      </h3>
      <p>
        {product.sku} · {formatMoney(product.price)} · on hand {product.stock.onHand}, held {product.stock.reserved}, available {product.stock.available}
      </p>
      <ReceiveStock
        product={product}
        onDone={() => {
          setReceived((n) => n + 1);
          setShowReceipts(true);
          onReceived();
        }}
      />
      <p>
        <button
          type="button"
          className="link"
          aria-expanded={showReceipts}
          aria-controls={`receipts-${product.productId}`}
          onClick={() => setShowReceipts(!showReceipts)}
        >
          {showReceipts ? 'Hide' : 'Show'} stock receipts<span className="sr-only"> of {product.name}</span>
        </button>
      </p>
      {showReceipts ? <StockReceipts product={product} version={received} /> : null}
    </li>
  );
};

/** One order as this seller packs it (a row of `GET /seller/orders`). */
export type SellerOrder = {
  orderId: string;
  status: string;
  lines: { productId: string; sku: string; name: string; quantity: number }[];
  wholeOrder: boolean;
  shippingPostalCode: string;
  shipment?: { carrier?: string; tracking?: string; shippedAt: string };
  deliveredAt?: string;
  placedAt: string;
};
type Page<T> = { items: T[]; hasMore: boolean };

const ShipForm = ({ order, onDone }: { order: SellerOrder; onDone: () => void }) => {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    setError(null);
    setBusy(true);
    try {
      await post('command', `/orders/${order.orderId}/ship`, { carrier: text('carrier'), tracking: text('tracking') });
      onDone();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label={`Ship order ${order.orderId.slice(-8)}`} className="inline">
      <Field label="Carrier">
        <input name="carrier" maxLength={100} />
      </Field>
      <Field label="Tracking number">
        <input name="tracking" maxLength={200} />
      </Field>
      <button type="submit" disabled={busy}>
        Mark shipped
      </button>
      {error ? <ErrorMessage error={error} title="Could not ship" /> : null}
    </form>
  );
};

const DeliverButton = ({ order, onDone }: { order: SellerOrder; onDone: () => void }) => {
  const [error, setError] = useState<unknown>(null);
  return (
    <p className="inline">
      <button
        type="button"
        onClick={async () => {
          setError(null);
          try {
            await post('command', `/orders/${order.orderId}/deliver`, {});
            onDone();
          } catch (caught) {
            setError(caught);
          }
        }}
      >
        Mark order {order.orderId.slice(-8)} delivered
      </button>
      {error ? <ErrorMessage error={error} title="Could not mark delivered" /> : null}
    </p>
  );
};

const ORDER_FILTERS = [
  ['confirmed', 'To ship (paid)'],
  ['shipped', 'Shipped'],
  ['delivered', 'Delivered'],
  ['', 'All'],
] as const;

/** The seller's orders to ship: what to pack, to which postal code; shipped and delivered from here. */
const OrdersToShip = () => {
  const [status, setStatus] = useState<string>('confirmed');
  const path = `/seller/orders${queryString({ status, pageSize: 50 })}`;
  const orders = useResource(path, (signal) => get<Page<SellerOrder>>('query', path, { signal }));
  return (
    <section aria-labelledby="orders-to-ship">
      <h2 id="orders-to-ship">Orders</h2>
      <form aria-label="Filter orders" className="inline" onSubmit={(event) => event.preventDefault()}>
        <Field label="Show">
          <select value={status} onChange={(event) => setStatus(event.target.value)}>
            {ORDER_FILTERS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <button type="button" className="secondary" onClick={orders.reload}>
          Refresh
        </button>
      </form>
      <AsyncList
        resource={orders}
        what="your orders"
        empty={status === 'confirmed' ? 'Nothing to ship: no paid orders are waiting.' : 'No orders here yet.'}
        items={(data: Page<SellerOrder>) => data.items}
      >
        {(items) => (
          <ul className="trips" aria-label="Seller orders">
            {items.map((order) => (
              <li key={order.orderId} className="card" aria-label={`Order ${order.orderId.slice(-8)}`}>
                <h3>
                  Order {order.orderId.slice(-8)} <StatusBadge status={order.status} />
                </h3>
                <p className="muted">
                  Placed {formatDate(order.placedAt)} · ship to postal code <strong>{order.shippingPostalCode}</strong>
                  {order.shipment
                    ? ` · shipped ${formatDate(order.shipment.shippedAt)}${order.shipment.carrier ? ` with ${order.shipment.carrier}` : ''}${order.shipment.tracking ? ` (${order.shipment.tracking})` : ''}`
                    : ''}
                  {order.deliveredAt ? ` · delivered ${formatDate(order.deliveredAt)}` : ''}
                </p>
                <ul>
                  {order.lines.map((line) => (
                    <li key={line.productId}>
                      {line.quantity} × {line.name} <span className="muted">({line.sku})</span>
                    </li>
                  ))}
                </ul>
                {!order.wholeOrder ? (
                  <p className="muted">Other sellers’ items are in this order too: an operator ships it.</p>
                ) : order.status === 'confirmed' ? (
                  <ShipForm order={order} onDone={orders.reload} />
                ) : order.status === 'shipped' ? (
                  <DeliverButton order={order} onDone={orders.reload} />
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </AsyncList>
    </section>
  );
};

export const SellerPage = () => {
  const products = useResource('/seller/products', (signal) => get<Page<ProductView>>('query', '/seller/products?pageSize=100', { signal }));
  return (
    <section>
      <h1>Selling</h1>
      <OrdersToShip />
      <h2>My products</h2>
      <AsyncList resource={products} what="your products" empty="No products yet: list one below." items={(data: Page<ProductView>) => data.items}>
        {(items) => (
          <ul className="trips" aria-label="My products">
            {items.map((p) => (
              <ProductCard key={p.productId} product={p} onReceived={products.reload} />
            ))}
          </ul>
        )}
      </AsyncList>
      <NewProduct onCreated={products.reload} />
    </section>
  );
};
