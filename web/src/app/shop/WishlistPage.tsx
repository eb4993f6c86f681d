import { useState } from 'react';
import { Link } from 'react-router';
import { del, formatMoney, get, post } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { AsyncList, ErrorMessage } from '../shared/ui.tsx';
import type { ProductSummary } from './types.ts';

type Wishlist = { items: { productId: string; product: ProductSummary | null }[] };

export const WishlistPage = () => {
  const wishlist = useResource('wishlist', (signal) => get<Wishlist>('query', '/me/wishlist', { signal }));
  const [error, setError] = useState<unknown>(null);
  const act = async (run: () => Promise<unknown>) => {
    setError(null);
    try {
      await run();
      wishlist.reload();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <section>
      <h1>Wishlist</h1>
      {error ? <ErrorMessage error={error} title="Could not change the wishlist" /> : null}
      <AsyncList resource={wishlist} what="the wishlist" empty="Nothing kept yet." items={(data: Wishlist) => data.items}>
        {(items) => (
          <ul className="trips">
            {items.map((item) => (
              <li key={item.productId} className="card">
                <Link to={`/shop/products/${item.productId}`}>{item.product?.name ?? item.productId}</Link> · {formatMoney(item.product?.price)}
                <div className="actions">
                  <button type="button" onClick={() => act(() => post('command', `/me/wishlist/${item.productId}/move-to-cart`, { quantity: 1 }))}>
                    Move to cart
                  </button>
                  <button type="button" className="secondary" onClick={() => act(() => del('command', `/me/wishlist/${item.productId}`))}>
                    Remove
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </AsyncList>
    </section>
  );
};
