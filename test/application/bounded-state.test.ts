import { describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import { ExecutionEngine } from '../../application/execution-engine.ts';
import { CANCELED_KEPT_MICROS, OrderFlow } from '../../application/order-flow.ts';
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
 * Around the clock, what is kept per order must not grow with the run: after thousands of orders over
 * many hours of venue time, the order flow, the execution engine (its execution-quality measure too),
 * the position's trade ids and the simulated exchange hold only the orders of about the last hour (the late-fill and duplicate windows).
 */

const STEP_MICROS = 5_000_000;
const HOUR_MICROS = 3_600_000_000;
const STEPS_PER_HOUR = HOUR_MICROS / STEP_MICROS;

/** A random walk of the mid, one snapshot every 5 s of venue time, with a signal at every step. */
describe('per-order state over a long run', () => {
  it('stays bounded by the orders of the last hour after N ≫ that many orders', { timeout: 120_000 }, async () => {
    const logger = new RecordingLogger();
    const writer = new BatchedWriter(new MemoryStore(), logger, { batchRows: 1_000_000 });
    const venue = new SimExchange({ instrument: btc, fees: BYBIT_LINEAR_FEES, latency: { feedMicros: 5_000, orderMicros: 10_000 }, seed: 3 });
    const flow = new OrderFlow(btc, venue, writer, logger, 'bounded', 'Lbounded');
    const settings = executionSettings({ policy: 'smart', capitalUsdt: 10_000_000, maxPositionLots: 4 as Lots, threshold: 0.5 });
    const engine = new ExecutionEngine(btc, { ...settings, risk: { ...settings.risk, maxOrderLots: 8 as Lots, dailyLossLimit: settings.capital, drawdownReduceBps: 10_000, drawdownHaltBps: 10_000, maxConsecutiveLosses: 1_000_000 } }, flow, logger, () => undefined, 60_000_000);
    const book = new OrderBook(btc);
    let state = 7;
    const random = (): number => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const hours = 24;
    let mid = 900_000;
    const sizes = { max: { working: 0, canceled: 0, eventSeqs: 0, parentOf: 0, flattening: 0, canceling: 0, tradeIds: 0, seenIds: 0, resting: 0, decisions: 0, decisionOrders: 0 } };
    const t0 = 1_767_225_600_000_000;
    for (let step = 0; step < hours * STEPS_PER_HOUR; step++) {
      const ts = (t0 + step * STEP_MICROS) as Micros;
      mid += Math.round((random() - 0.5) * 8);
      const levels = (from: number, dir: number): [string, string][] => Array.from({ length: 5 }, (_, i) => [ticksToPrice(btc, (from + dir * i) as Ticks), '0.500']);
      unwrap(book.apply({ ...frame('snapshot', step + 1, levels(mid, -1), levels(mid + 1, 1)), ts, cts: ts, recvTime: ts }));
      venue.observeBook(book, ts);
      await engine.onBook(book, ts);
      const score = random() - 0.5;
      const signal = unwrap(createSignal({ ts, score, confidence: 0.9, horizonMs: 1000, modelId: 'm', schemaId: 's' }));
      await engine.onSignal(signal, score > 0 ? 1 : -1, book, ts, 5);
      const o = flow.trackedOrders;
      const e = engine.trackedOrders;
      const s = venue.held;
      const q = engine.quality.held;
      const now = { working: o.working, canceled: o.canceled, eventSeqs: o.eventSeqs, ...e, tradeIds: flow.position.rememberedTradeIds, seenIds: s.seenIds, resting: s.resting, decisions: q.decisions, decisionOrders: q.orders };
      for (const k of Object.keys(now) as (keyof typeof now)[]) sizes.max[k] = Math.max(sizes.max[k], now[k]);
    }
    // The reports of the last step's executions are still on their way to the order flow: one more
    // market event, after the venue's latencies, delivers them.
    venue.observeBook(book, (t0 + hours * STEPS_PER_HOUR * STEP_MICROS) as Micros);
    const c = flow.counters;
    // N: thousands of orders, fills and cancels over the day.
    expect(c.orders).toBeGreaterThan(5_000);
    expect(c.fills).toBeGreaterThan(1_000);
    expect(c.canceled).toBeGreaterThan(500);
    // At most two orders go out a step, so an hour sends at most 2 × 720; what is held is within that
    // (the canceled orders of the last hour), far below N.
    const perHour = 2 * STEPS_PER_HOUR * (CANCELED_KEPT_MICROS / HOUR_MICROS);
    expect(sizes.max.working).toBeLessThanOrEqual(3);
    for (const k of ['canceled', 'eventSeqs', 'parentOf', 'tradeIds', 'seenIds', 'decisions', 'decisionOrders'] as const) {
      expect({ [k]: sizes.max[k] <= perHour }).toEqual({ [k]: true });
      expect({ [k]: sizes.max[k] * 3 < c.orders }).toEqual({ [k]: true });
    }
    expect(sizes.max.resting).toBeLessThanOrEqual(3);
    // The engine's other sets only ever hold the orders the order flow still tracks.
    expect(sizes.max.canceling + sizes.max.flattening).toBeLessThanOrEqual(sizes.max.parentOf + 3);
    // The execution-quality measure forgets a decision with its orders: its summary still counts them all.
    const quality = engine.quality.summary();
    expect(quality.decisions).toBeGreaterThan(3 * sizes.max.decisions);
    expect(engine.quality.held.histograms).toBeLessThan(c.fills);
    // The accounts still agree: nothing forgotten was needed.
    expect(flow.position.qty).toBe(venue.snapshot().positionLots);
    expect(flow.position.cash).toBe(venue.snapshot().cash);
    expect(c.unknownReports).toBe(0);
  });
});
