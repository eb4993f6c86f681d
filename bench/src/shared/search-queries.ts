/**
 * The search benchmark's queries: one generator per query shape (each request draws its own
 * values), and the typo queries recall@10 is measured on.
 */
import { random, type Random } from './listings-data.ts';
import { amenities, cities, cuisines, kindOf, marketplaceListing, stays } from './marketplace-data.ts';

const letters = 'abcdefghijklmnopqrstuvwxyz';

/** One random edit: a letter replaced, dropped, added, or swapped with its neighbour. */
export const oneEdit = (r: Random, word: string): string => {
  const at = r.int(0, word.length - 1);
  switch (r.int(0, 3)) {
    case 0: {
      const other = letters.replace(word[at]!, '');
      return word.slice(0, at) + r.pick(other.split('')) + word.slice(at + 1);
    }
    case 1:
      return word.slice(0, at) + word.slice(at + 1);
    case 2:
      return word.slice(0, at) + r.pick(letters.split('')) + word.slice(at);
    default: {
      const i = Math.min(at, word.length - 2);
      if (word[i] === word[i + 1]) return word.slice(0, i) + word.slice(i + 1);
      return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
    }
  }
};

const shuffle = <T>(r: Random, xs: T[]): T[] => {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

/**
 * A guest's sloppy query for listing `i`'s title: one word left out (never its name), every word
 * of 4+ letters with one typo, the words in another order. Recall@10: is listing `i` in the first ten?
 */
export const typoQuery = (seed: number, r: Random, i: number): { listingId: string; title: string; q: string } => {
  const { name, details } = marketplaceListing(seed, i);
  const words = details.title.toLowerCase().split(/\s+/);
  const others = words.filter((w) => w !== name.toLowerCase());
  const leftOut = others.length > 1 ? r.int(0, others.length - 1) : -1;
  const kept = [name.toLowerCase(), ...others.filter((_, k) => k !== leftOut)];
  const typed = kept.map((w) => (w.length >= 4 ? oneEdit(r, w) : w));
  return { listingId: `l${i}`, title: details.title, q: shuffle(r, typed).join(' ') };
};

/** A point near a city (bigger cities drawn more often). */
const nearCity = (r: Random) => {
  const city = cities[Math.min(cities.length - 1, Math.floor(r.next() ** 2 * cities.length))]!;
  return `lat=${(city.lat + (r.next() - 0.5) * 0.1).toFixed(4)}&lon=${(city.lon + (r.next() - 0.5) * 0.1).toFixed(4)}`;
};

export const stayOf = (r: Random, first: string, length = 3) => {
  const start = Date.parse(`${first}T00:00:00Z`) + r.int(0, 80) * 86_400_000;
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return `checkIn=${day(start)}&checkOut=${day(start + length * 86_400_000)}`;
};
const priceRange = (r: Random) => {
  const min = r.int(40, 200) * 100;
  return `minPrice=${min}&maxPrice=${min + r.int(50, 200) * 100}`;
};

export type Shape = (r: Random) => string;

/** The listing search shapes, as query strings of `GET /listings/search`. */
export const listingShapes = (seed: number, first: string, listings: number): Record<string, Shape> => ({
  fuzzyText: (r) => `q=${encodeURIComponent(typoQuery(seed, r, r.int(0, listings - 1)).q)}`,
  textRadius: (r) => `q=${encodeURIComponent(`${oneEdit(r, r.pick(stays))}`)}&${nearCity(r)}&radiusKm=10`,
  radiusDatesGuests: (r) => `${nearCity(r)}&radiusKm=10&${stayOf(r, first)}&guests=2`,
  textRadiusDatesPriceAmenities: (r) =>
    `q=${encodeURIComponent(r.pick(stays))}&${nearCity(r)}&radiusKm=25&${stayOf(r, first)}&guests=2&${priceRange(r)}&amenities=${encodeURIComponent(r.pick(amenities))}`,
  sortPrice: (r) => `${nearCity(r)}&radiusKm=15&sort=price`,
  sortRating: (r) => `${nearCity(r)}&radiusKm=15&sort=rating`,
  sortDistance: (r) => `${nearCity(r)}&sort=distance`,
  page1: (r) => `kind=${kindOf(r.int(0, 19))}&${nearCity(r)}&radiusKm=30&sort=rating`,
  cuisineRating: (r) => `kind=restaurant&cuisine=${r.pick(cuisines)}&minRating=4&${nearCity(r)}&radiusKm=15&sort=rating`,
});

export const seeded = (seed: number, name: string) => random(seed * 7919 + [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 0));
