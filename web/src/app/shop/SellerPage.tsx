import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { formatMoney, get, newIdempotencyKey, post } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { AsyncList, ErrorMessage, Field } from '../shared/ui.tsx';
import type { ProductView } from './types.ts';

const KEY = 'stayhub.seller.products';
const remembered = (): string[] => JSON.parse(localStorage.getItem(KEY) ?? '[]') as string[];
const remember = (productId: string) => localStorage.setItem(KEY, JSON.stringify([productId, ...remembered().filter((id) => id !== productId)]));

/** Receives stock; the receipt id is the delivery note's, so the same delivery sent twice counts once. */
const ReceiveStock = ({ product, onDone }: { product: ProductView; onDone: () => void }) => {
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const receiptId = String(form.get('receiptId')).trim();
    setError(null);
    try {
      await post('command', `/products/${product.productId}/stock`, { quantity: Number(form.get('quantity')), ...(receiptId ? { receiptId } : {}) });
      event.currentTarget?.reset();
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

const NewProduct = ({ onCreated }: { onCreated: (productId: string) => void }) => {
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
      shipping: { postalPrefixes: String(form.get('postalPrefixes')).split(',').map((p) => p.trim()).filter(Boolean), deliveryDays: Number(form.get('deliveryDays')) },
    };
    setError(null);
    try {
      const created = await post<{ productId: string }>('command', '/products', body, { idempotencyKey: key });
      remember(created.productId);
      setKey(newIdempotencyKey());
      onCreated(created.productId);
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

const ShipOrder = () => {
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const orderId = String(form.get('orderId')).trim();
    setError(null);
    setDone(null);
    try {
      await post('command', `/orders/${orderId}/ship`, { carrier: String(form.get('carrier')) || undefined, tracking: String(form.get('tracking')) || undefined });
      setDone(`Order ${orderId} marked shipped.`);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Ship an order" className="panel inline">
      <h2>Ship an order</h2>
      <Field label="Order id">
        <input name="orderId" required />
      </Field>
      <Field label="Carrier">
        <input name="carrier" />
      </Field>
      <Field label="Tracking">
        <input name="tracking" />
      </Field>
      <button type="submit">Mark shipped</button>
      {done && <p role="status">{done}</p>}
      {error ? <ErrorMessage error={error} title="Could not ship" /> : null}
    </form>
  );
};

export const SellerPage = () => {
  const [version, setVersion] = useState(0);
  const ids = remembered();
  const products = useResource(`seller/${ids.join(',')}/${version}`, (signal) => Promise.all(ids.map((id) => get<ProductView>('query', `/products/${id}`, { signal }))));
  return (
    <section>
      <h1>Selling</h1>
      <NewProduct onCreated={() => setVersion((v) => v + 1)} />
      <h2>My products</h2>
      <AsyncList resource={products} what="your products" empty="No products listed from this browser yet." items={(data: ProductView[]) => data}>
        {(items) => (
          <ul className="trips">
            {items.map((p) => (
              <li key={p.productId} className="card">
                <h3>
                  <Link to={`/shop/products/${p.productId}`}>{p.name}</Link>
                </h3>
                <p>
                  {formatMoney(p.price)} · on hand {p.stock.onHand}, held {p.stock.reserved}, available {p.stock.available}
                </p>
                <ReceiveStock product={p} onDone={() => setVersion((v) => v + 1)} />
              </li>
            ))}
          </ul>
        )}
      </AsyncList>
      <ShipOrder />
    </section>
  );
};
