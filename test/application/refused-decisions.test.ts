import { describe, expect, it } from 'vitest';
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

const NAMES = ['spread_ticks', 'depth_imbalance_1'];
const info: ModelInfo = { id: 'always', featureNames: NAMES, schemaId: unwrap(schemaForNames(NAMES)).id, scoreMeaning: 'test', horizonMs: 1000, threshold: 0.5 };

describe('decisions risk refused', () => {
  it('are counted apart and never judged as signals; the run summary carries execution quality and the market time', async () => {
    const store = new MemoryStore();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 100_000 });
    const feed = new SyntheticFeed({ market: { seed: 3, symbol: 'BTCUSDT', depth: 50 }, speed: 'max', decoder: scanningDecoder(btc), durationMs: 180_000 }, new StepClock());
    const venue = new SimExchange({ instrument: btc, fees: BYBIT_LINEAR_FEES, latency: { feedMicros: 5_000, orderMicros: 10_000 }, seed: 3 });
    const chosen = executionSettings({ policy: 'smart', capitalUsdt: 50_000, maxPositionLots: 20 as Lots, threshold: info.threshold });
    // Two losing round trips in a row stop new entries for 5 minutes: most later signals are refused.
    const settings = { ...chosen, risk: { ...chosen.risk, maxConsecutiveLosses: 2 } };
    let flip = 1;
    const model = new FunctionModel(info, () => ({ score: (flip = -flip), confidence: 0.9 }));
    const loop = new TradingLoop(
      { runId: 'refused', instrument: btc, limits: { maxPositionLots: 20 as Lots, orderLots: 1 as Lots }, bookDepth: 50, execution: settings },
      { feed, venue, model, writer, clock: new StepClock(), logger: new RecordingLogger() },
    );
    const summary = await loop.run();
    await writer.flush();
    const execution = summary.execution;
    if (execution === null) throw new Error('the loop ran without its execution engine');
    expect(execution.refusedDecisions).toBeGreaterThan(0);
    const acted = store.signals.filter((s) => s.acted).length;
    // Every acted signal is a decision that sent an order; each is judged (or left pending) once.
    expect(acted).toBe(execution.parents);
    const { resolved, unresolved } = summary.signalOutcomes;
    expect(resolved + unresolved).toBe(execution.parents);
    expect(execution.quality.decisions).toBe(execution.parents);
    expect(summary.venueSpan).not.toBeNull();
    const span = summary.venueSpan ?? { from: 0, to: 0 };
    expect((span.to - span.from) / 1e6).toBeGreaterThan(170);
    expect((span.to - span.from) / 1e6).toBeLessThanOrEqual(180);
  }, 60_000);
});
