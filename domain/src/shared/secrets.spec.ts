import { describe, expect, it } from 'vitest';
import { secretsOf, withoutSecrets } from './secrets.ts';

describe('secrets in older events', () => {
  it.each([
    ['UserRegistered', { userId: 'u1', email: 'a@b.c', passwordHash: 'scrypt$x' }, { userId: 'u1', email: 'a@b.c' }],
    ['BookingRequested', { bookingId: 'b1', paymentMethod: 'tok_visa', total: 1 }, { bookingId: 'b1', total: 1 }],
    ['OrderPlaced', { orderId: 'o1', paymentMethod: 'tok_visa' }, { orderId: 'o1' }],
    ['OrderPaymentRequested', { orderId: 'o1', paymentMethod: 'tok_visa' }, { orderId: 'o1' }],
  ])('%s is read without them', (type, data, clean) => {
    expect(withoutSecrets({ type, data })).toEqual({ type, data: clean });
  });

  it('leaves an event without secrets as it is, the very same object', () => {
    const event = { type: 'BookingRequested', data: { bookingId: 'b1' } };
    expect(withoutSecrets(event)).toBe(event);
    const other = { type: 'BookingPaid', data: { paymentMethod: 'kept: not a field this event ever had as a secret' } };
    expect(withoutSecrets(other)).toBe(other);
  });

  it('names where each secret goes', () => {
    expect(secretsOf({ type: 'UserRegistered', data: { userId: 'u1', passwordHash: 'h' } })).toEqual({ passwordHash: { userId: 'u1', hash: 'h' } });
    expect(secretsOf({ type: 'BookingRequested', data: { bookingId: 'b1', paymentMethod: 't' } })).toEqual({ paymentMethod: { reference: 'b1', token: 't' } });
    expect(secretsOf({ type: 'OrderPlaced', data: { orderId: 'o1', paymentMethod: 't' } })).toEqual({ paymentMethod: { reference: 'o1', token: 't' } });
    expect(secretsOf({ type: 'UserRegistered', data: { userId: 'u1' } })).toEqual({});
  });
});
