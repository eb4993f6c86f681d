import { Link, useParams } from 'react-router';
import { formatMoney, get } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { AsyncList, ErrorMessage, formatDate, Loading, StatusBadge } from '../shared/ui.tsx';
import type { Order } from './types.ts';

const words = (type: string) =>
  type
    .replace(/^Order/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase() || type;

export const OrderPage = () => {
  const { id = '' } = useParams();
  const order = useResource(id, (signal) => get<Order>('query', `/orders/${id}`, { signal }));
  if (order.state === 'loading' || order.state === 'idle') return <Loading what="the order" />;
  if (order.state === 'error') return <ErrorMessage error={order.error} title="Could not load the order" />;
  const o = order.data;
  const pending = o.status === 'placed' || o.status === 'payment_pending' || o.status === 'stock_held';
  return (
    <article>
      <h1>
        Order {o.orderId.slice(-8)} <StatusBadge status={o.status} />
      </h1>
      {pending && (
        <p role="status">
          Payment is being taken (by {formatDate(o.paymentDeadline)}).{' '}
          <button type="button" className="link" onClick={order.reload}>
            Refresh
          </button>
        </p>
      )}
      <table className="table">
        <caption className="sr-only">Order lines</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Unit price</th>
            <th scope="col">Quantity</th>
          </tr>
        </thead>
        <tbody>
          {o.lines.map((line) => (
            <tr key={line.productId}>
              <td>{line.name}</td>
              <td>{formatMoney(line.unitPrice)}</td>
              <td>{line.quantity}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Total <strong>{formatMoney(o.total)}</strong> · paid {formatMoney(o.paid)}
        {o.refunded.amount > 0 ? ` · refunded ${formatMoney(o.refunded)}` : ''} · to {o.shippingPostalCode}
      </p>
      <h2>Timeline</h2>
      <ol className="timeline">
        {o.timeline.map((entry, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the timeline only grows at its end and is never reordered, so an entry's place is its identity
          <li key={`${entry.type}-${i}`}>
            <time dateTime={entry.at}>{formatDate(entry.at)}</time> {words(entry.type)}
            {entry.carrier ? ` with ${entry.carrier}` : ''}
            {entry.tracking ? ` (tracking ${entry.tracking})` : ''}
          </li>
        ))}
      </ol>
    </article>
  );
};

export const OrdersPage = () => {
  const orders = useResource('orders', (signal) => get<{ items: Order[] }>('query', '/me/orders?pageSize=50', { signal }));
  return (
    <section>
      <h1>My orders</h1>
      <AsyncList resource={orders} what="orders" empty="No orders yet." items={(data: { items: Order[] }) => data.items}>
        {(items) => (
          <ul className="trips">
            {items.map((o) => (
              <li key={o.orderId} className="card">
                <Link to={`/shop/orders/${o.orderId}`}>Order {o.orderId.slice(-8)}</Link> <StatusBadge status={o.status} /> · {formatMoney(o.total)} ·{' '}
                {formatDate(o.placedAt)}
              </li>
            ))}
          </ul>
        )}
      </AsyncList>
    </section>
  );
};
