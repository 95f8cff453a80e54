import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import type { ModelInfo } from '../../application/ports/signal-model.ts';
import { TradingLoop } from '../../application/trading-loop.ts';
import { scanningDecoder } from '../../adapters/bybit/frame-decoder.ts';
import { SimExchange } from '../../adapters/sim/sim-exchange.ts';
import { SyntheticFeed } from '../../adapters/synthetic/synthetic-feed.ts';
import { executionSettings } from '../../composition/execution-settings.ts';
import { schemaForNames } from '../../domain/features/registry.ts';
import { unwrap } from '../../domain/result.ts';
import { BYBIT_LINEAR_FEES } from '../../domain/trading/fees.ts';
import type { Lots } from '../../domain/values/units.ts';
import { btc } from '../support/builders.ts';
import { FunctionModel, MemoryStore, RecordingLogger, StepClock } from '../support/fakes.ts';

/*
 * For any stream of signals, through either policy and the simulated exchange on the synthetic
 * market: the position never passes the limit, a working order never makes the worst case pass it,
 * cash and fees always reconcile, and every order sent was allowed by the risk manager (each refusal
 * is a stored decision).
 */

const FEATURE_NAMES = ['spread_ticks', 'depth_imbalance_1'];
const info: ModelInfo = {
  id: 'random-signals', featureNames: FEATURE_NAMES, schemaId: unwrap(schemaForNames(FEATURE_NAMES)).id, scoreMeaning: 'random', horizonMs: 1000, threshold: 0.5,
};

/** A seeded stream of (score, confidence): the model's output does not depend on the market at all. */
function signals(seed: number, rate: number): () => { score: number; confidence: number } {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  return () => {
    const fire = next() < rate;
    return { score: next() * 2 - 1, confidence: fire ? 0.5 + next() * 0.5 : next() * 0.5 };
  };
}

describe('the execution engine under any signal stream', () => {
  test.prop(
    [fc.integer({ min: 1, max: 2 ** 31 }), fc.constantFrom('smart' as const, 'baseline' as const), fc.integer({ min: 1, max: 30 }), fc.double({ min: 0.01, max: 0.5, noNaN: true })],
    { numRuns: 12 },
  )('never passes the position limit and always reconciles', async (seed, policy, maxLots, rate) => {
    const store = new MemoryStore();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 100_000 });
    const feed = new SyntheticFeed({ market: { seed, symbol: 'BTCUSDT', depth: 50 }, speed: 'max', decoder: scanningDecoder(btc), durationMs: 45_000 }, new StepClock());
    const venue = new SimExchange({ instrument: btc, fees: BYBIT_LINEAR_FEES, latency: { feedMicros: 5_000, orderMicros: 10_000 }, seed });
    const settings = executionSettings({ policy, capitalUsdt: 50_000, maxPositionLots: maxLots as Lots, threshold: info.threshold });
    const loop = new TradingLoop(
      { runId: 'prop', instrument: btc, limits: { maxPositionLots: maxLots as Lots, orderLots: 1 as Lots }, bookDepth: 50, execution: settings },
      { feed, venue, model: new FunctionModel(info, signals(seed, rate)), writer, clock: new StepClock(), logger: new RecordingLogger() },
    );
    for await (const event of feed.events()) {
      await loop.onEvent(event);
      const p = loop.position;
      expect(Math.abs(p.qty)).toBeLessThanOrEqual(maxLots);
      expect(p.cash).toBe(p.realizedPnl - p.costBasis - p.fees + p.funding);
    }
    await writer.flush();
    const summary = loop.summary();
    expect(summary.counters.signals).toBeGreaterThan(0);
    // Each refusal and each change of the risk state is stored, in episodes: the counts add up to the decisions.
    expect(store.riskEvents.reduce((n, e) => n + e.count, 0)).toBe((summary.execution?.riskRefusals ?? 0) + (summary.execution?.riskStateChanges ?? 0));
    expect(store.riskEvents.length).toBeLessThanOrEqual(store.riskEvents.reduce((n, e) => n + e.count, 0));
  }, 120_000);
});
