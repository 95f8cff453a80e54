import { describe, expect, it } from 'vitest';
import type { ExecutionReport } from '../../application/ports/execution-venue.ts';
import type { OrderUpdate } from '../../adapters/bybit/gateway/order-status.ts';
import { OrderTracker } from '../../adapters/bybit/gateway/order-tracker.ts';
import type { Cash, Lots, Micros, Ticks } from '../../domain/values/units.ts';

/*
 * The gateway's tracker over a long session: an ended order's state is dropped and execIds are kept
 * for an hour of execution time, while every repeat reconciliation can bring (from 60 s before the
 * newest execution) is still refused.
 */
describe('the order tracker over many orders', () => {
  it('holds the orders still open and the execIds of the last hour only', () => {
    const reports: ExecutionReport[] = [];
    const tracker = new OrderTracker((r) => reports.push(r));
    const t0 = 1_767_225_600_000_000;
    const order = (id: string, phase: OrderUpdate['phase'], cum: number, ts: number): OrderUpdate => ({
      clientOrderId: id, venueOrderId: `v-${id}`, phase, cumLots: cum as Lots, qty: null, price: null, cancelType: phase === 'cancelled' ? 'CancelByUser' : 'UNKNOWN', rejectReason: 'EC_NoError', ts: ts as Micros,
    });
    const exec = (id: string, n: number, ts: number) => ({
      kind: 'trade' as const, execId: `x${n}`, clientOrderId: id, venueOrderId: `v-${id}`, side: 'Buy' as const, price: 900_000 as Ticks, qty: 1 as Lots, fee: 0 as Cash,
      liquidity: 'maker' as const, ts: ts as Micros,
    });
    let max = { orders: 0, execIds: 0 };
    let repeatsRefused = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const id = `c${i}`;
      const ts = t0 + i * 2_000_000;
      tracker.track(id);
      tracker.onOrder(order(id, 'live', 0, ts));
      if (i % 2 === 0) {
        tracker.onExecution(exec(id, i, ts), 'BTCUSDT');
        tracker.onOrder(order(id, 'filled', 1, ts));
      } else {
        tracker.cancelRequested(id);
        tracker.onOrder(order(id, 'cancelled', 0, ts));
      }
      // Reconciliation reads the executions of the last minute again: each is refused.
      if (i >= 30 && i % 2 === 0 && !tracker.onExecution(exec(`c${i - 30}`, i - 30, ts - 60_000_000), 'BTCUSDT')) repeatsRefused++;
      const held = tracker.held;
      max = { orders: Math.max(max.orders, held.orders), execIds: Math.max(max.execIds, held.execIds) };
    }
    expect(repeatsRefused).toBe(n / 2 - 15);
    expect(reports.filter((r) => r.kind === 'fill')).toHaveLength(n / 2);
    expect(reports.filter((r) => r.kind === 'canceled')).toHaveLength(n / 2);
    // Every order ends before the next; an execution every 4 s over an hour: 901 ids, of 10,000.
    expect(max.orders).toBeLessThanOrEqual(1);
    expect(max.execIds).toBe(901);
    expect(tracker.openOrders()).toEqual([]);
  });
});
