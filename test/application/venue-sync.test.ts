import { describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import type { ExecutionReport, OrderRequest } from '../../application/ports/execution-venue.ts';
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

/** The simulated exchange, with a gap in its reports that the test opens and closes. */
class VenueWithGaps extends SimExchange {
  gap: string | null = null;
  readonly sentInGap: OrderRequest[] = [];
  readonly sent: OrderRequest[] = [];

  outOfSync(): string | null {
    return this.gap;
  }

  override submit(order: OrderRequest): Promise<readonly ExecutionReport[]> {
    (this.gap === null ? this.sent : this.sentInGap).push(order);
    return super.submit(order);
  }
}

describe('a venue out of sync', () => {
  it('halts new orders, with the venue reason stored, until it is back; then trading resumes', async () => {
    const store = new MemoryStore();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 100_000 });
    const feed = new SyntheticFeed({ market: { seed: 5, symbol: 'BTCUSDT', depth: 50 }, speed: 'max', decoder: scanningDecoder(btc), durationMs: 240_000 }, new StepClock());
    const venue = new VenueWithGaps({ instrument: btc, fees: BYBIT_LINEAR_FEES, latency: { feedMicros: 5_000, orderMicros: 10_000 }, seed: 5 });
    const chosen = executionSettings({ policy: 'baseline', capitalUsdt: 50_000, maxPositionLots: 1_000 as Lots, threshold: info.threshold });
    // Only the venue's gap may stop it: no losing streak or drawdown breaker in this test.
    const settings = { ...chosen, risk: { ...chosen.risk, maxConsecutiveLosses: 1_000_000, drawdownReduceBps: 10_000, drawdownHaltBps: 10_000 } };
    // Alternating strong signals: an order whenever the engine is free to send one.
    let flip = 1;
    const model = new FunctionModel(info, () => ({ score: (flip = -flip), confidence: 0.9 }));
    const loop = new TradingLoop(
      { runId: 'gap', instrument: btc, limits: { maxPositionLots: 1_000 as Lots, orderLots: 1 as Lots }, bookDepth: 50, execution: settings },
      { feed, venue, model, writer, clock: new StepClock(), logger: new RecordingLogger() },
    );
    let events = 0;
    let sentBefore = 0;
    for await (const event of feed.events()) {
      events++;
      if (events === 8_000) {
        sentBefore = venue.sent.length;
        venue.gap = 'the Bybit private stream is down; reconnecting';
      }
      if (events === 16_000) venue.gap = null;
      await loop.onEvent(event);
    }
    await writer.flush();

    expect(events).toBeGreaterThan(16_000);
    expect(sentBefore).toBeGreaterThan(0);
    expect(venue.sentInGap).toEqual([]);
    expect(venue.sent.length).toBeGreaterThan(sentBefore);
    const causes = store.riskEvents.filter((e) => e.cause === 'venueSync');
    expect(causes.map((e) => [e.kind, e.state])).toEqual([['trip', 'HALTED'], ['clear', 'ACTIVE']]);
    expect(causes[0].reason).toBe('the Bybit private stream is down; reconnecting');
  }, 60_000);
});
