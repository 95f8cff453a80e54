import 'reflect-metadata';
import { BatchedWriter } from '../application/batched-writer.ts';
import { silentLogger } from '../application/ports/logger.ts';
import type { ModelInfo } from '../application/ports/signal-model.ts';
import { TradingLoop } from '../application/trading-loop.ts';
import { VenueOutbox } from '../application/venue-outbox.ts';
import { createBybitGateway } from '../adapters/bybit/gateway/bybit-gateway.ts';
import { BybitLiveFeed } from '../adapters/bybit/live-feed.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { executionSettings } from '../composition/execution-settings.ts';
import { schemaForNames } from '../domain/features/registry.ts';
import { unwrap } from '../domain/result.ts';
import type { Lots } from '../domain/values/units.ts';
import { FunctionModel } from '../test/support/fakes.ts';
import { startLiveRig } from '../test/support/live-servers.ts';
import { countHandles, openFds, slope, type SoakSample } from './soak-bench.ts';

/*
 * app:live's parts (the Bybit gateway behind its outbox, the live market-data feed, the trading loop
 * with the baseline policy: market orders, so that every signal reaches the exchange) against the local Bybit v5 servers of the tests (test/support/live-servers.ts),
 * in real time: the servers have no clock of their own to speed up, so this soak runs for the minutes
 * asked, not for an hour of accelerated time. Every `everyS` seconds one fault comes, in turn: the
 * public stream's socket cut, the public stream stalled for 3 s, and the exchange answering three
 * order creates with retCode 10006 (too many visits). The rows go to a store that keeps nothing, and
 * the servers' own histories of what they sent and received are dropped before each sample, so that
 * the heap measures the run and not the test fixtures.
 */

const NAMES = ['spread_ticks', 'depth_imbalance_1'];
const INFO: ModelInfo = { id: 'soak-live', featureNames: NAMES, schemaId: unwrap(schemaForNames(NAMES)).id, scoreMeaning: 'test', horizonMs: 1000, threshold: 0.5 };
const KEYS = { BYBIT_API_KEY: 'soak-key', BYBIT_API_SECRET: 'soak-secret' };
const START_TICKS = 900_000;
const MB = 1024 * 1024;

export interface LiveSoak {
  readonly minutes: number;
  readonly frames: number;
  readonly orders: number;
  readonly fills: number;
  readonly faults: { readonly disconnects: number; readonly stalls: number; readonly rateLimits: number };
  readonly feed: { readonly gaps: number; readonly resyncs: number; readonly disconnects: number; readonly lowestScore: number | null };
  /** A sample a minute of wall time, after a full collection. */
  readonly samples: readonly (SoakSample & { readonly minute: number })[];
  readonly heapSlopeMbPerHour: number;
  readonly rssSlopeMbPerHour: number;
  readonly fdsLeft: readonly string[];
  readonly handlesLeft: readonly string[];
}

export async function benchLiveSoak(minutes: number, everyS = 60, onSample: (s: LiveSoak['samples'][number]) => void = () => undefined): Promise<LiveSoak> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the soak measures the heap after a collection: run node with --expose-gc');
  gc();
  const fdsBefore = openFds();
  const handlesBefore = countHandles();
  const { publicStream, exchange } = await startLiveRig(KEYS, START_TICKS);
  const clock = new SystemClock();
  const logger = silentLogger;
  const gateway = await createBybitGateway({
    network: 'testnet', restUrl: exchange.restUrl, privateWsUrl: exchange.privateWsUrl, apiKey: KEYS.BYBIT_API_KEY, apiSecret: KEYS.BYBIT_API_SECRET,
    symbol: 'BTCUSDT', clock, logger, rateLimitMs: 5, requestTimeoutMs: 2_000, retryBackoffMs: 50, reconcileEveryMs: 2_000,
  });
  const venue = new VenueOutbox(gateway, clock, logger);
  const writer = new BatchedWriter({ write: () => Promise.resolve({ rejected: [] }) }, logger);
  const feed = unwrap(BybitLiveFeed.create({
    url: publicStream.url, symbol: 'BTCUSDT', depth: 50, clock, logger, pingIntervalMs: 1_000, pongTimeoutMs: 5_000, heartbeatMs: 200,
    resyncTimeoutMs: 2_000, backoff: { initialMs: 50, maxMs: 1_000 },
  }));
  // Buys for 20 s, then sells for 20 s, and so on: the position goes up and down through the limit.
  const model = new FunctionModel(INFO, () => ({ score: Math.floor(Date.now() / 20_000) % 2 === 0 ? 1 : -1, confidence: 0.9 }));
  const chosen = executionSettings({ policy: 'baseline', capitalUsdt: 40_000, maxPositionLots: 10 as Lots, threshold: INFO.threshold });
  const settings = { ...chosen, risk: { ...chosen.risk, maxConsecutiveLosses: 1_000_000, drawdownReduceBps: 10_000, drawdownHaltBps: 10_000, dailyLossLimit: chosen.capital } };
  const loop = new TradingLoop(
    { runId: 'soak-live', instrument: gateway.instrument, limits: { maxPositionLots: 10 as Lots, orderLots: 1 as Lots }, bookDepth: 50, execution: settings, storeVectors: false, stopGraceMs: 2_000 },
    { feed, venue, model, writer, clock, logger },
  );
  const faults = { disconnects: 0, stalls: 0, rateLimits: 0 };
  const samples: (SoakSample & { minute: number })[] = [];
  const started = performance.now();
  const running = loop.run();
  let n = 0;
  const faultTimer = setInterval(() => {
    switch (n++ % 3) {
      case 0:
        publicStream.closeSocket();
        faults.disconnects++;
        break;
      case 1:
        publicStream.stall(3_000);
        faults.stalls++;
        break;
      default:
        exchange.rateLimitNext('/v5/order/create', 3);
        faults.rateLimits++;
    }
  }, everyS * 1000);
  try {
    for (let minute = 1; minute <= minutes; minute++) {
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      // The test servers keep everything they sent and received for a test to compare; in a soak that
      // history is theirs, not the run's: it is dropped before each sample.
      publicStream.sent.length = 0;
      publicStream.requests.length = 0;
      exchange.requests.length = 0;
      gc();
      const m = process.memoryUsage();
      const sample = { minute, hour: minute / 60, heapMb: m.heapUsed / MB, rssMb: m.rss / MB, wallSeconds: (performance.now() - started) / 1000 };
      samples.push(sample);
      onSample(sample);
    }
  } finally {
    clearInterval(faultTimer);
    await feed.close();
  }
  const summary = await running;
  await venue.drained();
  await writer.close();
  await gateway.close();
  await exchange.close();
  await publicStream.close();
  // What closes as the run ends (a socket's close callback, a pending immediate) is given up to 5 s.
  const left = (): string[] => [...countHandles()].filter(([kind, k]) => k > (handlesBefore.get(kind) ?? 0)).map(([kind, k]) => `${k - (handlesBefore.get(kind) ?? 0)} ${kind}`);
  for (let i = 0; i < 50 && left().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  gc();
  const fdsAfter = openFds();
  const points = (key: 'heapMb' | 'rssMb'): [number, number][] => samples.map((s) => [s.hour, s[key]]);
  return {
    minutes,
    frames: summary.counters.frames,
    orders: summary.orders.orders,
    fills: summary.orders.fills,
    faults,
    feed: { gaps: summary.counters.gaps, resyncs: summary.counters.resyncs, disconnects: summary.counters.disconnects, lowestScore: summary.feedQuality.lowest },
    samples,
    heapSlopeMbPerHour: slope(points('heapMb')),
    rssSlopeMbPerHour: slope(points('rssMb')),
    fdsLeft: [...fdsAfter].filter(([fd, target]) => fdsBefore.get(fd) !== target).map(([fd, target]) => `${fd} → ${target}`),
    handlesLeft: left(),
  };
}
