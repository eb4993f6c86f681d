import { describe, expect, it } from 'vitest';
import { localTime, slotIsOpen } from './opening-hours.ts';

const slots = { minutes: 90, openingHours: { '5': [{ open: '18:00', close: '23:00' }], '6': [{ open: '12:00', close: '15:00' }, { open: '18:00', close: '23:00' }] } };

describe('restaurant slots', () => {
  it('reads weekday and minute in the listing time zone', () => {
    expect(localTime('2026-07-10T16:00:00Z', 'Europe/Lisbon')).toEqual({ weekday: '5', minute: 17 * 60 });
    expect(localTime('2026-07-10T23:30:00Z', 'Asia/Tokyo')).toEqual({ weekday: '6', minute: 8 * 60 + 30 });
  });

  it.each([
    ['on the grid of an evening interval (Friday 19:30 Lisbon)', '2026-07-10T18:30:00Z', true],
    ['at opening', '2026-07-10T17:00:00Z', true],
    ['off the grid', '2026-07-10T17:15:00Z', false],
    ['ending after close', '2026-07-10T21:00:00Z', false],
    ['before opening', '2026-07-10T16:00:00Z', false],
    ['a closed day (Thursday)', '2026-07-09T18:30:00Z', false],
    ['the lunch interval of Saturday', '2026-07-11T11:00:00Z', true],
  ])('%s', (_name, start, open) => {
    expect(slotIsOpen(slots, 'Europe/Lisbon', start)).toBe(open);
  });
});
