import { expect } from 'vitest';
import { describeProjection, recorded } from '../testing/projection-spec.ts';
import { hostListingsProjection } from './pg-projection.ts';

const at = '2026-05-01T10:00:00.000Z';
const unit = { unitTypeId: 'l1:flat', name: 'Whole flat', count: 1, capacity: 4, price: { amount: 12_000, currency: 'EUR' } };
const complete = {
  title: 'Sea flat',
  description: 'By the sea',
  photos: ['https://example.com/1.jpg'],
  currency: 'EUR',
  unitTypes: [unit],
  instantBook: true,
  cancellationPolicy: 'moderate',
  location: { address: '1 Quay', city: 'Porto', country: 'PT', lat: 41.1, lon: -8.6, timeZone: 'Europe/Lisbon' },
};
const stream = 'listing-l1';
const created = {
  type: 'ListingCreated',
  data: { listingId: 'l1', hostId: 'h1', kind: 'rental', details: { title: 'Sea flat', instantBook: false, cancellationPolicy: 'moderate' }, at },
};
const updated = { type: 'ListingUpdated', data: { listingId: 'l1', changes: complete, at: '2026-05-01T11:00:00.000Z' } };
const published = { type: 'ListingPublished', data: { listingId: 'l1', hostId: 'h1', kind: 'rental', details: complete, at: '2026-05-01T12:00:00.000Z' } };
const unlisted = { type: 'ListingUnlisted', data: { listingId: 'l1', at: '2026-05-02T12:00:00.000Z' } };

type Row = {
  listing_id: string;
  host_id: string;
  status: string;
  doc: { missing: string[]; complete: boolean; title: string | null; minPrice: number | null; city: string | null };
};
const docOf = (rows: Record<string, unknown[]>, tables: readonly string[]) => (rows[tables[0]!] as Row[])[0]!;

describeProjection('host listings projection', {
  projection: hostListingsProjection,
  tables: (target) => [target],
  guardedByRevision: true,
  cases: [
    {
      name: 'a draft shows what it still misses',
      when: recorded(stream, [created]),
      then: (rows, tables) => {
        const row = docOf(rows, tables);
        expect(row).toMatchObject({ listing_id: 'l1', host_id: 'h1', status: 'draft' });
        expect(row.doc).toMatchObject({ title: 'Sea flat', complete: false, missing: ['description', 'photos', 'location', 'currency', 'unitTypes'] });
      },
    },
    {
      name: 'completed, published, then unlisted: still the host’s, complete',
      given: recorded(stream, [created]),
      when: recorded(stream, [updated, published, unlisted], 1),
      then: (rows, tables) => {
        const row = docOf(rows, tables);
        expect(row.status).toBe('unlisted');
        expect(row.doc).toMatchObject({ complete: true, missing: [], minPrice: 12_000, city: 'Porto' });
      },
    },
  ],
});
