import { describe, expect, it } from 'vitest';
import { wallClockInstant } from '../shared/time.ts';
import { hasOffset, instantOfLocal, localDateTime, localTime, slotIsOpen } from './opening-hours.ts';

const slots = {
  minutes: 90,
  openingHours: {
    '5': [{ open: '18:00', close: '23:00' }],
    '6': [
      { open: '12:00', close: '15:00' },
      { open: '18:00', close: '23:00' },
    ],
  },
};

describe('restaurant slots', () => {
  it('reads weekday and minute in the listing time zone', () => {
    expect(localTime('2026-07-10T16:00:00Z', 'Europe/Lisbon')).toEqual({ weekday: '5', minute: 17 * 60 });
    expect(localTime('2026-07-10T23:30:00Z', 'Asia/Tokyo')).toEqual({ weekday: '6', minute: 8 * 60 + 30 });
  });

  it.each([
    ['on the grid of an evening interval (Friday 19:30 Lisbon)', '2026-07-10T18:30:00Z', true],
    ['at opening', '2026-07-10T17:00:00Z', true],
    ['off the grid', '2026-07-10T17:15:00Z', false],
    ['between whole minutes (another calendar key for the same table)', '2026-07-10T18:30:30Z', false],
    ['ending after close', '2026-07-10T21:00:00Z', false],
    ['before opening', '2026-07-10T16:00:00Z', false],
    ['a closed day (Thursday)', '2026-07-09T18:30:00Z', false],
    ['the lunch interval of Saturday', '2026-07-11T11:00:00Z', true],
  ])('%s', (_name, start, open) => {
    expect(slotIsOpen(slots, 'Europe/Lisbon', start)).toBe(open);
  });
});

describe('wall-clock times in a listing time zone', () => {
  it.each([
    ['summer time in Lisbon', '2026-07-10T19:30', 'Europe/Lisbon', '2026-07-10T18:30:00.000Z'],
    ['winter time in Lisbon', '2026-01-09T19:30', 'Europe/Lisbon', '2026-01-09T19:30:00.000Z'],
    ['Tokyo, the day before in UTC', '2026-07-11T08:30', 'Asia/Tokyo', '2026-07-10T23:30:00.000Z'],
    ['a half-hour zone', '2026-07-10T19:00:00', 'Asia/Kolkata', '2026-07-10T13:30:00.000Z'],
    ['New York, seconds given', '2026-11-01T12:00:00', 'America/New_York', '2026-11-01T17:00:00.000Z'],
    ['seconds are kept', '2026-11-01T12:00:30.5', 'America/New_York', '2026-11-01T17:00:30.500Z'],
    ['the hour New York passes twice: the first', '2026-11-01T01:30', 'America/New_York', '2026-11-01T05:30:00.000Z'],
    ['the hour Lisbon skips: no instant', '2026-03-29T01:30', 'Europe/Lisbon', undefined],
  ])('%s', (_name, local, zone, instant) => {
    expect(instantOfLocal(local, zone)).toBe(instant);
    if (instant) expect(localDateTime(instant, zone)).toBe(local.slice(0, 16));
  });

  it.each([
    ['a time that exists: that instant', '2026-07-10', '15:00', 'Asia/Tokyo', '2026-07-10T06:00:00.000Z'],
    ['a time passed twice: the first', '2026-11-01', '01:30', 'America/New_York', '2026-11-01T05:30:00.000Z'],
    ['a time the clocks skip: read with the offset before the jump', '2026-03-08', '02:30', 'America/New_York', '2026-03-08T07:30:00.000Z'],
  ])('a fixed wall-clock time of a date, %s', (_name, date, clock, zone, instant) => {
    expect(wallClockInstant(date, clock, zone)).toBe(instant);
  });

  it('answers the same when asked again, after more distinct times than it keeps', () => {
    const first = [wallClockInstant('2026-03-08', '02:30', 'America/New_York'), localDateTime('2026-11-01T05:30:00.000Z', 'America/New_York')];
    for (let day = 0; day < 10_050; day++) wallClockInstant(new Date(Date.UTC(2000, 0, 1 + day)).toISOString().slice(0, 10), '15:00', 'Europe/Lisbon');
    expect([wallClockInstant('2026-03-08', '02:30', 'America/New_York'), localDateTime('2026-11-01T05:30:00.000Z', 'America/New_York')]).toEqual(first);
    expect(first).toEqual(['2026-03-08T07:30:00.000Z', '2026-11-01T01:30']);
  });

  it('tells a wall-clock time from one with an offset', () => {
    expect(['2026-07-10T19:30', '2026-07-10T19:30:00'].map(hasOffset)).toEqual([false, false]);
    expect(['2026-07-10T19:30:00Z', '2026-07-10T19:30:00.000+02:00', '2026-07-10T19:30-0500'].map(hasOffset)).toEqual([true, true, true]);
  });
});
