import { describe, expect, it } from 'vitest';
import {
  applyOrderEvent,
  createOrder,
  isTerminal,
  type NewOrderFields,
  type Order,
  type OrderEvent,
} from '../../domain/trading/order.ts';
import { unwrap, type Result } from '../../domain/result.ts';
import { lots, micros, ticks } from '../../domain/values/units.ts';

const limitFields: NewOrderFields = {
  id: 'o-1',
  symbol: 'BTCUSDT',
  side: 'Buy',
  type: 'limit',
  qty: lots(10),
  limitPrice: ticks(650_000),
  reduceOnly: false,
  createdAt: micros(1_000),
};
const marketFields: NewOrderFields = { ...limitFields, id: 'o-2', type: 'market', limitPrice: null };

const submit: OrderEvent = { kind: 'submit', ts: micros(1_010) };
const accept: OrderEvent = { kind: 'accept', ts: micros(1_020), venueOrderId: 'v-1' };
const fill = (qty: number, ts = 1_030, tradeId = `t-${qty}-${ts}`): OrderEvent => ({ kind: 'fill', ts: micros(ts), tradeId, qty: lots(qty) });
const cancel: OrderEvent = { kind: 'cancel', ts: micros(1_040), reason: 'user' };
const reject: OrderEvent = { kind: 'reject', ts: micros(1_050), reason: 'insufficient margin' };

/** Applies events in turn, failing the test on the first refused one. */
function run(fields: NewOrderFields, ...events: OrderEvent[]): Order {
  let order = unwrap(createOrder(fields));
  for (const event of events) order = unwrap(applyOrderEvent(order, event));
  return order;
}

function errorKind<T>(result: Result<T, { kind: string }>): string | null {
  return result.ok ? null : result.error.kind;
}

describe('createOrder', () => {
  it('creates a new, unfilled order stamped with its creation time', () => {
    const order = unwrap(createOrder({ ...limitFields, reason: 'signal 0.8' }));
    expect(order).toMatchObject({ status: 'new', filledQty: 0, venueOrderId: null, updatedAt: 1_000, reason: 'signal 0.8' });
    expect(unwrap(createOrder(limitFields)).reason).toBeNull();
  });

  it.each([
    ['qty', { qty: lots(0) }],
    ['qty', { qty: lots(-1) }],
    ['qty', { qty: lots(1.5) }],
    ['limitPrice', { limitPrice: null }],
    ['limitPrice', { limitPrice: ticks(0) }],
    ['id', { id: '' }],
    ['symbol', { symbol: '' }],
    ['createdAt', { createdAt: micros(1.5) }],
  ] as const)('rejects a limit order with a bad %s', (field, change) => {
    const result = createOrder({ ...limitFields, ...change });
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'InvalidOrder', field }) });
  });

  it('rejects a market order that carries a limit price', () => {
    expect(errorKind(createOrder({ ...marketFields, limitPrice: ticks(650_000) }))).toBe('InvalidOrder');
    expect(createOrder(marketFields).ok).toBe(true);
  });
});

describe('applyOrderEvent', () => {
  it('walks a limit order from new to filled through partial fills', () => {
    const partly = run(limitFields, submit, accept, fill(4));
    expect(partly).toMatchObject({ status: 'partially_filled', filledQty: 4, venueOrderId: 'v-1', updatedAt: 1_030 });
    const done = unwrap(applyOrderEvent(partly, fill(6, 1_060)));
    expect(done).toMatchObject({ status: 'filled', filledQty: 10, updatedAt: 1_060 });
  });

  it('fills a market order whose fill arrives before its acceptance, then ignores the late accept', () => {
    const filled = run(marketFields, submit, fill(10));
    expect(filled).toMatchObject({ status: 'filled', filledQty: 10, venueOrderId: null });
    const acked = unwrap(applyOrderEvent(filled, accept));
    expect(acked).toMatchObject({ status: 'filled', filledQty: 10, venueOrderId: 'v-1' });
  });

  it('keeps the status on an accept after a partial fill and records the venue id once', () => {
    const order = run(limitFields, submit, fill(3), accept);
    expect(order).toMatchObject({ status: 'partially_filled', filledQty: 3, venueOrderId: 'v-1' });
    const again = unwrap(applyOrderEvent(order, { kind: 'accept', ts: micros(1_070), venueOrderId: 'v-other' }));
    expect(again.venueOrderId).toBe('v-1');
  });

  it('counts a fill that raced a cancel: stays canceled while partial, filled when complete', () => {
    const canceled = run(limitFields, submit, accept, fill(2), cancel);
    expect(canceled).toMatchObject({ status: 'canceled', filledQty: 2, reason: 'user' });
    const raced = unwrap(applyOrderEvent(canceled, fill(5, 1_045)));
    expect(raced).toMatchObject({ status: 'canceled', filledQty: 7 });
    const complete = unwrap(applyOrderEvent(raced, fill(3, 1_046)));
    expect(complete).toMatchObject({ status: 'filled', filledQty: 10 });
    expect(isTerminal(complete.status)).toBe(true);
  });

  it('takes an amend\'s quantity and price on a live limit order, the status and fills kept', () => {
    const amend = (qty: number, price: number, ts = 1_035): OrderEvent => ({ kind: 'amend', ts: micros(ts), qty: lots(qty), limitPrice: ticks(price) });
    const moved = run(limitFields, submit, accept, amend(10, 650_010));
    expect(moved).toMatchObject({ status: 'accepted', qty: 10, limitPrice: 650_010, filledQty: 0, updatedAt: 1_035 });
    const smaller = run(limitFields, submit, accept, fill(4), amend(6, 650_000));
    expect(smaller).toMatchObject({ status: 'partially_filled', qty: 6, filledQty: 4 });
    expect(unwrap(applyOrderEvent(smaller, fill(2, 1_060)))).toMatchObject({ status: 'filled', filledQty: 6 });
    // The venue never amends to what has filled, nor a market order: refused, the order unchanged.
    expect(errorKind(applyOrderEvent(run(limitFields, submit, accept, fill(4)), amend(4, 650_000)))).toBe('InvalidOrder');
    expect(errorKind(applyOrderEvent(run(marketFields, submit, accept), amend(5, 650_000)))).toBe('InvalidOrder');
    // An amend confirmed after the order ended changes nothing; none before it was sent is known.
    const filled = run(limitFields, submit, accept, fill(10));
    expect(unwrap(applyOrderEvent(filled, amend(12, 650_010)))).toEqual(filled);
    const canceled = run(limitFields, submit, accept, cancel);
    expect(unwrap(applyOrderEvent(canceled, amend(12, 650_010)))).toEqual(canceled);
    expect(errorKind(applyOrderEvent(unwrap(createOrder(limitFields)), amend(12, 650_010)))).toBe('IllegalTransition');
  });

  it('ignores a repeated cancel', () => {
    const canceled = run(limitFields, submit, cancel);
    expect(unwrap(applyOrderEvent(canceled, { ...cancel, reason: 'again' })).reason).toBe('user');
  });

  it('records the reason of a rejection, even one after the acceptance', () => {
    expect(run(limitFields, submit, reject)).toMatchObject({ status: 'rejected', reason: 'insufficient margin' });
    expect(run(limitFields, submit, accept, reject)).toMatchObject({ status: 'rejected', venueOrderId: 'v-1' });
  });

  it('refuses any event on a rejected order, fills included', () => {
    const rejected = run(limitFields, submit, reject);
    for (const event of [submit, accept, fill(1), cancel, reject]) {
      expect(applyOrderEvent(rejected, event)).toEqual({
        ok: false,
        error: { kind: 'IllegalTransition', orderId: 'o-1', from: 'rejected', event: event.kind },
      });
    }
  });

  it('refuses a fill past qty as an Overfill, on an open or a filled order', () => {
    const partly = run(limitFields, submit, accept, fill(8));
    expect(applyOrderEvent(partly, fill(3))).toEqual({
      ok: false,
      error: { kind: 'Overfill', orderId: 'o-1', qty: 10, filledQty: 8, fillQty: 3 },
    });
    const filled = unwrap(applyOrderEvent(partly, fill(2)));
    expect(errorKind(applyOrderEvent(filled, fill(1)))).toBe('Overfill');
  });

  it('refuses a fill on an order never submitted, and a reject after a partial fill', () => {
    expect(errorKind(applyOrderEvent(run(limitFields), fill(1)))).toBe('IllegalTransition');
    expect(errorKind(applyOrderEvent(run(limitFields, submit, fill(1)), reject))).toBe('IllegalTransition');
    expect(errorKind(applyOrderEvent(run(limitFields, submit), submit))).toBe('IllegalTransition');
    expect(errorKind(applyOrderEvent(run(limitFields, submit, fill(10)), cancel))).toBe('IllegalTransition');
  });

  it('refuses a fill of zero or fractional lots', () => {
    const accepted = run(limitFields, submit, accept);
    expect(errorKind(applyOrderEvent(accepted, fill(0)))).toBe('InvalidOrder');
    expect(errorKind(applyOrderEvent(accepted, fill(0.5)))).toBe('InvalidOrder');
  });

  it('keeps updatedAt at the latest event time when reports arrive out of order', () => {
    const order = run(limitFields, submit, { ...accept, ts: micros(2_000) }, fill(1, 1_500));
    expect(order.updatedAt).toBe(2_000);
  });
});

describe('isTerminal', () => {
  it('marks filled, canceled and rejected as terminal and the rest not', () => {
    expect(['new', 'submitted', 'accepted', 'partially_filled', 'filled', 'canceled', 'rejected'].map((s) => isTerminal(s as Order['status']))).toEqual([
      false, false, false, false, true, true, true,
    ]);
  });
});
