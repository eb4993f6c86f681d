import { describe, expect, it } from 'vitest';
import { HIDDEN, maskContactDetails } from './masking.ts';

describe('maskContactDetails', () => {
  it.each([
    ['write to ann.lee+stay@mail.example.org', `write to ${HIDDEN.email}`],
    ['ann at gmail dot com', HIDDEN.email],
    ['ann (at) gmail (dot) com', HIDDEN.email],
    ['call me on +44 20 7946 0958', `call me on ${HIDDEN.phone}`],
    ['06.12.34.56.78', HIDDEN.phone],
    ['(555) 123-4567 after six', `${HIDDEN.phone} after six`],
    ['book on http://cheap-stays.example/x?y=1 instead', `book on ${HIDDEN.link} instead`],
    ['www.mysite.net', HIDDEN.link],
    ['pay via mysite.io/pay', `pay via ${HIDDEN.link}`],
  ])('hides %j', (text, expected) => {
    const masked = maskContactDetails(text);
    expect(masked.text).toBe(expected);
    expect(masked.hidden).toBeGreaterThan(0);
  });

  it.each([
    'We arrive on 2026-12-01 at 15:00, two adults and a child.',
    'Check-in is 12/24/2026, see you then.',
    'The code is 4921 and the flat is on floor 3.',
    'Meet at the station. Thanks!',
    'It costs 120 EUR per night, e.g. 360 for three.',
  ])('leaves %j alone', (text) => {
    expect(maskContactDetails(text)).toEqual({ text, hidden: 0 });
  });
});
