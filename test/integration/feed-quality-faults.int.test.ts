import { describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import type { FeedQualityRecord, RiskEventRecord } from '../../application/ports/trading-store.ts';
import type { ModelInfo } from '../../application/ports/signal-model.ts';
import { TradingLoop } from '../../application/trading-loop.ts';
import { BybitLiveFeed } from '../../adapters/bybit/live-feed.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { SimulatedVenue } from '../../adapters/sim/sim-venue.ts';
import { executionSettings } from '../../composition/execution-settings.ts';
import { schemaForNames } from '../../domain/features/registry.ts';
import { unwrap } from '../../domain/result.ts';
import { BYBIT_LINEAR_FEES } from '../../domain/trading/fees.ts';
import type { Lots } from '../../domain/values/units.ts';
import { btc, eventually } from '../support/builders.ts';
import { BybitTestServer } from '../support/bybit-server.ts';
import { FunctionModel, MemoryStore, RecordingLogger } from '../support/fakes.ts';

/**
 * The feed-quality score and its breaker over a real socket: a local Bybit v5 stream, clean, then
 * losing a book delta every 150 ms (each a sequence gap, a resync and time not LIVE), then clean
 * again. The score is taken over 2-second windows instead of minutes (`feedQualityWindowMicros`),
 * so that the test sees a dozen windows in half a minute; the floor's hysteresis then counts windows.
 * The phases are ended by what the run has scored and stored, never by a fixed sleep, and every
 * assertion is on what was stored: the scored windows and the risk manager's episodes.
 */

const WINDOW = 2_000_000;
const FLOOR = { floor: 60, hysteresis: 15, clearAfterMinutes: 2 };
const NAMES = ['spread_ticks', 'depth_imbalance_1'];
const info: ModelInfo = { id: 'quiet', featureNames: NAMES, schemaId: unwrap(schemaForNames(NAMES)).id, scoreMeaning: 'none', horizonMs: 1000, threshold: 1 };

describe('the feed-quality score on a live socket with injected faults', () => {
  it('drops in the windows with lost frames, recovers after, and trips then clears the feedQuality breaker with hysteresis', async () => {
    const server = await BybitTestServer.start({ seed: 11, levels: 20 });
    const logger = new RecordingLogger();
    const clock = new SystemClock();
    const feed = unwrap(BybitLiveFeed.create({
      url: server.url, symbol: 'BTCUSDT', depth: 50, clock, logger, pingIntervalMs: 200, pongTimeoutMs: 2000, heartbeatMs: 50,
      resyncTimeoutMs: 800, backoff: { initialMs: 10, maxMs: 100 },
    }));
    const store = new MemoryStore();
    const writer = new BatchedWriter(store, logger, { flushEveryMs: 50 });
    // What the run hands the store, as it is pushed: the phases below wait on it.
    const windows: FeedQualityRecord[] = [];
    const breaker: RiskEventRecord[] = [];
    writer.observe((row) => {
      if (row.kind === 'feedQuality') windows.push(row.record);
      if (row.kind === 'riskEvents' && row.record.cause === 'feedQuality' && !breaker.some((r) => r.seq === row.record.seq)) breaker.push(row.record);
    });
    const execution = executionSettings({ policy: 'smart', capitalUsdt: 10_000, maxPositionLots: 2 as Lots, threshold: 1 });
    const loop = new TradingLoop(
      { runId: 'fq-faults', instrument: btc, limits: { maxPositionLots: 1 as Lots, orderLots: 1 as Lots }, bookDepth: 50, execution, feedQualityFloor: FLOOR, feedQualityWindowMicros: WINDOW },
      { feed, venue: new SimulatedVenue(btc, BYBIT_LINEAR_FEES), model: new FunctionModel(info, () => ({ score: 0, confidence: 0 })), writer, clock, logger },
    );
    server.setPace(20);
    const running = loop.run();
    let dropping: ReturnType<typeof setInterval> | null = null;
    try {
      // Clean: two windows in a row at or above floor + hysteresis, the breaker not tripped.
      const cleanRun = (from: number): boolean => {
        const after = windows.filter((w) => w.start >= from);
        return after.length >= 2 && after.slice(-2).every((w) => w.score >= FLOOR.floor + FLOOR.hysteresis);
      };
      await eventually(() => cleanRun(0) && breaker.length === 0, 60_000, 50);

      const faultsFrom = clock.nowMicros();
      dropping = setInterval(() => server.dropNext(1), 150);
      const during = (): FeedQualityRecord[] => windows.filter((w) => w.start >= faultsFrom);
      // Faults until the breaker has tripped and two whole windows have passed under them.
      await eventually(() => breaker.some((r) => r.kind === 'trip') && during().length >= 2, 60_000, 50);
      clearInterval(dropping);
      dropping = null;
      const faultsTo = clock.nowMicros();

      await eventually(() => breaker.some((r) => r.kind === 'clear'), 60_000, 50);
      // The run ends, so that what was pushed and what is stored can be compared whole.
      await feed.close();
      await running;
      await writer.flush();

      const stored = await store.readFeedQuality('fq-faults');
      expect(stored).toEqual(windows);
      const before = stored.filter((w) => w.start + w.window <= faultsFrom);
      const faulty = stored.filter((w) => w.start >= faultsFrom && w.start + w.window <= faultsTo);
      expect(faulty.length).toBeGreaterThanOrEqual(1);
      // Every window wholly under the faults saw gaps and resyncs and lost points; the worst fell below the floor.
      for (const w of faulty) {
        expect(w.gaps).toBeGreaterThan(0);
        expect(w.resyncs).toBeGreaterThan(0);
        expect(w.score).toBeLessThan(100);
      }
      expect(Math.min(...faulty.map((w) => w.score))).toBeLessThan(FLOOR.floor);
      expect(before.slice(-2).every((w) => w.score >= FLOOR.floor + FLOOR.hysteresis && w.gaps === 0)).toBe(true);

      // The breaker, as stored: one trip under the faults, one clear after them, nothing between.
      const episodes = (await store.readRiskEvents('fq-faults')).filter((r) => r.cause === 'feedQuality');
      expect(episodes.map((r) => [r.kind, r.state === 'ACTIVE' ? 'ACTIVE' : 'not ACTIVE'])).toEqual([['trip', 'not ACTIVE'], ['clear', 'ACTIVE']]);
      const [trip, clear] = episodes;
      expect(trip.ts).toBeGreaterThan(faultsFrom);
      const tripped = stored.find((w) => w.start + w.window === trip.ts);
      expect(tripped).toBeDefined();
      expect(trip.reason).toBe(`feed quality ${tripped!.score} < floor ${FLOOR.floor}`);
      // Hysteresis: the clear comes at the end of the second window in a row at floor + hysteresis,
      // and those windows came after the faults had stopped.
      expect(clear.ts).toBeGreaterThan(faultsTo);
      const lastTwo = stored.filter((w) => w.start + w.window <= clear.ts).slice(-2);
      expect(lastTwo.map((w) => w.score >= FLOOR.floor + FLOOR.hysteresis)).toEqual([true, true]);
      expect(lastTwo[1].start + lastTwo[1].window).toBe(clear.ts);
      // No window between the trip and the clear, but those two, reached floor + hysteresis twice in a row.
      const held = stored.filter((w) => w.start + w.window > trip.ts && w.start + w.window < lastTwo[0].start + lastTwo[0].window);
      const good = (w: FeedQualityRecord): boolean => w.score >= FLOOR.floor + FLOOR.hysteresis;
      for (let i = 1; i < held.length; i++) expect(good(held[i - 1]) && good(held[i])).toBe(false);
      expect(lastTwo.every((w) => w.start >= faultsTo - w.window)).toBe(true);
    } finally {
      if (dropping !== null) clearInterval(dropping);
      await feed.close();
      await running.catch(() => undefined);
      await writer.close();
      await server.close();
    }
  }, 240_000);
});
