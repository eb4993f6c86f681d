import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { formatMoney, get, put } from '../shared/api.ts';
import { useAuth } from '../shared/auth.tsx';
import { useResource } from '../shared/resource.ts';
import { ErrorMessage, Field, Loading } from '../shared/ui.tsx';
import type { ProductView } from './types.ts';

export const ProductPage = () => {
  const { id = '' } = useParams();
  const { session } = useAuth();
  const product = useResource(id, (signal) => get<ProductView>('query', `/products/${id}`, { signal }));
  const [quantity, setQuantity] = useState(1);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (product.state === 'loading' || product.state === 'idle') return <Loading what="the product" />;
  if (product.state === 'error') return <ErrorMessage error={product.error} title="Could not load the product" />;
  const p = product.data;
  const act = async (what: 'cart' | 'wishlist') => {
    setError(null);
    setMessage(null);
    try {
      if (what === 'cart') {
        await put('command', '/carts/me/items', { productId: id, quantity });
        setMessage(`${quantity} in your cart.`);
      } else {
        await put('command', `/me/wishlist/${id}`, {});
        setMessage('Kept on your wishlist.');
      }
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <article>
      <h1>{p.name}</h1>
      <p className="muted">
        {p.category} · SKU {p.sku}
      </p>
      <div className="photos">
        {p.images.slice(0, 4).map((src, i) => (
          <img key={src} src={src} alt={`${p.name}, view ${i + 1}`} />
        ))}
      </div>
      <p className="prose">{p.description}</p>
      <dl className="attributes">
        {Object.entries(p.attributes).map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{String(value)}</dd>
          </div>
        ))}
      </dl>
      <p>
        <strong>{formatMoney(p.price)}</strong> ·{' '}
        <span className={p.stock.inStock ? 'ok' : 'error-text'}>{p.stock.inStock ? `${p.stock.available} in stock` : 'Out of stock'}</span> · delivers in{' '}
        {p.shipping.deliveryDays} days to postal codes starting {p.shipping.postalPrefixes.join(', ') || '(anywhere)'}
      </p>
      {session ? (
        <div className="actions">
          <Field label="Quantity">
            <input type="number" min={1} value={quantity} onChange={(e) => setQuantity(Number(e.target.value))} />
          </Field>
          <button type="button" onClick={() => act('cart')} disabled={!p.stock.inStock || p.status !== 'active'}>
            Add to cart
          </button>
          <button type="button" className="secondary" onClick={() => act('wishlist')}>
            Add to wishlist
          </button>
        </div>
      ) : (
        <p>
          <Link to="/sign-in">Sign in</Link> to buy.
        </p>
      )}
      {message && (
        <p role="status" className="notice">
          {message} <Link to="/shop/cart">Go to the cart</Link>
        </p>
      )}
      {error ? <ErrorMessage error={error} title="Could not do that" /> : null}
    </article>
  );
};
