import { describe, expect, it } from 'vitest';
import { daysBetween, isIsoDate, nightsOf } from './time.ts';

// What these functions answered when they went through `Date` for every call: the reference.
const DAY_MS = 86_400_000;
const byDate = {
  isIsoDate: (value: string) =>
    /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
  daysBetween: (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS),
  addDays: (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10),
};

const everyDay = (from: string, count: number) => Array.from({ length: count }, (_, i) => byDate.addDays(from, i));

describe('calendar dates by day numbers', () => {
  it('agrees with Date on every day from 1899 to 2101, leap days and month ends included', () => {
    const days = everyDay('1899-12-25', 73_100);
    for (const [i, day] of days.entries()) {
      expect(isIsoDate(day)).toBe(true);
      if (i % 97 === 0) expect(daysBetween('1970-01-01', day)).toBe(byDate.daysBetween('1970-01-01', day));
    }
    expect(nightsOf('1899-12-25', '2100-01-31')).toEqual(days.slice(0, byDate.daysBetween('1899-12-25', '2100-01-31')));
  });

  it.each([
    '2026-02-29',
    '2100-02-29',
    '2000-02-30',
    '2026-13-01',
    '2026-00-10',
    '2026-04-31',
    '2026-01-00',
    '2026-1-01',
    '2026-01-01T00:00:00Z',
    '20260101',
    '2026/01/01',
    'abcd-ef-gh',
    '',
    '+02026-01-01',
  ])('refuses %j as Date did', (value) => {
    expect(isIsoDate(value)).toBe(false);
    expect(byDate.isIsoDate(value)).toBe(false);
  });

  it.each([['2000-02-29'], ['2024-02-29'], ['0000-01-01'], ['9999-12-31'], ['1970-01-01']])('takes %j as Date did', (value) => {
    expect(isIsoDate(value)).toBe(byDate.isIsoDate(value));
    expect(isIsoDate(value)).toBe(true);
  });

  it.each([
    ['2026-03-28', '2026-04-02'],
    ['2024-02-27', '2024-03-02'],
    ['2026-12-30', '2027-01-03'],
    ['2026-05-01', '2026-05-01'],
    ['2026-05-03', '2026-05-01'],
  ])('counts and lists the nights from %s to %s as Date did', (checkIn, checkOut) => {
    const count = byDate.daysBetween(checkIn, checkOut);
    expect(daysBetween(checkIn, checkOut)).toBe(count);
    expect(nightsOf(checkIn, checkOut)).toEqual(Array.from({ length: Math.max(0, count) }, (_, i) => byDate.addDays(checkIn, i)));
  });

  it('leaves what is not a plain date to Date, with its answers', () => {
    expect(daysBetween('2026-01-01', 'not a date')).toBeNaN();
    expect(daysBetween('2026-02-30', '2026-03-05')).toBe(byDate.daysBetween('2026-02-30', '2026-03-05'));
    expect(nightsOf('9999-12-30', '9999-12-31')).toEqual(['9999-12-30']);
  });
});
