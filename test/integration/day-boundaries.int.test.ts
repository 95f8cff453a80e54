import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import type { ModelInfo } from '../../application/ports/signal-model.ts';
import { TradingLoop } from '../../application/trading-loop.ts';
import { scanningDecoder } from '../../adapters/bybit/frame-decoder.ts';
import { FileReplayFeed } from '../../adapters/replay/file-feed.ts';
import { SimExchange } from '../../adapters/sim/sim-exchange.ts';
import { createSyntheticMarket } from '../../adapters/synthetic/synthetic-market.ts';
import { executionSettings } from '../../composition/execution-settings.ts';
import { schemaForNames } from '../../domain/features/registry.ts';
import { unwrap } from '../../domain/result.ts';
import { BYBIT_LINEAR_FEES } from '../../domain/trading/fees.ts';
import type { Cash, Lots } from '../../domain/values/units.ts';
import { btc } from '../support/builders.ts';
import { FunctionModel, MemoryStore, RecordingLogger, StepClock } from '../support/fakes.ts';

/*
 * A replay across 00:00 UTC: five minutes of the synthetic market as recorded Bybit frames, from
 * 23:57:30 to 00:02:30, with a ticker carrying the funding rate every second. The daily loss limit
 * (1 Cash here, so the first fee trips it) halts the day before midnight and is cleared by the new UTC
 * day at the first book after it; the position held over midnight is settled for funding exactly at
 * 00:00, once.
 */

const MIDNIGHT_MS = Date.UTC(2026, 0, 2);
const RATE = 0.0001;
const tmp = mkdtempSync(join(tmpdir(), 'ladder-midnight-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The stream as a recorder writes it: `<receive µs> <frame>`, a ticker with the funding rate each second. */
function streamAcrossMidnight(): string {
  const market = createSyntheticMarket({ seed: 11, startMs: MIDNIGHT_MS - 150_000, depth: 50 });
  const lines: string[] = [];
  let lastTicker = -Infinity;
  let cs = 1;
  while (market.nextTsMs <= MIDNIGHT_MS + 150_000) {
    for (const f of market.next()) {
      lines.push(`${f.tsMs * 1000 + 3_000} ${f.text}`);
      if (f.tsMs - lastTicker >= 1_000) {
        lastTicker = f.tsMs;
        const ticker = { topic: 'tickers.BTCUSDT', type: 'delta', data: { symbol: 'BTCUSDT', fundingRate: String(RATE) }, cs: cs++, ts: f.tsMs };
        lines.push(`${f.tsMs * 1000 + 3_000} ${JSON.stringify(ticker)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

const FEATURE_NAMES = ['spread_ticks', 'depth_imbalance_1'];
const info: ModelInfo = {
  id: 'always-long', featureNames: FEATURE_NAMES, schemaId: unwrap(schemaForNames(FEATURE_NAMES)).id, scoreMeaning: 'buy', horizonMs: 1000, threshold: 0.5,
};

describe('a replay across midnight UTC', () => {
  it('rolls the daily loss limit at 00:00 and settles funding at the 8-hour mark', { timeout: 120_000 }, async () => {
    const file = join(tmp, 'midnight.jsonl');
    writeFileSync(file, streamAcrossMidnight());
    const store = new MemoryStore();
    const writer = new BatchedWriter(store, new RecordingLogger(), { batchRows: 1_000_000 });
    const clock = new StepClock();
    const feed = new FileReplayFeed(file, clock, { speed: 'max', decoder: scanningDecoder(btc) });
    const venue = new SimExchange({ instrument: btc, fees: BYBIT_LINEAR_FEES, latency: { feedMicros: 5_000, orderMicros: 10_000 }, seed: 1 });
    const settings = executionSettings({ policy: 'smart', capitalUsdt: 10_000, maxPositionLots: 2 as Lots, threshold: info.threshold });
    const loop = new TradingLoop(
      {
        runId: 'midnight', instrument: btc, limits: { maxPositionLots: 2 as Lots, orderLots: 1 as Lots }, bookDepth: 50,
        execution: { ...settings, risk: { ...settings.risk, dailyLossLimit: 1 as Cash } },
      },
      { feed, venue, model: new FunctionModel(info, () => ({ score: 1, confidence: 0.9 })), writer, clock, logger: new RecordingLogger() },
    );
    const summary = await loop.run();
    await writer.flush();
    const midnight = MIDNIGHT_MS * 1000;

    // The day's loss tripped before midnight, and the new UTC day cleared it at the first book after.
    const daily = store.riskEvents.filter((e) => e.cause === 'dailyLoss');
    const trip = daily.find((e) => e.kind === 'trip');
    const clear = daily.find((e) => e.kind === 'clear');
    expect(trip?.ts).toBeLessThan(midnight);
    expect(trip?.state).toBe('HALTED');
    expect(clear?.ts).toBeGreaterThanOrEqual(midnight);
    expect(clear!.ts - midnight).toBeLessThan(1_000_000);
    expect(clear?.reason).toMatch(/new UTC day/);
    expect(daily.filter((e) => e.kind === 'clear' && e.ts < midnight)).toEqual([]);

    // The position held over midnight paid funding once, at 00:00 exactly: long × mark × rate.
    expect(summary.orders.fundings).toBe(1);
    const held = loop.position.qty;
    expect(held).toBeGreaterThan(0);
    const funding: number = loop.position.funding;
    expect(funding).toBeLessThan(0);
    // 2 lots of 0.001 BTC at about 90,000 USDT × 0.0001 = 0.018 USDT, within the mid's move.
    expect(Math.abs(-funding / 1e8 - (held / 1000) * 90_000 * RATE)).toBeLessThan(0.002);
    expect(venue.snapshot().funding).toBe(funding);
  });
});
