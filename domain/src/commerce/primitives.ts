import { z } from 'zod';

/** Value shapes shared by the commerce messages. */
export const Sku = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/);
export const PostalCode = z.string().trim().min(2).max(12);
export const Quantity = z.number().int().min(1);
