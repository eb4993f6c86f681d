import type { Decider } from '../shared/decider.ts';
import { assertNever, unknownEvent } from '../shared/decider.ts';
import { fail } from '../shared/errors.ts';
import { money, share, type Money } from '../shared/money.ts';
import { isOpen, withIssue, withoutIssue, type PaymentIssue } from '../shared/payment-issue.ts';
import { notBefore } from '../shared/time.ts';
import type { PayoutCommand, PayoutCommandOf } from './commands.ts';
import type { PayoutEvent } from './events.ts';

/** One booking's earning: what it first added to the ledger, and the totals after every adjustment. */
type LedgerEarning = {
  bookingId: string;
  currency: string;
  /** The net the accrual added (adjustments are entries of their own). */
  accruedNet: number;
  gross: number;
  fee: number;
  feeBasisPoints: number;
  bookingRevision: number;
  availableAt: string;
  payoutId?: string;
};
type LedgerAdjustment = { adjustmentId: string; bookingId: string; currency: string; net: number; payoutId?: string };
type LedgerPayout = { payoutId: string; amount: Money; status: 'started' | 'sent'; gatewayPayoutId?: string };

/**
 * A host's ledger: every earning and adjustment, and the payouts that settled them. Entries not
 * in a payout yet are open; a payout takes every open entry whose booking is due, so money a host
 * owes back (a negative adjustment) is netted against what is paid next, never lost.
 */
export type HostLedger = {
  earnings: Record<string, LedgerEarning>;
  adjustments: Record<string, LedgerAdjustment>;
  payouts: Record<string, LedgerPayout>;
  paymentIssues: PaymentIssue[];
};

const initialHostLedger: HostLedger = { earnings: {}, adjustments: {}, payouts: {}, paymentIssues: [] };

export const hostLedgerStreamId = (hostId: string): string => `payouts-${hostId}`;

const settle = <T extends { payoutId?: string }>(entries: Record<string, T>, ids: readonly string[], payoutId: string): Record<string, T> => {
  const next = { ...entries };
  for (const id of ids) if (next[id]) next[id] = { ...next[id], payoutId };
  return next;
};

const evolveHostLedger = (state: HostLedger, event: PayoutEvent): HostLedger => {
  switch (event.type) {
    case 'HostEarningAccrued': {
      const { bookingId, gross, fee, net, feeBasisPoints, bookingRevision, availableAt } = event.data;
      if (state.earnings[bookingId]) return state;
      const earning: LedgerEarning = {
        bookingId,
        currency: gross.currency,
        accruedNet: net.amount,
        gross: gross.amount,
        fee: fee.amount,
        feeBasisPoints,
        bookingRevision,
        availableAt,
      };
      return { ...state, earnings: { ...state.earnings, [bookingId]: earning } };
    }
    case 'HostEarningAdjusted': {
      const { bookingId, adjustmentId, gross, fee, net, bookingRevision } = event.data;
      const earning = state.earnings[bookingId];
      if (!earning || state.adjustments[adjustmentId]) return state;
      const adjusted = { ...earning, gross: earning.gross + gross.amount, fee: earning.fee + fee.amount, bookingRevision };
      const adjustment: LedgerAdjustment = { adjustmentId, bookingId, currency: net.currency, net: net.amount };
      return { ...state, earnings: { ...state.earnings, [bookingId]: adjusted }, adjustments: { ...state.adjustments, [adjustmentId]: adjustment } };
    }
    case 'HostPayoutStarted': {
      const { payoutId, amount, earnings, adjustments } = event.data;
      return {
        ...state,
        earnings: settle(state.earnings, earnings, payoutId),
        adjustments: settle(state.adjustments, adjustments, payoutId),
        payouts: { ...state.payouts, [payoutId]: { payoutId, amount, status: 'started' } },
      };
    }
    case 'HostPayoutSent': {
      const payout = state.payouts[event.data.payoutId];
      if (!payout) return state;
      return { ...state, payouts: { ...state.payouts, [payout.payoutId]: { ...payout, status: 'sent', gatewayPayoutId: event.data.gatewayPayoutId } } };
    }
    case 'HostPayoutIssueRaised': {
      const { taskId, operation, error, at } = event.data;
      return { ...state, paymentIssues: withIssue(state.paymentIssues, { taskId, operation, error, since: at }) };
    }
    case 'HostPayoutIssueResolved':
      return { ...state, paymentIssues: withoutIssue(state.paymentIssues, event.data.taskId) };
    default:
      return unknownEvent(state, event);
  }
};

type Decision<T extends PayoutCommand['type']> = (command: PayoutCommandOf<T>['data'], state: HostLedger) => PayoutEvent[];

const recordEarning: Decision<'RecordBookingEarning'> = (c, state) => {
  const { hostId, bookingId, kept, bookingRevision, now: at } = c;
  const earning = state.earnings[bookingId];
  if (!earning) {
    if (kept.amount === 0) return [];
    const fee = share(kept, c.feeBasisPoints);
    const net = money(kept.amount - fee.amount, kept.currency);
    const { listingId, month, feeBasisPoints, availableAt } = c;
    return [
      { type: 'HostEarningAccrued', data: { hostId, bookingId, listingId, month, gross: kept, fee, net, feeBasisPoints, bookingRevision, availableAt, at } },
    ];
  }
  // an older reading of the booking than the one recorded: nothing new
  if (bookingRevision <= earning.bookingRevision) return [];
  if (kept.currency !== earning.currency) fail('CURRENCY_MISMATCH', `The booking earned in ${earning.currency}, not ${kept.currency}`);
  const gross = kept.amount - earning.gross;
  if (gross === 0) return [];
  // the fee is always the share of what the booking keeps now, so the ledger's totals stay exact
  const fee = share(kept, earning.feeBasisPoints).amount - earning.fee;
  const { currency } = kept;
  return [
    {
      type: 'HostEarningAdjusted',
      data: {
        hostId,
        bookingId,
        adjustmentId: `${bookingId}@${bookingRevision}`,
        gross: { amount: gross, currency },
        fee: { amount: fee, currency },
        net: { amount: gross - fee, currency },
        bookingRevision,
        at,
      },
    },
  ];
};

/** The open entries of a currency whose booking's earning is due at `now`, and what they sum to. */
export const payable = (state: HostLedger, currency: string, now: string) => {
  const due = new Set(
    Object.values(state.earnings)
      .filter((e) => e.currency === currency && notBefore(now, e.availableAt))
      .map((e) => e.bookingId),
  );
  const earnings = Object.values(state.earnings).filter((e) => due.has(e.bookingId) && !e.payoutId);
  const adjustments = Object.values(state.adjustments).filter((a) => a.currency === currency && due.has(a.bookingId) && !a.payoutId);
  const amount = earnings.reduce((s, e) => s + e.accruedNet, 0) + adjustments.reduce((s, a) => s + a.net, 0);
  return { earnings, adjustments, amount };
};

const startPayout: Decision<'StartPayout'> = (c, state) => {
  if (state.payouts[c.payoutId]) return [];
  const { earnings, adjustments, amount } = payable(state, c.currency, c.now);
  // nothing due, or a balance the host owes: it stays open and is netted against the next earnings
  if (amount <= 0) return [];
  return [
    {
      type: 'HostPayoutStarted',
      data: {
        hostId: c.hostId,
        payoutId: c.payoutId,
        amount: money(amount, c.currency),
        earnings: earnings.map((e) => e.bookingId).sort(),
        adjustments: adjustments.map((a) => a.adjustmentId).sort(),
        at: c.now,
      },
    },
  ];
};

const payoutSent: Decision<'RecordPayoutSent'> = (c, state) => {
  const payout = state.payouts[c.payoutId] ?? fail('PAYOUT_NOT_FOUND', `No payout ${c.payoutId}`);
  if (payout.status === 'sent') return [];
  if (c.amount.amount !== payout.amount.amount || c.amount.currency !== payout.amount.currency)
    fail('AMOUNT_INVALID', `Payout ${c.payoutId} is ${payout.amount.amount} ${payout.amount.currency}`, { amount: c.amount });
  const { hostId, payoutId, gatewayPayoutId, amount, now: at } = c;
  return [{ type: 'HostPayoutSent', data: { hostId, payoutId, gatewayPayoutId, amount, at } }];
};

const recordIssue: Decision<'RecordPayoutIssue'> = (c, state) => {
  if (isOpen(state.paymentIssues, c.taskId)) return [];
  const { hostId, taskId, operation, error, now: at } = c;
  return [{ type: 'HostPayoutIssueRaised', data: { hostId, taskId, operation, error, at } }];
};

const resolveIssue: Decision<'ResolvePayoutIssue'> = (c, state) =>
  isOpen(state.paymentIssues, c.taskId) ? [{ type: 'HostPayoutIssueResolved', data: { hostId: c.hostId, taskId: c.taskId, at: c.now } }] : [];

const decideHostLedger = (command: PayoutCommand, state: HostLedger): PayoutEvent[] => {
  switch (command.type) {
    case 'RecordBookingEarning':
      return recordEarning(command.data, state);
    case 'StartPayout':
      return startPayout(command.data, state);
    case 'RecordPayoutSent':
      return payoutSent(command.data, state);
    case 'RecordPayoutIssue':
      return recordIssue(command.data, state);
    case 'ResolvePayoutIssue':
      return resolveIssue(command.data, state);
    default:
      return assertNever(command);
  }
};

export const hostLedgerDecider: Decider<PayoutCommand, HostLedger, PayoutEvent> = {
  initialState: initialHostLedger,
  evolve: evolveHostLedger,
  decide: decideHostLedger,
};
