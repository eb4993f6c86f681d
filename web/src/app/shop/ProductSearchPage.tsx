import { type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { formatMoney, get, queryString } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { AsyncList, Field } from '../shared/ui.tsx';
import type { ProductSummary } from './types.ts';

/** `color=red, size=M` as `attr.color=red&attr.size=M` parameters. */
export const attributeParams = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split(',')
      .map((pair) => pair.split('=').map((part) => part.trim()))
      .filter((pair): pair is [string, string] => pair.length === 2 && Boolean(pair[0]) && Boolean(pair[1]))
      .map(([name, value]) => [`attr.${name}`, value]),
  );

export const ProductSearchPage = () => {
  const [params, setParams] = useSearchParams();
  const value = (name: string) => params.get(name) ?? '';
  const major = (name: string) => (value(name) ? Math.round(Number(value(name)) * 100) : undefined);
  const apiQuery = queryString({
    q: value('q'),
    category: value('category'),
    minPrice: major('minPrice'),
    maxPrice: major('maxPrice'),
    deliverableTo: value('deliverableTo'),
    inStock: value('inStock') || undefined,
    sort: value('sort') || undefined,
    pageSize: 50,
    ...attributeParams(value('attributes')),
  });
  const results = useResource(`products${apiQuery}`, (signal) => get<{ items: ProductSummary[] }>('query', `/products/search${apiQuery}`, { signal }));
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, entry] of new FormData(event.currentTarget)) if (typeof entry === 'string' && entry.trim()) next.set(name, entry.trim());
    setParams(next);
  };
  return (
    <section>
      <h1>Shop</h1>
      <form className="search" onSubmit={submit} aria-label="Search products" key={params.toString()}>
        <Field label="What">
          <input name="q" type="search" defaultValue={value('q')} />
        </Field>
        <Field label="Category">
          <input name="category" defaultValue={value('category')} />
        </Field>
        <Field label="Attributes" hint="e.g. color=red, size=M">
          <input name="attributes" defaultValue={value('attributes')} />
        </Field>
        <Field label="Deliverable to" hint="postal code">
          <input name="deliverableTo" defaultValue={value('deliverableTo')} />
        </Field>
        <Field label="Min price">
          <input name="minPrice" type="number" min={0} step="any" defaultValue={value('minPrice')} />
        </Field>
        <Field label="Max price">
          <input name="maxPrice" type="number" min={0} step="any" defaultValue={value('maxPrice')} />
        </Field>
        <Field label="Stock">
          <select name="inStock" defaultValue={value('inStock')}>
            <option value="">Any</option>
            <option value="true">In stock</option>
          </select>
        </Field>
        <Field label="Sort by">
          <select name="sort" defaultValue={value('sort') || 'relevance'}>
            <option value="relevance">Relevance</option>
            <option value="price">Price</option>
            <option value="newest">Newest</option>
          </select>
        </Field>
        <button type="submit">Search</button>
      </form>
      <AsyncList resource={results} what="products" empty="No product matches. Try fewer filters." items={(data: { items: ProductSummary[] }) => data.items}>
        {(items) => (
          <ol className="cards" aria-label="Products">
            {items.map((p) => (
              <li key={p.productId} className="card">
                {p.image ? <img src={p.image} alt="" loading="lazy" /> : null}
                <h2>
                  <Link to={`/shop/products/${p.productId}`}>{p.name}</Link>
                </h2>
                <p>
                  <strong>{formatMoney(p.price)}</strong> · {p.available > 0 ? `${p.available} in stock` : 'out of stock'} · delivery in {p.deliveryDays} days
                </p>
              </li>
            ))}
          </ol>
        )}
      </AsyncList>
    </section>
  );
};
