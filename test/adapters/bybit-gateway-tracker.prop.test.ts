import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import type { ExecutionReport } from '../../application/ports/execution-venue.ts';
import type { ExecutionUpdate, OrderUpdate } from '../../adapters/bybit/gateway/order-status.ts';
import { OrderTracker } from '../../adapters/bybit/gateway/order-tracker.ts';
import type { Cash, Lots, Micros, Ticks } from '../../domain/values/units.ts';

type Message = { readonly k: 'order'; readonly u: OrderUpdate } | { readonly k: 'exec'; readonly e: ExecutionUpdate };

const ID = 'c1';

/** What Bybit says about one order that fills in `fills` and then ends filled or canceled. */
function story(fills: readonly number[], end: 'filled' | 'cancelled'): Message[] {
  const total = fills.reduce((a, b) => a + b, 0);
  const order = (phase: OrderUpdate['phase'], cum: number): Message => ({
    k: 'order',
    u: { clientOrderId: ID, venueOrderId: 'v1', phase, cumLots: cum as Lots, qty: null, price: null, cancelType: phase === 'cancelled' ? 'CancelByUser' : 'UNKNOWN', rejectReason: 'EC_NoError', ts: 1 as Micros },
  });
  const out: Message[] = [order('live', 0)];
  let cum = 0;
  fills.forEach((q, i) => {
    cum += q;
    out.push({ k: 'exec', e: { kind: 'trade', execId: `e${i}`, clientOrderId: ID, venueOrderId: 'v1', side: 'Buy', price: 100 as Ticks, qty: q as Lots, fee: 1 as Cash, liquidity: 'maker', ts: 1 as Micros } });
    out.push(order(end === 'filled' && cum === total ? 'filled' : 'live', cum));
  });
  if (end === 'cancelled') out.push(order('cancelled', total));
  return out;
}

/**
 * The stream and REST deliver the same messages, each any number of times, in any order: the stream
 * and REST are not ordered with respect to each other, and reconciliation repeats what the stream said.
 */
const deliveries = fc
  .record({ fills: fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 4 }), end: fc.constantFrom<'filled' | 'cancelled'>('filled', 'cancelled'), cancelAsked: fc.boolean() })
  .filter((s) => s.end === 'cancelled' || s.fills.length > 0)
  .chain((s) => {
    const messages = story(s.fills, s.end);
    return fc
      .array(fc.integer({ min: 0, max: messages.length - 1 }), { minLength: messages.length, maxLength: messages.length * 3 })
      .map((extra) => [...messages.map((_, i) => i), ...extra])
      .chain((indices) => fc.shuffledSubarray(indices, { minLength: indices.length, maxLength: indices.length }))
      .map((order) => ({ ...s, delivered: order.map((i) => messages[i]) }));
  });

describe('OrderTracker', () => {
  test.prop([deliveries])('reports each fill once, accepts once, and ends once after every fill', ({ fills, end, cancelAsked, delivered }) => {
    const reports: ExecutionReport[] = [];
    const tracker = new OrderTracker((r) => reports.push(r));
    tracker.track(ID);
    if (cancelAsked) tracker.cancelRequested(ID);
    for (const m of delivered) {
      if (m.k === 'order') tracker.onOrder(m.u);
      else tracker.onExecution(m.e, 'BTCUSDT');
    }
    const kinds = reports.map((r) => r.kind);
    const fillIds = reports.flatMap((r) => (r.kind === 'fill' ? [r.fill.tradeId] : []));
    expect([...fillIds].sort()).toEqual(fills.map((_, i) => `e${i}`).sort());
    expect(kinds[0]).toBe('accepted');
    expect(kinds.filter((k) => k === 'accepted')).toHaveLength(1);
    const expectedEnd = end === 'cancelled' ? ['canceled'] : cancelAsked ? ['cancelRejected'] : [];
    expect(kinds.filter((k) => k !== 'accepted' && k !== 'fill')).toEqual(expectedEnd);
    if (expectedEnd.length > 0) expect(kinds.at(-1)).toBe(expectedEnd[0]);
    expect(tracker.openOrders()).toEqual([]);
  });
});
