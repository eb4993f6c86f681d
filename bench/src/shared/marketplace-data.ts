/**
 * The marketplace the search benchmark runs on: listing `i` of a seed is always the same, so the
 * PostgreSQL load, the peer library's index and the query sets are all made from one definition.
 *
 * 500k listings by default: 60% rentals (one unit), 25% hotels (room types of 5–31 rooms), 15%
 * restaurants (table types, slots within opening hours): about 1M unit types and 10M rooms and
 * tables. They lie in a country-sized box (about 900 × 1000 km) around 60 cities of Zipf-like
 * sizes, a tenth scattered between them. Titles carry a house name (made of syllables, nearly
 * unique) and real words; descriptions mix travel words with words of an English word list.
 */
import { createRequire } from 'node:module';
import type { listings } from '@stayhub/domain';
import { random, type Random } from './listings-data.ts';

const english = (createRequire(import.meta.url)('an-array-of-english-words') as string[]).filter((w) => /^[a-z]{4,10}$/.test(w));

const syllables = [
  'ba',
  'ce',
  'di',
  'fo',
  'gu',
  'la',
  'me',
  'ni',
  'po',
  'ru',
  'sa',
  'te',
  'vi',
  'zo',
  'ka',
  'lo',
  'mi',
  'na',
  'pe',
  'ri',
  'so',
  'ta',
  'ul',
  'ver',
  'mar',
  'sol',
  'cor',
  'bel',
  'san',
  'tor',
  'val',
  'dor',
  'lin',
  'ros',
  'mon',
  'ces',
  'qui',
  'bra',
  'ven',
  'ga',
];
const nameOf = (r: Random) => Array.from({ length: r.int(2, 4) }, () => r.pick(syllables)).join('');
const capital = (s: string) => s.replace(/^./, (c) => c.toUpperCase());

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
  'peaceful',
  'romantic',
  'traditional',
  'luxury',
  'family',
];
export const stays = [
  'flat',
  'loft',
  'studio',
  'house',
  'cottage',
  'villa',
  'apartment',
  'penthouse',
  'cabin',
  'townhouse',
  'farmhouse',
  'chalet',
  'bungalow',
  'duplex',
];
const hotels = ['hotel', 'inn', 'guesthouse', 'hostel', 'resort', 'lodge'];
const eateries = ['restaurant', 'bistro', 'tavern', 'trattoria', 'brasserie', 'cantina', 'grill'];
export const cuisines = ['italian', 'seafood', 'tapas', 'vegetarian', 'grill', 'sushi', 'french', 'mexican', 'indian', 'mediterranean', 'bakery', 'pizza'];
const features = [
  'with sea view',
  'by the river',
  'near the old town',
  'with garden',
  'by the park',
  'near the station',
  'with pool',
  'in the centre',
  'with balcony',
  'with terrace',
  'near the beach',
  'in the mountains',
  'by the lake',
  'with fireplace',
];
export const amenities = [
  'wifi',
  'kitchen',
  'parking',
  'pool',
  'air conditioning',
  'washer',
  'balcony',
  'gym',
  'breakfast',
  'pets allowed',
  'workspace',
  'elevator',
  'heating',
  'garden',
];
const travel = [
  'walk',
  'minutes',
  'beach',
  'market',
  'cafes',
  'museum',
  'quiet',
  'street',
  'light',
  'morning',
  'evening',
  'views',
  'square',
  'harbour',
  'trail',
  'bikes',
  'wine',
  'local',
  'fresh',
  'bread',
  'linen',
  'towels',
  'comfortable',
  'beds',
  'shower',
  'restored',
  'stone',
  'wooden',
  'floors',
  'ceilings',
  'windows',
  'courtyard',
  'neighbourhood',
  'families',
  'couples',
  'friends',
  'welcome',
  'host',
  'tips',
  'shops',
  'bus',
  'metro',
  'airport',
  'kitchen',
  'dinner',
  'breakfast',
  'terrace',
  'sunset',
  'garden',
  'olive',
  'trees',
];

/** The cities: 60 places in the box, the first the largest (weights fall as 1/rank). */
const cityCount = 60;
export const cities = (() => {
  const r = random(424_242);
  return Array.from({ length: cityCount }, (_, rank) => ({
    name: capital(nameOf(r)) + (rank % 7 === 0 ? ` de ${capital(nameOf(r))}` : ''),
    lat: 36.5 + r.next() * 8,
    lon: -8.5 + r.next() * 11,
    weight: 1 / (rank + 1),
  }));
})();
const weightTotal = cities.reduce((sum, c) => sum + c.weight, 0);
export const pickCity = (r: Random) => {
  let x = r.next() * weightTotal;
  for (const city of cities) {
    x -= city.weight;
    if (x <= 0) return city;
  }
  return cities[0]!;
};

export type Kind = 'rental' | 'hotel' | 'restaurant';
export const kindOf = (i: number): Kind => (i % 20 < 12 ? 'rental' : i % 20 < 17 ? 'hotel' : 'restaurant');

const sentence = (r: Random) => Array.from({ length: r.int(6, 12) }, () => (r.next() < 0.7 ? r.pick(travel) : r.pick(english))).join(' ');

/** Listing `i`: its kind and complete details (what its ListingCreated carries). */
export const marketplaceListing = (seed: number, i: number): { kind: Kind; name: string; details: listings.CompleteListingDetails } => {
  const r = random(seed * 1_000_003 + i);
  const kind = kindOf(i);
  const city = r.next() < 0.9 ? pickCity(r) : undefined;
  // Dense around a city (about 15 km), or anywhere in the box.
  const lat = city ? city.lat + (r.next() + r.next() - 1) * 0.15 : 36.5 + r.next() * 8;
  const lon = city ? city.lon + (r.next() + r.next() - 1) * 0.2 : -8.5 + r.next() * 11;
  const name = capital(nameOf(r));
  const place = city?.name ?? capital(nameOf(r));
  const price = (low: number, high: number) => ({ amount: r.int(low, high) * 100, currency: 'EUR' });
  const common = {
    description: `${capital(sentence(r))}. ${capital(sentence(r))} in ${place}. ${capital(sentence(r))}.`,
    photos: [`https://img.example.com/listing-${i}.jpg`],
    location: { lat, lon, city: place, country: 'ES', timeZone: 'Europe/Madrid' },
    currency: 'EUR',
    instantBook: r.next() < 0.7,
    cancellationPolicy: r.pick(['flexible', 'moderate', 'strict'] as const),
  };
  if (kind === 'rental') {
    return {
      kind,
      name,
      details: {
        ...common,
        title: `${capital(r.pick(adjectives))} ${r.pick(stays)} ${r.pick(features)} ${name}`,
        amenities: r.some(amenities, 0.35),
        unitTypes: [{ unitTypeId: `l${i}.unit`, name: 'Whole place', count: 1, capacity: r.int(1, 8), price: price(40, 400) }],
      },
    };
  }
  if (kind === 'hotel') {
    return {
      kind,
      name,
      details: {
        ...common,
        title: `${capital(r.pick(hotels))} ${name} ${r.pick(features)}`,
        amenities: r.some(amenities, 0.5),
        unitTypes: Array.from({ length: r.int(2, 6) }, (_, t) => ({
          unitTypeId: `l${i}.t${t}`,
          name: `${r.pick(['Single', 'Double', 'Twin', 'Family', 'Suite'])} room`,
          count: r.int(5, 31),
          capacity: r.int(1, 4),
          price: price(50, 500),
        })),
      },
    };
  }
  return {
    kind,
    name,
    details: {
      ...common,
      title: `${capital(r.pick(eateries))} ${name} ${r.pick(cuisines)} ${r.pick(features)}`,
      amenities: r.some(['wifi', 'terrace', 'parking', 'garden', 'air conditioning'], 0.4),
      cuisine: r.some(cuisines, 0.2).slice(0, 3),
      unitTypes: Array.from({ length: r.int(1, 4) }, (_, t) => ({
        unitTypeId: `l${i}.t${t}`,
        name: `Table for ${2 * (t + 1)}`,
        count: r.int(1, 6),
        capacity: 2 * (t + 1),
        price: price(10, 30),
      })),
      slots: {
        minutes: 90,
        openingHours: Object.fromEntries(
          ['2', '3', '4', '5', '6', '0'].map((d) => [
            d,
            [
              { open: '12:00', close: '15:00' },
              { open: '19:00', close: '23:30' },
            ],
          ]),
        ),
      },
    },
  };
};

/** The 90 nights from `first` and units used on each (about 30% of all units), per unit type and month, as the projection stores them. */
export const marketplaceCalendar = (seed: number, i: number, details: listings.CompleteListingDetails, first: string, days = 90, slotDays = 14) => {
  const r = random(seed * 7_000_003 + i);
  const start = Date.parse(`${first}T00:00:00Z`);
  const rows = new Map<string, { unit_type_id: string; month: string; nights: number[]; slots: Record<string, number> }>();
  const row = (unitTypeId: string, at: Date) => {
    const month = at.toISOString().slice(0, 7);
    const id = `${unitTypeId} ${month}`;
    const found = rows.get(id) ?? { unit_type_id: unitTypeId, month, nights: new Array<number>(31).fill(0), slots: {} };
    rows.set(id, found);
    return found;
  };
  for (const unit of details.unitTypes) {
    if (details.slots) {
      // The slots of the next two weeks (12:00, 13:30, 19:00, 20:30, 22:00 local), each table type about 30% taken.
      for (let d = 0; d < slotDays; d++) {
        for (const minute of [720, 810, 1140, 1230, 1320]) {
          const used = Math.min(unit.count, Math.round(unit.count * r.next() * 0.6));
          if (used === 0) continue;
          const at = madridInstant(start + d * 86_400_000, minute);
          row(unit.unitTypeId, at).slots[at.toISOString()] = used;
        }
      }
      continue;
    }
    if (unit.count > 1) {
      // A hotel's room type: some rooms taken every night (about 30%), now and then all of them.
      for (let n = 0; n < days; n++) {
        const used = r.next() < 0.05 ? unit.count : Math.round(unit.count * r.next() * 0.55);
        const at = new Date(start + n * 86_400_000);
        if (used > 0) row(unit.unitTypeId, at).nights[at.getUTCDate() - 1] = used;
      }
      continue;
    }
    let d = 0;
    while (d < days) {
      // Stays of 1–4 nights between gaps of 0–10: about 30% of a rental's nights are taken.
      d += r.int(0, 10);
      const length = r.int(1, 4);
      for (let n = d; n < Math.min(days, d + length); n++) {
        const at = new Date(start + n * 86_400_000);
        row(unit.unitTypeId, at).nights[at.getUTCDate() - 1] = 1;
      }
      d += length;
    }
  }
  return [...rows.values()];
};

const madridOffset = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Madrid', timeZoneName: 'shortOffset' });
/** The instant of a local clock time (minutes after midnight) in Madrid on the UTC day `dayStart`. */
const madridInstant = (dayStart: number, minute: number): Date => {
  const noon = new Date(dayStart + 12 * 3_600_000);
  const offset = Number(/GMT([+-]\d+)/.exec(madridOffset.format(noon))?.[1] ?? 0);
  return new Date(dayStart + (minute - offset * 60) * 60_000);
};
