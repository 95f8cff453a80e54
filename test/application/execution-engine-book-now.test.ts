import { describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import { ExecutionEngine } from '../../application/execution-engine.ts';
import { OrderFlow } from '../../application/order-flow.ts';
import { SimExchange } from '../../adapters/sim/sim-exchange.ts';
import { executionSettings } from '../../composition/execution-settings.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { unwrap } from '../../domain/result.ts';
import { BYBIT_LINEAR_FEES } from '../../domain/trading/fees.ts';
import { createSignal } from '../../domain/trading/signal.ts';
import { ticksToPrice } from '../../domain/values/instrument.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { btc, frame } from '../support/builders.ts';
import { MemoryStore, RecordingLogger } from '../support/fakes.ts';

/*
 * `ExecutionEngine.onBookNow` is `onBook` without a promise where the book needs none: on the same
 * books and signals, an engine stepped through it sends exactly the orders of one stepped through
 * `onBook`, and it hands back a promise only while a parent order works (or a kill flattens).
 * `onSignalNow` is `onSignal` answered at once for a signal that starts no decision.
 */

const STEP_MICROS = 200_000;

function rig(seed: number): { engine: ExecutionEngine; flow: OrderFlow; venue: SimExchange; store: MemoryStore; writer: BatchedWriter } {
  const logger = new RecordingLogger();
  const store = new MemoryStore();
  const writer = new BatchedWriter(store, logger, { batchRows: 1_000_000 });
  const venue = new SimExchange({ instrument: btc, fees: BYBIT_LINEAR_FEES, latency: { feedMicros: 5_000, orderMicros: 10_000 }, seed });
  const flow = new OrderFlow(btc, venue, writer, logger, 'now', 'Lnow');
  const settings = executionSettings({ policy: 'smart', capitalUsdt: 1_000_000, maxPositionLots: 20 as Lots, threshold: 0.5 });
  const engine = new ExecutionEngine(btc, settings, flow, logger, () => undefined, 1_000_000, () => 0 as Micros);
  return { engine, flow, venue, store, writer };
}

describe('the execution engine stepped without a promise', () => {
  it('sends the orders onBook sends, and returns a promise only while a parent works', async () => {
    const awaited = rig(5);
    const now = rig(5);
    const book = new OrderBook(btc);
    let state = 11;
    const random = (): number => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state / 2 ** 31;
    };
    let mid = 900_000;
    let idle = 0;
    let working = 0;
    let answeredAtOnce = 0;
    let decisions = 0;
    const t0 = 1_767_225_600_000_000;
    for (let step = 0; step < 3_000; step++) {
      const ts = (t0 + step * STEP_MICROS) as Micros;
      mid += Math.round((random() - 0.5) * 4);
      const levels = (from: number, dir: number): [string, string][] => Array.from({ length: 5 }, (_, i) => [ticksToPrice(btc, (from + dir * i) as Ticks), '0.500']);
      unwrap(book.apply({ ...frame('snapshot', step + 1, levels(mid, -1), levels(mid + 1, 1)), ts, cts: ts, recvTime: ts }));
      awaited.venue.observeBook(book, ts);
      now.venue.observeBook(book, ts);
      await awaited.engine.onBook(book, ts);
      const parentBefore = now.engine.trackedOrders.parentOf > 0;
      const pending = now.engine.onBookNow(book, ts);
      if (pending === undefined) idle++;
      else {
        working++;
        await pending;
      }
      // No parent and nothing tracked: the step had nothing to send, and made no promise.
      if (!parentBefore && now.engine.trackedOrders.parentOf === 0) expect(pending).toBeUndefined();
      // A signal one step in twenty: the parents it starts are worked over the following books.
      if (random() < 0.05) {
        const score = random() - 0.5;
        const signal = unwrap(createSignal({ ts, score, confidence: 0.9, horizonMs: 1000, modelId: 'm', schemaId: 's' }));
        const acted = await awaited.engine.onSignal(signal, score > 0 ? 1 : -1, book, ts, 5);
        const answer = now.engine.onSignalNow(signal, score > 0 ? 1 : -1, book, ts, 5);
        if (typeof answer === 'boolean') {
          // Answered at once: no decision was started (one works already, or it sized to nothing).
          answeredAtOnce++;
          expect(answer).toBe(false);
          expect(acted).toBe(false);
        } else {
          decisions++;
          expect(await answer).toBe(acted);
        }
      }
    }
    expect(idle).toBeGreaterThan(500);
    expect(answeredAtOnce).toBeGreaterThan(5);
    expect(decisions).toBeGreaterThan(5);
    expect(working).toBeGreaterThan(50);
    expect(awaited.flow.counters.orders).toBeGreaterThan(20);
    expect(now.flow.counters).toEqual(awaited.flow.counters);
    expect(now.engine.counters).toEqual(awaited.engine.counters);
    expect(now.flow.position.qty).toBe(awaited.flow.position.qty);
    expect(now.flow.position.cash).toBe(awaited.flow.position.cash);
  });
});
