/** Data the journeys start from, made through the platform's own APIs (via the web server's proxy). */
export const api = (base: string) => {
  const call = async <T = any>(method: string, path: string, body?: unknown, token?: string, headers: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(`${base}/api${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    call,
    /** Signs a user up (202 whatever the email) and logs them in: the login's answer carries the token. */
    register: async (email: string, role: 'guest' | 'host', name = email.split('@')[0]!) => {
      await call('POST', '/command/auth/register', { email, password: PASSWORD, name, role });
      return call<{ userId: string; token: string; role: string }>('POST', '/command/auth/login', { email, password: PASSWORD });
    },
    /** A published listing: one unit type `main` at `price` minor units a night. */
    publishListing: async (
      token: string,
      details: {
        title: string;
        description: string;
        city: string;
        lat: number;
        lon: number;
        price: number;
        instantBook: boolean;
        kind?: 'rental' | 'hotel';
        count?: number;
        amenities?: string[];
      },
    ) => {
      const created = await call<{ listingId: string }>(
        'POST',
        '/command/listings',
        {
          kind: details.kind ?? 'rental',
          details: {
            title: details.title,
            description: details.description,
            photos: [`${base}/sample-photo.svg`],
            location: { lat: details.lat, lon: details.lon, city: details.city, country: 'PT', timeZone: 'Europe/Lisbon' },
            amenities: details.amenities ?? ['wifi', 'kitchen'],
            houseRules: ['No parties'],
            currency: 'EUR',
            instantBook: details.instantBook,
            cancellationPolicy: 'flexible',
            unitTypes: [{ unitTypeId: 'main', name: 'Whole home', count: details.count ?? 1, capacity: 4, price: { amount: details.price, currency: 'EUR' } }],
          },
        },
        token,
      );
      const published = await call<{ consistencyToken: string }>('POST', `/command/listings/${created.listingId}/publish`, {}, token);
      return { listingId: created.listingId, consistencyToken: published.consistencyToken };
    },
    product: async (token: string, product: { sku: string; name: string; price: number; stock: number; category?: string }) => {
      const created = await call<{ productId: string }>(
        'POST',
        '/command/products',
        {
          sku: product.sku,
          name: product.name,
          description: `${product.name}, made to last.`,
          category: product.category ?? 'kitchen',
          attributes: { color: 'blue' },
          price: { amount: product.price, currency: 'EUR' },
          shipping: { postalPrefixes: ['10', '75'], deliveryDays: 3 },
        },
        token,
      );
      const stocked = await call<{ consistencyToken: string }>('POST', `/command/products/${created.productId}/stock`, { quantity: product.stock }, token);
      return { productId: created.productId, consistencyToken: stocked.consistencyToken };
    },
  };
};

export const PASSWORD = 'correct-horse-battery';

/** A date `days` from today, as the date inputs take it. */
export const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
