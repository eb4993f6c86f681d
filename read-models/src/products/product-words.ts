import { MAX_DESCRIPTION_WORDS, wordsOf } from '../listings/search-words.ts';
import type { ProductDocument } from './product-document.ts';

/**
 * The words a product is found by, in two groups that rank differently: its name; its category,
 * SKU, text attribute values and description (the first words). Both stores cut them this way,
 * and a shopper's query the same (`typedWords`), so one typed word finds the same products in both.
 */
export const productWordGroups = (
  doc: Pick<ProductDocument, 'name' | 'category' | 'sku' | 'description' | 'attributes'>,
): { name: string[]; other: string[] } => ({
  name: wordsOf(doc.name),
  other: [
    ...wordsOf(doc.category),
    ...wordsOf(doc.sku),
    ...Object.values(doc.attributes).flatMap((value) => (typeof value === 'string' ? wordsOf(value) : [])),
    ...wordsOf(doc.description).slice(0, MAX_DESCRIPTION_WORDS),
  ],
});

/** Every distinct word of a product: what the word dictionary must know while the product is on sale. */
export const productWords = (doc: Parameters<typeof productWordGroups>[0]): string[] => {
  const { name, other } = productWordGroups(doc);
  return [...new Set([...name, ...other])];
};
