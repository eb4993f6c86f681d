import { describe, expect, it } from 'vitest';
import { payoutReactions } from './workflow.ts';

const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe('payout workflow reactions', () => {
  it('a completed booking records its earning at once', () => {
    expect(payoutReactions({ type: 'BookingCompleted', data: { bookingId: 'b1', payout: eur(100), at: '2026-05-03T11:00:00.000Z' } })).toEqual([
      { taskId: 'earning:b1:completed', dueAt: '2026-05-03T11:00:00.000Z', task: { type: 'RecordBookingEarning', bookingId: 'b1' } },
    ]);
  });

  it('an earning pays out when it falls due, keyed by host and booking', () => {
    const data = {
      hostId: 'h1',
      bookingId: 'b1',
      listingId: 'l1',
      month: '2026-05',
      gross: eur(100),
      fee: eur(10),
      net: eur(90),
      feeBasisPoints: 1000,
      bookingRevision: 4,
      availableAt: '2026-05-04T11:00:00.000Z',
      at: '2026-05-03T11:00:00.000Z',
    };
    expect(payoutReactions({ type: 'HostEarningAccrued', data })).toEqual([
      { taskId: 'payout:h1:b1', dueAt: '2026-05-04T11:00:00.000Z', task: { type: 'PayOut', hostId: 'h1', currency: 'EUR' } },
    ]);
  });

  it('an adjustment asks for a payout at once (a no-op while its earning is not due)', () => {
    const data = {
      hostId: 'h1',
      bookingId: 'b1',
      adjustmentId: 'b1@9',
      gross: eur(10),
      fee: eur(1),
      net: eur(9),
      bookingRevision: 9,
      at: '2026-05-05T00:00:00.000Z',
    };
    expect(payoutReactions({ type: 'HostEarningAdjusted', data })).toEqual([
      { taskId: 'payout:h1:b1@9', dueAt: '2026-05-05T00:00:00.000Z', task: { type: 'PayOut', hostId: 'h1', currency: 'EUR' } },
    ]);
  });

  it('other events schedule nothing', () => {
    expect(payoutReactions({ type: 'BookingConfirmed', data: {} })).toEqual([]);
    expect(payoutReactions({ type: 'HostPayoutSent', data: {} })).toEqual([]);
    expect(payoutReactions({ type: 'Unknown', data: {} })).toEqual([]);
  });
});

describe('payout workflow reactions to money given back after the stay', () => {
  it('a granted refund records the earning again (the ledger adjusts by what changed)', () => {
    const data = { bookingId: 'b1', grantId: 'g1', by: 'h1', refund: eur(10), refunds: [], reason: '', at: '2026-05-06T00:00:00.000Z' };
    expect(payoutReactions({ type: 'BookingRefundGranted', data })).toEqual([
      { taskId: 'earning:b1:g1', dueAt: '2026-05-06T00:00:00.000Z', task: { type: 'RecordBookingEarning', bookingId: 'b1' } },
    ]);
  });
});

describe('payout workflow reactions to a restaurant deposit', () => {
  it.each([
    ['BookingDepositSettled', { bookingId: 'b1', refund: eur(0), refunds: [], at: '2026-05-06T00:00:00.000Z' }],
    ['BookingNoShowMarked', { bookingId: 'b1', by: 'h1', kept: eur(2000), at: '2026-05-06T00:00:00.000Z' }],
  ])('%s records the earning (what the deposit left)', (type, data) => {
    expect(payoutReactions({ type, data })).toEqual([
      { taskId: 'earning:b1:deposit', dueAt: '2026-05-06T00:00:00.000Z', task: { type: 'RecordBookingEarning', bookingId: 'b1' } },
    ]);
  });
});
