import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { specFor, type SpecCase } from '../shared/spec.ts';
import type { PayoutCommand } from './commands.ts';
import type { PayoutEvent } from './events.ts';
import { hostLedgerDecider, payable } from './ledger.ts';

const spec = specFor(hostLedgerDecider);
type Case = SpecCase<PayoutCommand, PayoutEvent>;

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const COMPLETED = '2026-05-03T11:00:00.000Z';
const DUE = '2026-05-04T11:00:00.000Z';
const LATER = '2026-05-10T09:00:00.000Z';

const earning = (bookingId: string, kept: number, bookingRevision = 5, currency = 'EUR'): PayoutCommand => ({
  type: 'RecordBookingEarning',
  data: {
    hostId: 'h1',
    bookingId,
    listingId: 'l1',
    month: '2026-05',
    kept: { amount: kept, currency },
    bookingRevision,
    feeBasisPoints: 1_000,
    availableAt: DUE,
    now: COMPLETED,
  },
});
const accrued = (bookingId: string, gross: number, fee: number, bookingRevision = 5): PayoutEvent => ({
  type: 'HostEarningAccrued',
  data: {
    hostId: 'h1',
    bookingId,
    listingId: 'l1',
    month: '2026-05',
    gross: eur(gross),
    fee: eur(fee),
    net: eur(gross - fee),
    feeBasisPoints: 1_000,
    bookingRevision,
    availableAt: DUE,
    at: COMPLETED,
  },
});
const adjusted = (bookingId: string, bookingRevision: number, gross: number, fee: number): PayoutEvent => ({
  type: 'HostEarningAdjusted',
  data: {
    hostId: 'h1',
    bookingId,
    adjustmentId: `${bookingId}@${bookingRevision}`,
    gross: eur(gross),
    fee: eur(fee),
    net: eur(gross - fee),
    bookingRevision,
    at: COMPLETED,
  },
});
const start = (payoutId: string, now = LATER, currency = 'EUR'): PayoutCommand => ({ type: 'StartPayout', data: { hostId: 'h1', payoutId, currency, now } });
const started = (payoutId: string, amount: number, earnings: string[], adjustments: string[] = []): PayoutEvent => ({
  type: 'HostPayoutStarted',
  data: { hostId: 'h1', payoutId, amount: eur(amount), earnings, adjustments, at: LATER },
});
const sent = (payoutId: string, amount: number): PayoutEvent => ({
  type: 'HostPayoutSent',
  data: { hostId: 'h1', payoutId, gatewayPayoutId: `po_${payoutId}`, amount: eur(amount), at: LATER },
});
const recordSent = (payoutId: string, amount: number): PayoutCommand => ({
  type: 'RecordPayoutSent',
  data: { hostId: 'h1', payoutId, gatewayPayoutId: `po_${payoutId}`, amount: eur(amount), now: LATER },
});

describe('host ledger: earnings', () => {
  it.each<Case>([
    { name: 'a completed booking earns what it kept, less the platform fee (rounded down)', when: earning('b1', 20_005), then: [accrued('b1', 20_005, 2_000)] },
    { name: 'a booking that kept nothing earns nothing', when: earning('b1', 0), then: [] },
    { name: 'the same reading again changes nothing', given: [accrued('b1', 20_000, 2_000)], when: earning('b1', 20_000), then: [] },
    { name: 'an older reading than the recorded one changes nothing', given: [accrued('b1', 20_000, 2_000, 7)], when: earning('b1', 5_000, 6), then: [] },
    {
      name: 'a newer reading that kept less adjusts by the difference, the fee staying the share of what is kept',
      given: [accrued('b1', 20_005, 2_000)],
      when: earning('b1', 15_000, 9),
      then: [adjusted('b1', 9, -5_005, -500)],
    },
    { name: 'a newer reading that kept the same adds nothing', given: [accrued('b1', 20_000, 2_000)], when: earning('b1', 20_000, 9), then: [] },
    { name: 'a later capture adjusts upwards', given: [accrued('b1', 20_000, 2_000)], when: earning('b1', 25_000, 9), then: [adjusted('b1', 9, 5_000, 500)] },
    {
      name: 'another currency for the same booking is refused',
      given: [accrued('b1', 20_000, 2_000)],
      when: earning('b1', 1, 9, 'USD'),
      throws: 'CURRENCY_MISMATCH',
    },
  ])('$name', spec.run);
});

describe('host ledger: payouts', () => {
  it.each<Case>([
    { name: 'nothing is paid before the payout delay has passed', given: [accrued('b1', 20_000, 2_000)], when: start('p1', COMPLETED), then: [] },
    { name: 'a due earning is paid out: its net', given: [accrued('b1', 20_000, 2_000)], when: start('p1'), then: [started('p1', 18_000, ['b1'])] },
    {
      name: 'every due entry goes in one payout',
      given: [accrued('b1', 20_000, 2_000), accrued('b2', 10_000, 1_000)],
      when: start('p1'),
      then: [started('p1', 27_000, ['b1', 'b2'])],
    },
    { name: 'a payout id is used once', given: [accrued('b1', 20_000, 2_000), started('p1', 18_000, ['b1'])], when: start('p1'), then: [] },
    { name: 'paid entries are not paid again', given: [accrued('b1', 20_000, 2_000), started('p1', 18_000, ['b1'])], when: start('p2'), then: [] },
    {
      name: 'a refund after a payout is netted against the next payout',
      given: [accrued('b1', 20_000, 2_000), started('p1', 18_000, ['b1']), sent('p1', 18_000), adjusted('b1', 9, -5_000, -500), accrued('b2', 10_000, 1_000)],
      when: start('p2'),
      then: [started('p2', 4_500, ['b2'], ['b1@9'])],
    },
    {
      name: 'what the host owes beyond the next earning stays open: no payout',
      given: [accrued('b1', 20_000, 2_000), started('p1', 18_000, ['b1']), adjusted('b1', 9, -20_000, -2_000), accrued('b2', 10_000, 1_000)],
      when: start('p2'),
      then: [],
    },
    {
      name: 'an earning of another currency is paid in its own payout',
      given: [accrued('b1', 20_000, 2_000)],
      when: start('p1', LATER, 'USD'),
      then: [],
    },
  ])('$name', spec.run);

  it('the owed balance is carried until earnings cover it, and nothing is lost on the way', () => {
    const history = [accrued('b1', 20_000, 2_000), started('p1', 18_000, ['b1']), adjusted('b1', 9, -20_000, -2_000), accrued('b2', 10_000, 1_000)];
    expect(payable(fold(hostLedgerDecider, history), 'EUR', LATER).amount).toBe(-9_000);
    const next = [...history, accrued('b3', 30_000, 3_000)];
    spec
      .given(next)
      .when(start('p2'))
      .then([started('p2', 18_000, ['b2', 'b3'], ['b1@9'])]);
    // paid in all: 18 000 + 18 000 = the nets of what the three bookings kept (0 + 9 000 + 27 000)
  });
});

describe('host ledger: payout records and issues', () => {
  const open = [accrued('b1', 20_000, 2_000), started('p1', 18_000, ['b1'])];
  const issue = (taskId = 'payout:h1:b1'): PayoutCommand => ({
    type: 'RecordPayoutIssue',
    data: { hostId: 'h1', taskId, operation: 'payout', error: 'down', now: LATER },
  });
  const raised: PayoutEvent = { type: 'HostPayoutIssueRaised', data: { hostId: 'h1', taskId: 'payout:h1:b1', operation: 'payout', error: 'down', at: LATER } };
  const resolve: PayoutCommand = { type: 'ResolvePayoutIssue', data: { hostId: 'h1', taskId: 'payout:h1:b1', now: LATER } };
  it.each<Case>([
    { name: 'a started payout is recorded as sent', given: open, when: recordSent('p1', 18_000), then: [sent('p1', 18_000)] },
    { name: 'recorded once', given: [...open, sent('p1', 18_000)], when: recordSent('p1', 18_000), then: [] },
    { name: 'an unknown payout', when: recordSent('p9', 1), throws: 'PAYOUT_NOT_FOUND' },
    { name: 'another amount than the one started', given: open, when: recordSent('p1', 18_001), throws: 'AMOUNT_INVALID' },
    { name: 'a parked payout raises an issue on the ledger, once', given: open, when: issue(), then: [raised] },
    { name: 'not twice', given: [...open, raised], when: issue(), then: [] },
    {
      name: 'resolved when the payout later succeeds',
      given: [...open, raised],
      when: resolve,
      then: [{ type: 'HostPayoutIssueResolved', data: { hostId: 'h1', taskId: 'payout:h1:b1', at: LATER } }],
    },
    { name: 'nothing to resolve', given: open, when: resolve, then: [] },
  ])('$name', spec.run);
});
