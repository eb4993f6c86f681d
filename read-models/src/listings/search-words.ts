/**
 * Words of the search read model, shared by the writer (what a listing is found by) and the
 * reader (what a guest typed), so both sides cut text the same way.
 */

/** Words of at least this many letters are corrected for one typo; shorter ones must match exactly. */
export const FUZZY_MIN_LENGTH = 4;

/** Lower case, accents dropped, cut at anything that is not a letter or a digit. */
export const wordsOf = (text: string | undefined | null): string[] =>
  (text ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0 && word.length <= 40);

export const distinctWords = (...texts: (string | undefined | null)[]): string[] => [...new Set(texts.flatMap(wordsOf))];

/**
 * The word itself and every string one deleted letter away (a "deletion neighbourhood"). Two
 * words whose neighbourhoods share a string are one insertion, deletion, substitution or swap of
 * neighbours apart: the dictionary stores each word's neighbourhood, a typed word looks its own up.
 */
export const deletionVariants = (word: string): string[] => {
  if (word.length < FUZZY_MIN_LENGTH) return [word];
  const variants = new Set([word]);
  for (let i = 0; i < word.length; i++) variants.add(word.slice(0, i) + word.slice(i + 1));
  return [...variants];
};

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A typed word one letter short of `FUZZY_MIN_LENGTH` may be a word of that length with a letter
 * dropped ("vew" for "view"): one typo in a word of 4+ letters. Such a word also finds the words
 * one letter longer; these are they (every letter a word can hold, at every place).
 */
export const oneLetterLonger = (word: string): string[] => {
  if (word.length !== FUZZY_MIN_LENGTH - 1) return [];
  const longer = new Set<string>();
  for (let i = 0; i <= word.length; i++) for (const letter of ALPHABET) longer.add(word.slice(0, i) + letter + word.slice(i));
  return [...longer];
};

/** A search reads at most this many words of a query: more add nothing but work. */
const MAX_TYPED_WORDS = 12;

/** The distinct words a guest typed, in order, as both stores look them up. */
export const typedWords = (q: string): string[] => [...new Set(wordsOf(q))].slice(0, MAX_TYPED_WORDS);

/** Only the first words of a long description are searched: enough to find it, bounded in size. */
export const MAX_DESCRIPTION_WORDS = 300;

type ListingText = {
  title?: string;
  description?: string;
  location?: { city?: string; country?: string };
  amenities?: readonly string[];
  cuisine?: readonly string[];
};

/**
 * The words a listing is found by, in three groups that rank differently: its title; its place,
 * kind, amenities and cuisine; its description (the first `MAX_DESCRIPTION_WORDS` words).
 */
export const listingWordGroups = (details: ListingText, kind: string): { title: string[]; place: string[]; description: string[] } => ({
  title: wordsOf(details.title),
  place: [details.location?.city, details.location?.country, kind, ...(details.amenities ?? []), ...(details.cuisine ?? [])].flatMap(wordsOf),
  description: wordsOf(details.description).slice(0, MAX_DESCRIPTION_WORDS),
});
