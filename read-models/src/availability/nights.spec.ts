import { describe, expect, it } from 'vitest';
import { nightsBetween } from './nights.ts';

describe('nightsBetween', () => {
  it('lists the nights from check-in to the day before check-out', () => {
    expect(nightsBetween('2027-03-05', '2027-03-08')).toEqual(['2027-03-05', '2027-03-06', '2027-03-07']);
  });

  it('crosses month and year ends, leap days included', () => {
    expect(nightsBetween('2027-12-30', '2028-01-02')).toEqual(['2027-12-30', '2027-12-31', '2028-01-01']);
    expect(nightsBetween('2028-02-28', '2028-03-02')).toEqual(['2028-02-28', '2028-02-29', '2028-03-01']);
    expect(nightsBetween('2027-02-28', '2027-03-01')).toEqual(['2027-02-28']);
    expect(nightsBetween('2027-04-30', '2027-05-01')).toEqual(['2027-04-30']);
  });

  it('is empty when check-out is not after check-in', () => {
    expect(nightsBetween('2027-03-05', '2027-03-05')).toEqual([]);
    expect(nightsBetween('2027-03-06', '2027-03-05')).toEqual([]);
  });

  it('is every day of a year, one by one', () => {
    const nights = nightsBetween('2027-11-15', '2029-01-10');
    const day = (i: number) => new Date(Date.UTC(2027, 10, 15 + i)).toISOString().slice(0, 10);
    expect(nights).toEqual(Array.from({ length: nights.length }, (_, i) => day(i)));
    expect(nights).toHaveLength(422);
  });
});
