import { describe, expect, it } from 'vitest';
import { bookingHistory } from './history.ts';
import { listingEvents } from './seed-listings.ts';

describe('generated booking history', () => {
  const events = [...bookingHistory({ events: 3_000, seed: 3 })];

  it('has about the events asked for, every stream in revision order from 0', () => {
    expect(events.length).toBeGreaterThanOrEqual(3_000);
    expect(events.length).toBeLessThan(3_010);
    const next = new Map<string, number>();
    for (const event of events) {
      expect(event.revision).toBe(next.get(event.streamId) ?? 0);
      next.set(event.streamId, event.revision + 1);
    }
  });

  it('holds, books, pays, confirms, and sometimes cancels and refunds, as the deciders decide', () => {
    const types = new Set(events.map((e) => e.type));
    for (const type of [
      'ListingCreated',
      'ListingPublished',
      'HoldPlaced',
      'HoldConfirmed',
      'BookingRequested',
      'BookingPaid',
      'BookingConfirmed',
      'BookingCancelled',
      'HoldReleased',
      'BookingRefunded',
    ]) {
      expect(types).toContain(type);
    }
    const placed = events.filter((e) => e.type === 'HoldPlaced').length;
    expect(events.filter((e) => e.type === 'BookingRequested').length).toBe(placed);
  });

  it('is the same for the same seed', () => {
    const again = [...bookingHistory({ events: 3_000, seed: 3 })];
    expect(again.map((e) => [e.streamId, e.type])).toEqual(events.map((e) => [e.streamId, e.type]));
  });
});

describe('seeded listings', () => {
  it('are created and published with holds inside the window, the same for the same seed', () => {
    const window = { first: '2031-03-25', nights: 14 };
    const one = listingEvents(5, 42, window, '2031-01-01T00:00:00.000Z');
    expect(one.listing.map((e) => e.type)).toEqual(['ListingCreated', 'ListingPublished']);
    expect(listingEvents(5, 42, window, '2031-01-01T00:00:00.000Z').listing[0]!.data).toEqual(one.listing[0]!.data);
    const all = Array.from({ length: 50 }, (_, i) => listingEvents(5, i, window, '2031-01-01T00:00:00.000Z').holds).flat();
    expect(all.length).toBeGreaterThan(5);
    for (const hold of all) {
      const keys = (hold.data as { keys: string[] }).keys;
      expect(keys.every((k) => k >= '2031-03-25' && k <= '2031-04-07' && k.slice(0, 7) === keys[0]!.slice(0, 7))).toBe(true);
    }
  });
});
