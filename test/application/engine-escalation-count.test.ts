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
 * What the summary counts as escalated: a decision that rested a child and then took the rest at
 * market. A decision whose first choice was a take at market is counted apart, as taken at once, so
 * that "escalated 0.0% (10)" no longer reads as ten escalations on a run where every decision took.
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
  const buy = async (confidence = 0.9): Promise<void> => {
    const ts = T0 as Micros;
    const signal = unwrap(createSignal({ ts, score: 3, confidence, horizonMs: 1000, modelId: 'm', schemaId: 's' }));
    await engine.onSignal(signal, 1, book, ts, 5);
  };
  return { venue, flow, engine, reports, show, trade, buy };
}

describe('escalations and takes at once, counted apart', () => {
  it('counts a decision that rested and then took the rest after the time-out as an escalation', async () => {
    const h = setUp();
    await h.show(P, P + 3, 0);
    await h.buy(0.9);
    await h.show(P, P + 3, 30 * MS); // the passive child is accepted and rests
    await h.show(P, P + 3, 200 * MS);
    await h.show(P, P + 3, 400 * MS); // past the 300 ms time-out: the rest goes to market
    await h.show(P, P + 3, 450 * MS);
    expect(h.engine.counters).toMatchObject({ parents: 1, placed: 1, escalations: 1, takenAtOnce: 0 });
    expect(h.flow.counters.orders).toBe(2);
  });

  it('counts a decision whose first order was a market order as taken at once, not escalated', async () => {
    const h = setUp();
    await h.show(P, P + 3, 0);
    await h.buy(0.99); // above the urgency's aggressive level: taken at once
    await h.show(P, P + 3, 30 * MS);
    await h.show(P, P + 3, 60 * MS);
    expect(h.engine.counters).toMatchObject({ parents: 1, escalations: 0, takenAtOnce: 1 });
    expect(h.flow.counters.orders).toBe(1);
    expect(h.venue.snapshot().positionLots).toBeGreaterThan(0);
  });
});
