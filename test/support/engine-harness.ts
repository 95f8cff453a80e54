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
import { btc, frame } from './builders.ts';
import { MemoryStore, RecordingLogger } from './fakes.ts';

/*
 * The smart policy's execution engine over the simulated exchange, with a book to show and trades to
 * print at chosen times and a buy signal to send: the harness of the engine's amend and escalation tests.
 */

export const P = 900_000;
export const T0 = 1_767_225_600_000_000;
export const MS = 1_000;

export function setUp() {
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
