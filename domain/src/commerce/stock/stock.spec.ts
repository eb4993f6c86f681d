import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../../shared/decider.ts';
import { DomainError } from '../../shared/errors.ts';
import { specFor, type SpecCase } from '../../shared/spec.ts';
import { availableOf, stockDecider, stockStreamId, type StockCommand, type StockEvent } from './stock.ts';

const now = '2026-03-01T10:00:00.000Z';
const expiresAt = '2026-03-01T10:15:00.000Z';
const sku = 'CUP-80';

const received = (quantity: number, receiptId = 'r1'): StockEvent => ({ type: 'StockReceived', data: { sku, receiptId, quantity, at: now } });
const held = (holdId: string, quantity: number): StockEvent => ({ type: 'StockHeld', data: { sku, holdId, quantity, expiresAt, at: now } });
const confirmed = (holdId: string, quantity: number): StockEvent => ({ type: 'StockHoldConfirmed', data: { sku, holdId, quantity, at: now } });
const released = (holdId: string, quantity: number): StockEvent => ({
  type: 'StockReleased',
  data: { sku, holdId, quantity, reason: 'expired', at: now },
});
const receive = (quantity: number, receiptId = 'r1'): StockCommand => ({ type: 'ReceiveStock', data: { sku, quantity, receiptId, now } });
const hold = (holdId: string, quantity: number): StockCommand => ({ type: 'HoldStock', data: { sku, holdId, quantity, expiresAt, now } });
const confirm = (holdId: string): StockCommand => ({ type: 'ConfirmStock', data: { sku, holdId, now } });
const release = (holdId: string): StockCommand => ({ type: 'ReleaseStock', data: { sku, holdId, reason: 'expired', now } });

const cases: SpecCase<StockCommand, StockEvent>[] = [
  { name: 'receives stock', when: receive(5), then: [received(5)] },
  { name: 'the same receipt twice adds nothing', given: [received(5)], when: receive(5), then: [] },
  { name: 'another receipt adds', given: [received(5)], when: receive(2, 'r2'), then: [received(2, 'r2')] },
  { name: 'refuses to receive nothing', when: receive(0), throws: 'AMOUNT_INVALID' },
  { name: 'refuses a fractional quantity', when: receive(1.5), throws: 'AMOUNT_INVALID' },
  { name: 'holds what is available', given: [received(5)], when: hold('o1', 5), then: [held('o1', 5)] },
  { name: 'refuses to hold more than available', given: [received(5)], when: hold('o1', 6), throws: 'OUT_OF_STOCK', details: { available: 5, requested: 6 } },
  { name: 'holds reserve stock for others', given: [received(5), held('o1', 3)], when: hold('o2', 3), throws: 'OUT_OF_STOCK', details: { available: 2 } },
  { name: 'nothing received is out of stock', when: hold('o1', 1), throws: 'OUT_OF_STOCK', details: { available: 0 } },
  { name: 'the same hold id again holds nothing more', given: [received(5), held('o1', 3)], when: hold('o1', 3), then: [] },
  { name: 'a released hold is not revived', given: [received(5), held('o1', 3), released('o1', 3)], when: hold('o1', 3), then: [] },
  { name: 'a release frees stock for others', given: [received(5), held('o1', 3), released('o1', 3)], when: hold('o2', 5), then: [held('o2', 5)] },
  { name: 'refuses to hold nothing', given: [received(5)], when: hold('o1', 0), throws: 'AMOUNT_INVALID' },
  { name: 'confirms a hold', given: [received(5), held('o1', 3)], when: confirm('o1'), then: [confirmed('o1', 3)] },
  { name: 'confirming twice decides nothing', given: [received(5), held('o1', 3), confirmed('o1', 3)], when: confirm('o1'), then: [] },
  { name: 'confirms only a known hold', given: [received(5)], when: confirm('o1'), throws: 'STOCK_HOLD_NOT_FOUND' },
  { name: 'a released hold cannot be confirmed', given: [received(5), held('o1', 3), released('o1', 3)], when: confirm('o1'), throws: 'STOCK_HOLD_RELEASED' },
  {
    name: 'confirmed stock has left: the rest stays available',
    given: [received(5), held('o1', 3), confirmed('o1', 3)],
    when: hold('o2', 2),
    then: [held('o2', 2)],
  },
  {
    name: 'confirmed stock is not available again',
    given: [received(5), held('o1', 3), confirmed('o1', 3)],
    when: hold('o2', 3),
    throws: 'OUT_OF_STOCK',
    details: { available: 2 },
  },
  { name: 'releases a hold', given: [received(5), held('o1', 3)], when: release('o1'), then: [released('o1', 3)] },
  { name: 'releasing twice decides nothing', given: [received(5), held('o1', 3), released('o1', 3)], when: release('o1'), then: [] },
  { name: 'releasing an unknown hold decides nothing', given: [received(5)], when: release('o1'), then: [] },
  { name: 'a confirmed hold is not released', given: [received(5), held('o1', 3), confirmed('o1', 3)], when: release('o1'), then: [] },
];

describe('stockDecider', () => {
  it.each(cases)('$name', specFor(stockDecider).run);

  it('available = on hand − unconfirmed holds', () => {
    const state = fold(stockDecider, [received(10), held('a', 2), held('b', 3), confirmed('a', 2), held('c', 1), released('c', 1)]);
    expect(state.onHand).toBe(8);
    expect(availableOf(state)).toBe(5);
  });

  it('names its stream', () => expect(stockStreamId(sku)).toBe('stock-CUP-80'));

  it('never goes negative and never holds more than was received, whatever the commands', () => {
    const command = fc.oneof(
      fc.record({ kind: fc.constant('receive'), id: fc.integer({ min: 0, max: 3 }), quantity: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constantFrom('hold', 'confirm', 'release'), id: fc.integer({ min: 0, max: 5 }), quantity: fc.integer({ min: 1, max: 6 }) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (script) => {
        let state = stockDecider.initialState;
        let receivedTotal = 0;
        for (const step of script) {
          const toCommand: Record<string, () => StockCommand> = {
            receive: () => receive(step.quantity, `r${step.id}`),
            hold: () => hold(`o${step.id}`, step.quantity),
            confirm: () => confirm(`o${step.id}`),
            release: () => release(`o${step.id}`),
          };
          let events: StockEvent[] = [];
          try {
            events = stockDecider.decide(toCommand[step.kind]!(), state);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
          }
          for (const event of events) if (event.type === 'StockReceived') receivedTotal += event.data.quantity;
          state = events.reduce(stockDecider.evolve, state);
          const reserved = Object.values(state.holds)
            .filter((h) => h.status !== 'released')
            .reduce((s, h) => s + h.quantity, 0);
          expect(state.onHand).toBeGreaterThanOrEqual(0);
          expect(availableOf(state)).toBeGreaterThanOrEqual(0);
          expect(reserved).toBeLessThanOrEqual(receivedTotal);
        }
      }),
    );
  });
});
