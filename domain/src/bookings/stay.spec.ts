import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import { stayEnd, stayKeys, stayStart, validStay, type Stay } from './stay.ts';

const NOW = '2026-03-01T10:00:00.000Z';

describe('stay keys and bounds', () => {
  it.each<{ name: string; stay: Stay; timeZone?: string; keys: string[]; start: string; end: string }>([
    {
      name: 'nights in a booking of before time zones: UTC',
      stay: { kind: 'nights', checkIn: '2026-03-30', checkOut: '2026-04-02' },
      keys: ['2026-03-30', '2026-03-31', '2026-04-01'],
      start: '2026-03-30T15:00:00.000Z',
      end: '2026-04-02T11:00:00.000Z',
    },
    {
      name: 'nights in Tokyo: 15:00 and 11:00 there (UTC+9, no summer time)',
      stay: { kind: 'nights', checkIn: '2026-04-10', checkOut: '2026-04-13' },
      timeZone: 'Asia/Tokyo',
      keys: ['2026-04-10', '2026-04-11', '2026-04-12'],
      start: '2026-04-10T06:00:00.000Z',
      end: '2026-04-13T02:00:00.000Z',
    },
    {
      name: 'nights in New York across the spring change: check-in in winter time, check-out in summer time',
      stay: { kind: 'nights', checkIn: '2026-03-06', checkOut: '2026-03-10' },
      timeZone: 'America/New_York',
      keys: ['2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09'],
      start: '2026-03-06T20:00:00.000Z',
      end: '2026-03-10T15:00:00.000Z',
    },
    {
      name: 'nights in Lisbon across the autumn change',
      stay: { kind: 'nights', checkIn: '2026-10-24', checkOut: '2026-10-26' },
      timeZone: 'Europe/Lisbon',
      keys: ['2026-10-24', '2026-10-25'],
      start: '2026-10-24T14:00:00.000Z',
      end: '2026-10-26T11:00:00.000Z',
    },
    {
      name: 'a slot is an instant whatever the zone',
      stay: { kind: 'slot', start: '2026-03-05T19:30:00.000Z', minutes: 90 },
      timeZone: 'Asia/Tokyo',
      keys: ['2026-03-05T19:30:00.000Z'],
      start: '2026-03-05T19:30:00.000Z',
      end: '2026-03-05T21:00:00.000Z',
    },
  ])('$name', ({ stay, timeZone, keys, start, end }) => {
    expect(stayKeys(stay)).toEqual(keys);
    expect(stayStart(stay, timeZone)).toBe(start);
    expect(stayEnd(stay, timeZone)).toBe(end);
  });
});

describe('validStay', () => {
  const refused = (stay: Stay): string => {
    try {
      validStay(stay, NOW);
    } catch (error) {
      if (error instanceof DomainError) return error.code;
      throw error;
    }
    return 'accepted';
  };

  it.each<{ name: string; stay: Stay; code: string }>([
    { name: 'one night', stay: { kind: 'nights', checkIn: '2026-03-10', checkOut: '2026-03-11' }, code: 'accepted' },
    { name: '60 nights', stay: { kind: 'nights', checkIn: '2026-03-10', checkOut: '2026-05-09' }, code: 'accepted' },
    { name: '61 nights', stay: { kind: 'nights', checkIn: '2026-03-10', checkOut: '2026-05-10' }, code: 'STAY_INVALID' },
    { name: 'check-out on check-in', stay: { kind: 'nights', checkIn: '2026-03-10', checkOut: '2026-03-10' }, code: 'STAY_INVALID' },
    { name: 'check-out before check-in', stay: { kind: 'nights', checkIn: '2026-03-10', checkOut: '2026-03-09' }, code: 'STAY_INVALID' },
    { name: 'not a date', stay: { kind: 'nights', checkIn: '2026-02-30', checkOut: '2026-03-02' }, code: 'STAY_INVALID' },
    { name: 'check-in today', stay: { kind: 'nights', checkIn: '2026-03-01', checkOut: '2026-03-02' }, code: 'accepted' },
    { name: 'check-in yesterday', stay: { kind: 'nights', checkIn: '2026-02-28', checkOut: '2026-03-02' }, code: 'STAY_IN_PAST' },
    { name: 'slot of 15 minutes', stay: { kind: 'slot', start: '2026-03-01T10:00:00.000Z', minutes: 15 }, code: 'accepted' },
    { name: 'slot of 480 minutes', stay: { kind: 'slot', start: '2026-03-01T12:00:00.000Z', minutes: 480 }, code: 'accepted' },
    { name: 'slot of 14 minutes', stay: { kind: 'slot', start: '2026-03-01T12:00:00.000Z', minutes: 14 }, code: 'STAY_INVALID' },
    { name: 'slot of 481 minutes', stay: { kind: 'slot', start: '2026-03-01T12:00:00.000Z', minutes: 481 }, code: 'STAY_INVALID' },
    { name: 'slot of 60.5 minutes', stay: { kind: 'slot', start: '2026-03-01T12:00:00.000Z', minutes: 60.5 }, code: 'STAY_INVALID' },
    { name: 'slot start not an instant', stay: { kind: 'slot', start: 'tonight', minutes: 60 }, code: 'STAY_INVALID' },
    { name: 'slot a minute ago', stay: { kind: 'slot', start: '2026-03-01T09:59:00.000Z', minutes: 60 }, code: 'STAY_IN_PAST' },
    { name: 'check-in 5 × 366 days ahead', stay: { kind: 'nights', checkIn: '2031-03-05', checkOut: '2031-03-06' }, code: 'accepted' },
    { name: 'check-in a day further', stay: { kind: 'nights', checkIn: '2031-03-06', checkOut: '2031-03-07' }, code: 'STAY_INVALID' },
    { name: 'two nights in year 9999', stay: { kind: 'nights', checkIn: '9999-12-01', checkOut: '9999-12-03' }, code: 'STAY_INVALID' },
    { name: 'slot in year 9999', stay: { kind: 'slot', start: '9999-12-01T19:00:00.000Z', minutes: 60 }, code: 'STAY_INVALID' },
  ])('$name → $code', ({ stay, code }) => {
    expect(refused(stay)).toBe(code);
  });

  it('counts the nights of a stay from year 1 to 9999 without listing them', () => {
    try {
      validStay({ kind: 'nights', checkIn: '0001-01-01', checkOut: '9999-12-31' }, NOW);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'STAY_INVALID', details: { nights: 3_652_058 } });
    }
  });

  it('spells a slot start one way, so one instant is one calendar key', () => {
    expect(validStay({ kind: 'slot', start: '2026-03-05T19:30:00Z', minutes: 60 }, NOW)).toEqual({
      kind: 'slot',
      start: '2026-03-05T19:30:00.000Z',
      minutes: 60,
    });
  });
});
