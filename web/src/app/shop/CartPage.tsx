import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, del, formatMoney, get, newIdempotencyKey, post, put } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { AsyncList, ErrorMessage, Field } from '../shared/ui.tsx';
import type { Cart } from './types.ts';

const Checkout = ({ cart }: { cart: Cart }) => {
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(newIdempotencyKey);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const body = { fromCart: true, shippingPostalCode: String(form.get('postalCode')), paymentMethod: String(form.get('paymentMethod')) };
      const order = await post<{ orderId: string }>('command', '/checkout', body, { idempotencyKey: key });
      navigate(`/shop/orders/${order.orderId}`);
    } catch (caught) {
      setError(caught);
      // An order refused for stock exists (failed): show it rather than retrying into another one.
      if (caught instanceof ApiError && typeof caught.problem.orderId === 'string') setError(caught);
      setKey(newIdempotencyKey());
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Checkout" className="panel">
      <h2>Checkout</h2>
      <p>
        Subtotal: <strong>{formatMoney(cart.subtotal)}</strong> for {cart.itemCount} item(s)
      </p>
      <Field label="Postal code">
        <input name="postalCode" required minLength={2} maxLength={12} autoComplete="postal-code" />
      </Field>
      <Field label="Card token" hint="The simulated gateway: tok_visa pays, tok_declined declines">
        <input name="paymentMethod" required defaultValue="tok_visa" />
      </Field>
      {error ? <ErrorMessage error={error} title="Could not check out" /> : null}
      <button type="submit" disabled={busy}>
        Place order
      </button>
    </form>
  );
};

export const CartPage = () => {
  const cart = useResource('cart', (signal) => get<Cart>('query', '/carts/me', { signal }));
  const [error, setError] = useState<unknown>(null);
  const setQuantity = async (productId: string, quantity: number) => {
    setError(null);
    try {
      if (quantity > 0) await put('command', '/carts/me/items', { productId, quantity });
      else await del('command', `/carts/me/items/${productId}`);
      cart.reload();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <section>
      <h1>Cart</h1>
      {error ? <ErrorMessage error={error} title="Could not change the cart" /> : null}
      <AsyncList
        resource={cart}
        what="the cart"
        empty={
          <>
            Your cart is empty. <Link to="/shop">Find something in the shop.</Link>
          </>
        }
        items={(data: Cart) => data.lines}
      >
        {(lines) => (
          <>
            <table className="table">
              <caption className="sr-only">Cart lines</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col">Price</th>
                  <th scope="col">Quantity</th>
                  <th scope="col">Line</th>
                </tr>
              </thead>
              <tbody>
                {lines.map((line) => (
                  <tr key={line.productId}>
                    <td>
                      <Link to={`/shop/products/${line.productId}`}>{line.product?.name ?? line.productId}</Link>
                    </td>
                    <td>{formatMoney(line.product?.price)}</td>
                    <td>
                      <input
                        type="number"
                        min={0}
                        aria-label={`Quantity of ${line.product?.name ?? line.productId}`}
                        defaultValue={line.quantity}
                        onBlur={(e) => Number(e.target.value) !== line.quantity && setQuantity(line.productId, Number(e.target.value))}
                      />
                    </td>
                    <td>{line.product ? formatMoney({ amount: line.product.price.amount * line.quantity, currency: line.product.price.currency }) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {cart.state === 'ok' && <Checkout cart={cart.data} />}
          </>
        )}
      </AsyncList>
    </section>
  );
};
