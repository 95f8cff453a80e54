import { describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import { ExecutionEngine } from '../../application/execution-engine.ts';
import { OrderFlow } from '../../application/order-flow.ts';
import type { ExecutionReport } from '../../application/ports/execution-venue.ts';
import { SimExchange } from '../../adapters/sim/sim-exchange.ts';
import { executionSettings } from '../../composition/execution-settings.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import type { Trade } from '../../domain/market/trade.ts';
import { unwrap } from '../../domain/result.ts';
import { BYBIT_LINEAR_FEES } from '../../domain/trading/fees.ts';
import { createSignal } from '../../domain/trading/signal.ts';
import { ticksToPrice } from '../../domain/values/instrument.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { btc, frame } from '../support/builders.ts';
import { MemoryStore, RecordingLogger } from '../support/fakes.ts';

/*
 * The smart policy's replace on a venue that amends: a child whose price alone must change is amended
 * in place, never canceled and sent anew; an amend the venue refuses because the child filled
 * meanwhile leaves one order, filled once, and nothing sent in its place.
 */

const P = 900_000;
const T0 = 1_767_225_600_000_000;
const MS = 1_000;

function setUp() {
  const logger = new RecordingLogger();
  const writer = new BatchedWriter(new MemoryStore(), logger, { batchRows: 1_000_000 });
  const venue = new SimExchange({ instrument: btc, fees: BYBIT_LINEAR_FEES, latency: { feedMicros: 5 * MS, orderMicros: 10 * MS }, seed: 1 });
  const reports: ExecutionReport[] = [];
  venue.onReport((r) => reports.push(r));
  const flow = new OrderFlow(btc, venue, writer, logger, 'amend', 'La');
  // No fees given: no chooser, the passive algorithm alone (improve or join, follow the touch, escalate after 300 ms).
  const settings = executionSettings({ policy: 'smart', capitalUsdt: 100_000, maxPositionLots: 50 as Lots, threshold: 0.5 });
  const engine = new ExecutionEngine(btc, settings, flow, logger, () => undefined, 60_000_000);
  const book = new OrderBook(btc);
  let seq = 0;
  const show = async (bid: number, ask: number, at: number): Promise<void> => {
    const ts = (T0 + at) as Micros;
    const level = (p: number): [string, string][] => [[ticksToPrice(btc, p as Ticks), '0.005']];
    seq++;
    unwrap(book.apply({ ...frame('snapshot', seq, level(bid), level(ask)), ts, cts: ts, recvTime: ts }));
    venue.observeBook(book, ts);
    await engine.onBook(book, ts);
  };
  const trade = (price: number, lots: number, at: number): void => {
    const ts = (T0 + at) as Micros;
    const t: Trade = { tradeId: `t${at}`, symbol: 'BTCUSDT', price: price as Ticks, size: lots as Lots, takerSide: 'Sell', ts, recvTime: ts, blockTrade: false };
    venue.observeTrade(t, ts);
  };
  const buy = async (): Promise<void> => {
    const ts = T0 as Micros;
    const signal = unwrap(createSignal({ ts, score: 3, confidence: 0.9, horizonMs: 1000, modelId: 'm', schemaId: 's' }));
    await engine.onSignal(signal, 1, book, ts, 5);
  };
  return { venue, flow, engine, reports, show, trade, buy };
}

describe('a replace on a venue that amends', () => {
  it('amends the resting child to the new price: one order, no cancel', async () => {
    const h = setUp();
    await h.show(P, P + 3, 0);
    await h.buy();
    const [id] = h.flow.liveOrderIds();
    const placed = h.flow.order(id)?.limitPrice ?? 0;
    await h.show(P, P + 3, 30 * MS); // accepted
    expect(h.flow.order(id)?.status).toBe('accepted');
    await h.show(P + 4, P + 7, 150 * MS); // the touch moved 4 ticks up: the child follows it
    await h.show(P + 4, P + 7, 200 * MS); // the amend reached the venue and its answer came back
    const order = h.flow.order(id);
    expect(order?.limitPrice).toBeGreaterThan(placed);
    expect(order?.limitPrice).toBeGreaterThanOrEqual(P + 4);
    expect(h.reports.filter((r) => r.kind !== 'fill' && r.kind !== 'funding' && r.clientOrderId === id).map((r) => r.kind)).toEqual(['accepted', 'amended']);
    expect(h.flow.counters.orders).toBe(1);
    expect(h.flow.counters.canceled).toBe(0);
    expect(h.engine.counters).toMatchObject({ placed: 1, replaced: 1, amended: 1, amendsRefused: 0 });
    expect(h.venue.queueOf(id)).not.toBeNull();
  });

  it('handles an amend refused because the child filled meanwhile: filled once, nothing sent in its place', async () => {
    const h = setUp();
    await h.show(P, P + 3, 0);
    await h.buy();
    const [id] = h.flow.liveOrderIds();
    const target = h.flow.order(id)?.qty ?? 0;
    const price = h.flow.order(id)?.limitPrice ?? 0;
    await h.show(P, P + 3, 30 * MS);
    await h.show(P + 4, P + 7, 150 * MS); // amend sent; it reaches the venue 15 ms later
    h.trade(price - 1, target + 10, 155 * MS); // a seller trades through the child's price first: filled in full
    await h.show(P + 4, P + 7, 170 * MS); // the fill's report; the amend arrives to an order gone
    await h.show(P + 4, P + 7, 200 * MS); // the amend's refusal
    await h.show(P + 4, P + 7, 250 * MS);
    await h.show(P + 4, P + 7, 400 * MS); // past the escalation time-out: nothing is left to take
    const amendAnswers = h.reports.filter((r) => r.kind === 'amendRejected' || r.kind === 'amended');
    expect(amendAnswers.map((r) => r.kind)).toEqual(['amendRejected']);
    expect(h.flow.counters.orders).toBe(1);
    expect(h.flow.position.qty).toBe(target);
    expect(h.flow.exposureLots).toBe(target);
    expect(h.venue.snapshot().positionLots).toBe(target);
    expect(h.flow.liveOrderIds()).toEqual([]);
    expect(h.engine.counters).toMatchObject({ placed: 1, amended: 1, amendsRefused: 1, escalations: 0, filledLots: target });
  });
});
