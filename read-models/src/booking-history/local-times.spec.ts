import { describe, expect, it } from 'vitest';
import { localStayOf, timeZoneOf } from './local-times.ts';

describe("a booking on its listing's wall clocks", () => {
  it('reads the start and end of a stay or a slot in the listing time zone', () => {
    expect(localStayOf({ start: '2030-05-01T11:00:00.000Z', end: '2030-05-01T13:00:00.000Z' }, 'Asia/Tokyo')).toEqual({
      timeZone: 'Asia/Tokyo',
      start: '2030-05-01T20:00',
      end: '2030-05-01T22:00',
    });
    expect(localStayOf({ start: '2030-01-10T15:00:00.000Z', end: '2030-01-12T11:00:00.000Z' }, 'America/New_York')).toEqual({
      timeZone: 'America/New_York',
      start: '2030-01-10T10:00',
      end: '2030-01-12T06:00',
    });
  });

  it("takes the zone a listing's location names, else UTC", () => {
    expect(timeZoneOf({ location: { timeZone: 'Europe/Lisbon' } })).toBe('Europe/Lisbon');
    expect(timeZoneOf({ title: 'No place yet' })).toBe('UTC');
    expect(timeZoneOf(undefined)).toBe('UTC');
  });
});
