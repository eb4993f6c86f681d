import type { listings } from '@stayhub/domain';

/** A small seeded generator, so that every run builds the same listings. */
export const random = (seed: number) => {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    some: <T>(xs: readonly T[], p: number): T[] => xs.filter(() => next() < p),
  };
};
export type Random = ReturnType<typeof random>;

const cities = [
  ['Lisbon', 'PT', 38.7223, -9.1393, 'Europe/Lisbon'],
  ['Porto', 'PT', 41.1579, -8.6291, 'Europe/Lisbon'],
  ['Madrid', 'ES', 40.4168, -3.7038, 'Europe/Madrid'],
  ['Barcelona', 'ES', 41.3874, 2.1686, 'Europe/Madrid'],
  ['Paris', 'FR', 48.8566, 2.3522, 'Europe/Paris'],
  ['Lyon', 'FR', 45.764, 4.8357, 'Europe/Paris'],
  ['Berlin', 'DE', 52.52, 13.405, 'Europe/Berlin'],
  ['Munich', 'DE', 48.1351, 11.582, 'Europe/Berlin'],
  ['Rome', 'IT', 41.9028, 12.4964, 'Europe/Rome'],
  ['Milan', 'IT', 45.4642, 9.19, 'Europe/Rome'],
  ['Amsterdam', 'NL', 52.3676, 4.9041, 'Europe/Amsterdam'],
  ['Vienna', 'AT', 48.2082, 16.3738, 'Europe/Vienna'],
  ['Prague', 'CZ', 50.0755, 14.4378, 'Europe/Prague'],
  ['London', 'GB', 51.5072, -0.1276, 'Europe/London'],
  ['Edinburgh', 'GB', 55.9533, -3.1883, 'Europe/London'],
  ['Dublin', 'IE', 53.3498, -6.2603, 'Europe/Dublin'],
  ['Copenhagen', 'DK', 55.6761, 12.5683, 'Europe/Copenhagen'],
  ['Stockholm', 'SE', 59.3293, 18.0686, 'Europe/Stockholm'],
  ['Athens', 'GR', 37.9838, 23.7275, 'Europe/Athens'],
  ['Istanbul', 'TR', 41.0082, 28.9784, 'Europe/Istanbul'],
  ['New York', 'US', 40.7128, -74.006, 'America/New_York'],
  ['Chicago', 'US', 41.8781, -87.6298, 'America/Chicago'],
  ['San Francisco', 'US', 37.7749, -122.4194, 'America/Los_Angeles'],
  ['Mexico City', 'MX', 19.4326, -99.1332, 'America/Mexico_City'],
  ['Buenos Aires', 'AR', -34.6037, -58.3816, 'America/Argentina/Buenos_Aires'],
  ['Rio de Janeiro', 'BR', -22.9068, -43.1729, 'America/Sao_Paulo'],
  ['Cape Town', 'ZA', -33.9249, 18.4241, 'Africa/Johannesburg'],
  ['Marrakesh', 'MA', 31.6295, -7.9811, 'Africa/Casablanca'],
  ['Tokyo', 'JP', 35.6762, 139.6503, 'Asia/Tokyo'],
  ['Kyoto', 'JP', 35.0116, 135.7681, 'Asia/Tokyo'],
  ['Seoul', 'KR', 37.5665, 126.978, 'Asia/Seoul'],
  ['Bangkok', 'TH', 13.7563, 100.5018, 'Asia/Bangkok'],
  ['Singapore', 'SG', 1.3521, 103.8198, 'Asia/Singapore'],
  ['Bali', 'ID', -8.3405, 115.092, 'Asia/Makassar'],
  ['Sydney', 'AU', -33.8688, 151.2093, 'Australia/Sydney'],
  ['Melbourne', 'AU', -37.8136, 144.9631, 'Australia/Melbourne'],
] as const;

const adjectives = [
  'sunny',
  'quiet',
  'cosy',
  'bright',
  'modern',
  'charming',
  'spacious',
  'rustic',
  'elegant',
  'lovely',
  'central',
  'hidden',
  'historic',
  'airy',
  'stylish',
];
const places = ['flat', 'loft', 'studio', 'house', 'cottage', 'villa', 'apartment', 'penthouse', 'cabin', 'townhouse', 'suite', 'guesthouse'];
const features = [
  'with terrace',
  'by the river',
  'near the old town',
  'with sea view',
  'with garden',
  'by the park',
  'near the station',
  'with pool',
  'in the centre',
  'with balcony',
];
const amenities = ['wifi', 'kitchen', 'parking', 'pool', 'air conditioning', 'washer', 'balcony', 'gym', 'breakfast', 'pets allowed', 'workspace', 'elevator'];

/** One listing's details: a rental (one unit) or a hotel (room types of many rooms), priced in EUR minor units. */
export const listingDetails = (r: Random, i: number, kind: 'rental' | 'hotel'): listings.ListingDetails => {
  const [city, country, lat, lon, timeZone] = r.pick(cities);
  const price = () => ({ amount: r.int(40, 400) * 100, currency: 'EUR' });
  const unitTypes =
    kind === 'rental'
      ? [{ unitTypeId: `l${i}.unit`, name: 'Whole place', count: 1, capacity: r.int(1, 8), price: price() }]
      : Array.from({ length: r.int(1, 4) }, (_, t) => ({
          unitTypeId: `l${i}.t${t}`,
          name: `Room type ${t}`,
          count: r.int(5, 200),
          capacity: r.int(1, 4),
          price: price(),
        }));
  return {
    title: `${r.pick(adjectives)} ${r.pick(places)} ${r.pick(features)}`.replace(/^./, (c) => c.toUpperCase()),
    description: `A ${r.pick(adjectives)} place in ${city}, ${r.pick(features)}. Listing ${i}.`,
    photos: [`https://img.example.com/listing-${i}.jpg`],
    // Spread within about 25 km of the centre.
    location: { lat: lat + (r.next() - 0.5) * 0.45, lon: lon + (r.next() - 0.5) * 0.45, city, country, timeZone },
    amenities: r.some(amenities, 0.35),
    currency: 'EUR',
    instantBook: r.next() < 0.7,
    cancellationPolicy: r.pick(['flexible', 'moderate', 'strict'] as const),
    unitTypes,
  };
};
