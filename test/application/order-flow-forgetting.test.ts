import { describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import { CANCELED_KEPT_MICROS, OrderFlow } from '../../application/order-flow.ts';
import type { Cash, Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { ExecutionVenueThatAcks } from '../support/ack-venue.ts';
import { btc } from '../support/builders.ts';
import { MemoryStore, RecordingLogger } from '../support/fakes.ts';

/*
 * A canceled order is kept for the fills a venue may still report (CANCELED_KEPT_MICROS), then
 * forgotten; a fill that comes even later still moves the position, once, and so does a fill for an
 * order the run never sent (adopted).
 */

const T0 = 1_767_225_600_000_000;

function setUp(): { flow: OrderFlow; venue: ExecutionVenueThatAcks; store: MemoryStore; writer: BatchedWriter; forgotten: string[] } {
  const venue = new ExecutionVenueThatAcks();
  const store = new MemoryStore();
  const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 1_000_000 });
  const flow = new OrderFlow(btc, venue, writer, new RecordingLogger(), 'run', 'Lrun');
  const forgotten: string[] = [];
  flow.listeners.forgotten.push((id) => forgotten.push(id));
  return { flow, venue, store, writer, forgotten };
}

const fill = (orderId: string, tradeId: string, ts: number) => ({
  kind: 'fill' as const,
  fill: { tradeId, orderId, symbol: 'BTCUSDT', side: 'Buy' as const, price: 900_000 as Ticks, qty: 1 as Lots, fee: 0 as Cash, liquidity: 'maker' as const, ts: ts as Micros },
});

describe('the order flow forgets final orders', () => {
  it('applies a late fill to a canceled order within the window, and forgets it after', async () => {
    const { flow, store, writer, forgotten } = setUp();
    const id = await flow.submitLimit({ side: 'Buy', qty: 2 as Lots }, 900_000 as Ticks, true, T0 as Micros, null, 'test');
    await flow.cancel(id, (T0 + 1_000) as Micros);
    expect(flow.liveOrderIds()).toEqual([]);
    expect(flow.trackedOrders).toEqual({ working: 0, canceled: 1, eventSeqs: 1 });
    // The venue matched 1 lot before the cancel and says so late: the canceled order takes it.
    flow.apply(fill(id, 'e1', T0 + 500));
    expect(flow.order(id)).toMatchObject({ status: 'canceled', filledQty: 1 });
    // Another order an hour later: the canceled one is forgotten.
    const next = await flow.submitLimit({ side: 'Buy', qty: 1 as Lots }, 900_000 as Ticks, true, (T0 + CANCELED_KEPT_MICROS + 2_000) as Micros, null, 'test');
    expect(forgotten).toEqual([id]);
    expect(flow.order(id)).toBeUndefined();
    expect(flow.trackedOrders).toEqual({ working: 1, canceled: 0, eventSeqs: 1 });
    // A fill for it even later still moves the position, once.
    flow.apply(fill(id, 'e2', T0 + 600));
    flow.apply(fill(id, 'e2', T0 + 600));
    expect(flow.position.qty).toBe(2);
    expect(flow.counters.unknownReports).toBe(0);
    // A fill for an id this run never sent still moves the position (the venue's account is the
    // truth): adopted under an order of its own, counted, once however often it is repeated, and
    // forgotten at once like any filled order.
    flow.apply(fill('Lrun-99', 'e3', T0 + 700));
    flow.apply(fill(next.replace('Lrun', 'Other'), 'e4', T0 + 700));
    flow.apply(fill('Lrun-99', 'e3', T0 + 700));
    expect(flow.counters.unknownReports).toBe(2);
    expect(flow.position.qty).toBe(4);
    expect(flow.trackedOrders).toEqual({ working: 1, canceled: 0, eventSeqs: 1 });
    expect(flow.liveOrderIds()).toEqual([next]);
    await writer.flush();
    expect(store.fills.map((f) => f.fill.tradeId)).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(store.fills.map((f) => f.fill.orderId).slice(2)).toEqual(['Lrun-99~e3', `${next.replace('Lrun', 'Other')}~e4`]);
  });

  it('forgets a filled or rejected order at once', async () => {
    const { flow, venue, forgotten } = setUp();
    const id = await flow.submitMarket({ side: 'Buy', qty: 1 as Lots }, T0 as Micros, null, 'test');
    venue.fillAll(900_000);
    expect(flow.order(id)).toBeUndefined();
    expect(forgotten).toEqual([id]);
    expect(flow.trackedOrders).toEqual({ working: 0, canceled: 0, eventSeqs: 0 });
  });
});
