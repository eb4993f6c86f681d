import { Link } from 'react-router';
import { formatMoney, get, queryString } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { PriceFields, SelectField, useUrlSearch } from '../shared/search-form.tsx';
import { AsyncList, Field } from '../shared/ui.tsx';
import type { ProductSummary } from './types.ts';

/** `color=red, size=M` as `attr.color=red&attr.size=M` parameters. */
const attributeParams = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split(',')
      .map((pair) => pair.split('=').map((part) => part.trim()))
      .filter((pair): pair is [string, string] => pair.length === 2 && Boolean(pair[0]) && Boolean(pair[1]))
      .map(([name, value]) => [`attr.${name}`, value]),
  );

export const ProductSearchPage = () => {
  const { params, value, minor, submit } = useUrlSearch();
  const apiQuery = queryString({
    q: value('q'),
    category: value('category'),
    minPrice: minor('minPrice'),
    maxPrice: minor('maxPrice'),
    deliverableTo: value('deliverableTo'),
    inStock: value('inStock') || undefined,
    sort: value('sort') || undefined,
    pageSize: 50,
    ...attributeParams(value('attributes')),
  });
  const results = useResource(`products${apiQuery}`, (signal) => get<{ items: ProductSummary[] }>('query', `/products/search${apiQuery}`, { signal }));
  return (
    <section>
      <h1>Shop</h1>
      <form className="search" onSubmit={(event) => submit(event)} aria-label="Search products" key={params.toString()}>
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
        <PriceFields value={value} />
        <SelectField
          label="Stock"
          name="inStock"
          value={value('inStock')}
          options={[
            ['', 'Any'],
            ['true', 'In stock'],
          ]}
        />
        <SelectField
          label="Sort by"
          name="sort"
          value={value('sort') || 'relevance'}
          options={[
            ['relevance', 'Relevance'],
            ['price', 'Price'],
            ['newest', 'Newest'],
          ]}
        />
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
