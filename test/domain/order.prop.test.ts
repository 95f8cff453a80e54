import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  applyOrderEvent,
  createOrder,
  isTerminal,
  ORDER_TRANSITIONS,
  type Order,
  type OrderEvent,
  type OrderStatus,
} from '../../domain/trading/order.ts';
import { unwrap } from '../../domain/result.ts';
import { lots, micros, ticks } from '../../domain/values/units.ts';

const STATUSES: readonly OrderStatus[] = ['new', 'submitted', 'accepted', 'partially_filled', 'filled', 'canceled', 'rejected'];

const ts = fc.integer({ min: 0, max: 10_000 }).map(micros);
const eventArb: fc.Arbitrary<OrderEvent> = fc.oneof(
  { arbitrary: ts.map((t) => ({ kind: 'submit', ts: t }) as const), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('accept' as const), ts, venueOrderId: fc.constantFrom('v-1', 'v-2') }), weight: 2 },
  {
    arbitrary: fc.record({ kind: fc.constant('fill' as const), ts, tradeId: fc.string({ maxLength: 4 }), qty: fc.integer({ min: 1, max: 12 }).map(lots) }),
    weight: 5,
  },
  { arbitrary: fc.record({ kind: fc.constant('cancel' as const), ts, reason: fc.constantFrom('user', 'ioc') }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('reject' as const), ts, reason: fc.constant('margin') }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant('amend' as const), ts, qty: fc.integer({ min: 1, max: 20 }).map(lots), limitPrice: fc.integer({ min: 649_990, max: 650_010 }).map(ticks) }),
    weight: 2,
  },
);

const orderArb = fc
  .record({ qty: fc.integer({ min: 1, max: 20 }), market: fc.boolean(), createdAt: ts })
  .map(({ qty, market, createdAt }) =>
    unwrap(
      createOrder({
        id: 'o',
        symbol: 'BTCUSDT',
        side: 'Sell',
        type: market ? 'market' : 'limit',
        qty: lots(qty),
        limitPrice: market ? null : ticks(650_000),
        reduceOnly: false,
        createdAt,
      }),
    ),
  );

/** The checks every reachable order satisfies, whatever the events were. */
function expectConsistent(order: Order): void {
  expect(order.filledQty).toBeGreaterThanOrEqual(0);
  expect(order.filledQty).toBeLessThanOrEqual(order.qty);
  // `filled` means exactly complete, and a complete order is `filled` whatever raced it.
  expect(order.status === 'filled').toBe(order.filledQty === order.qty);
  if (order.status === 'partially_filled') expect(order.filledQty).toBeGreaterThan(0);
  if (order.status === 'rejected' || order.status === 'new' || order.status === 'accepted') expect(order.filledQty).toBe(0);
}

describe('order lifecycle', () => {
  test.prop([orderArb, fc.array(eventArb, { maxLength: 30 })])(
    'applies each event per the table or refuses it without change',
    (initial, events) => {
      let order = initial;
      for (const event of events) {
        const before = structuredClone(order);
        const transition = ORDER_TRANSITIONS[order.status][event.kind];
        const result = applyOrderEvent(order, event);
        expect(order).toEqual(before);
        if (transition === undefined) {
          expect(result).toEqual({ ok: false, error: { kind: 'IllegalTransition', orderId: 'o', from: order.status, event: event.kind } });
          continue;
        }
        if (!result.ok && event.kind === 'amend') {
          // An amend is refused for a market order, or for a quantity not above what has filled.
          expect(order.type === 'market' || event.qty <= order.filledQty).toBe(true);
          continue;
        }
        if (!result.ok) {
          // The only other refusal of an allowed event: a fill past qty.
          expect(event.kind).toBe('fill');
          expect(result.error.kind).toBe('Overfill');
          expect(order.filledQty + (event.kind === 'fill' ? event.qty : 0)).toBeGreaterThan(order.qty);
          continue;
        }
        const next = result.value;
        switch (transition.kind) {
          case 'to':
            expect(next.status).toBe(transition.status);
            expect(next.filledQty).toBe(order.filledQty);
            expect(next.updatedAt).toBe(Math.max(order.updatedAt, event.ts));
            break;
          case 'ignore':
            if (event.kind === 'accept' && order.venueOrderId === null) {
              expect(next).toEqual({ ...order, venueOrderId: event.venueOrderId, updatedAt: Math.max(order.updatedAt, event.ts) });
            } else {
              expect(next).toBe(order);
            }
            break;
          case 'fill': {
            const fillQty = event.kind === 'fill' ? event.qty : Number.NaN;
            expect(next.filledQty).toBe(order.filledQty + fillQty);
            expect(next.status).toBe(next.filledQty === order.qty ? transition.complete : transition.partial);
            expect(next.updatedAt).toBe(Math.max(order.updatedAt, event.ts));
            break;
          }
          case 'amend':
            // In place: the status and the fills kept, the quantity and the price the venue's.
            expect(next).toEqual({
              ...order,
              qty: event.kind === 'amend' ? event.qty : Number.NaN,
              limitPrice: event.kind === 'amend' ? event.limitPrice : Number.NaN,
              updatedAt: Math.max(order.updatedAt, event.ts),
            });
            break;
          case 'overfill':
            expect.unreachable('an overfill transition never succeeds');
        }
        if (isTerminal(order.status)) expect(isTerminal(next.status)).toBe(true);
        order = next;
        expectConsistent(order);
      }
    },
  );

  test.prop([orderArb, fc.array(eventArb, { maxLength: 30 })])(
    'a rejected order never holds a fill and never leaves rejected',
    (initial, events) => {
      let order = initial;
      let rejected = false;
      for (const event of events) {
        const result = applyOrderEvent(order, event);
        if (result.ok) order = result.value;
        if (order.status === 'rejected') rejected = true;
        if (rejected) {
          expect(order.status).toBe('rejected');
          expect(order.filledQty).toBe(0);
        }
      }
    },
  );

  test.prop([orderArb, fc.integer({ min: 0, max: 19 }), fc.integer({ min: 1, max: 20 })])(
    'a fill after a cancel counts when it fits in the remaining qty',
    (initial, before, raced) => {
      fc.pre(before < initial.qty);
      let order = unwrap(applyOrderEvent(initial, { kind: 'submit', ts: micros(1) }));
      if (before > 0) order = unwrap(applyOrderEvent(order, { kind: 'fill', ts: micros(2), tradeId: 'a', qty: lots(before) }));
      order = unwrap(applyOrderEvent(order, { kind: 'cancel', ts: micros(3), reason: 'user' }));
      const result = applyOrderEvent(order, { kind: 'fill', ts: micros(4), tradeId: 'b', qty: lots(raced) });
      if (before + raced > initial.qty) {
        expect(result.ok).toBe(false);
      } else {
        const next = unwrap(result);
        expect(next.filledQty).toBe(before + raced);
        expect(next.status).toBe(before + raced === initial.qty ? 'filled' : 'canceled');
      }
    },
  );
});

describe('the transition table', () => {
  test.prop([fc.constantFrom(...STATUSES)])('leads from a terminal status only to terminal statuses', (status) => {
    fc.pre(isTerminal(status));
    for (const transition of Object.values(ORDER_TRANSITIONS[status])) {
      switch (transition.kind) {
        case 'to':
          expect(isTerminal(transition.status)).toBe(true);
          break;
        case 'fill':
          expect(isTerminal(transition.partial) && isTerminal(transition.complete)).toBe(true);
          break;
        case 'overfill':
        case 'ignore':
        case 'amend':
          break;
      }
    }
  });

  test.prop([fc.constantFrom(...STATUSES)])('lets no fill reach a rejected order or a new one', (status) => {
    const fill = ORDER_TRANSITIONS[status].fill;
    if (status === 'rejected' || status === 'new') expect(fill).toBeUndefined();
    if (fill?.kind === 'fill') expect(fill.complete).toBe('filled');
  });
});
