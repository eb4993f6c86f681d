/**
 * A listing search's shape, for its latency (see `timeSearch`): which of the selective parts it asks (text, a radius, dates or a
 * slot, filters), `+`-joined in a fixed order, `browse` with none. At most 16 shapes, so the label stays small.
 */
export const searchShapeOf = (asked: {
  q?: string;
  lat?: number;
  checkIn?: string;
  slot?: string;
  guests?: number;
  minPrice?: number;
  maxPrice?: number;
  amenities?: unknown;
  kind?: string;
  city?: string;
  stars?: unknown;
  minRating?: number;
  roomType?: string;
  cuisine?: unknown;
}): string => {
  const parts = [
    asked.q ? 'text' : '',
    asked.lat !== undefined ? 'geo' : '',
    asked.checkIn || asked.slot ? 'dates' : '',
    asked.guests !== undefined ||
    asked.minPrice !== undefined ||
    asked.maxPrice !== undefined ||
    asked.amenities !== undefined ||
    asked.kind ||
    asked.city ||
    asked.stars !== undefined ||
    asked.minRating !== undefined ||
    asked.roomType ||
    asked.cuisine !== undefined
      ? 'filters'
      : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('+') : 'browse';
};
