import 'reflect-metadata';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
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
import { countHandles, handlesLeftAfter, openFds, slope, type SoakSample } from './soak-bench.ts';

/*
 * app:live's parts (the Bybit gateway behind its outbox, the live market-data feed, the trading loop
 * with the baseline policy: market orders, so that every signal reaches the exchange) against the local Bybit v5 servers of the tests (test/support/live-servers.ts),
 * in real time: the servers have no clock of their own to speed up, so this soak runs for the minutes
 * asked (an hour by default), not for an hour of accelerated time. Every `everyS` seconds one fault
 * comes, in turn: the public stream's socket cut, the public stream stalled for 3 s, the exchange
 * answering three order creates with retCode 10006 (too many visits), and the private stream's sockets
 * cut by the exchange. The rows go to a store that keeps nothing, and
 * the servers' own histories of what they sent and received are dropped before each sample, so that
 * the heap measures the run and not the test fixtures.
 */

const NAMES = ['spread_ticks', 'depth_imbalance_1'];
const INFO: ModelInfo = { id: 'soak-live', featureNames: NAMES, schemaId: unwrap(schemaForNames(NAMES)).id, scoreMeaning: 'test', horizonMs: 1000, threshold: 0.5 };
const KEYS = { BYBIT_API_KEY: 'soak-key', BYBIT_API_SECRET: 'soak-secret' };
const START_TICKS = 900_000;
const MAX_LOTS = 10;
const MB = 1024 * 1024;

export interface LiveSoak {
  readonly minutes: number;
  readonly frames: number;
  readonly orders: number;
  readonly fills: number;
  readonly faults: { readonly disconnects: number; readonly stalls: number; readonly rateLimits: number; readonly privateCuts: number };
  /** Order creates the exchange received, and those it answered with 10006. */
  readonly exchangeCreates: number;
  /** At the end, once the run and the outbox are done: signed lots on the exchange (its own state) and in the app. */
  readonly positionExchangeLots: number;
  readonly positionAppLots: number;
  /** The largest |position| the exchange held during the run, and the limit the app was given, lots. */
  readonly peakExchangeLots: number;
  readonly maxPositionLots: number;
  readonly openOrdersLeft: number;
  readonly feed: { readonly gaps: number; readonly resyncs: number; readonly disconnects: number; readonly lowestScore: number | null };
  /** A sample a minute of wall time, after a full collection. */
  readonly samples: readonly (SoakSample & { readonly minute: number; readonly externalMb: number; readonly arrayBuffersMb: number })[];
  readonly heapSlopeMbPerHour: number;
  readonly rssSlopeMbPerHour: number;
  readonly fdsLeft: readonly string[];
  readonly handlesLeft: readonly string[];
}

export async function benchLiveSoak(minutes = 60, everyS = 60, onSample: (s: LiveSoak['samples'][number]) => void = () => undefined): Promise<LiveSoak> {
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
  const chosen = executionSettings({ policy: 'baseline', capitalUsdt: 40_000, maxPositionLots: MAX_LOTS as Lots, threshold: INFO.threshold });
  const settings = { ...chosen, risk: { ...chosen.risk, maxConsecutiveLosses: 1_000_000, drawdownReduceBps: 10_000, drawdownHaltBps: 10_000, dailyLossLimit: chosen.capital } };
  const loop = new TradingLoop(
    { runId: 'soak-live', instrument: gateway.instrument, limits: { maxPositionLots: MAX_LOTS as Lots, orderLots: 1 as Lots }, bookDepth: 50, execution: settings, storeVectors: false, stopGraceMs: 2_000 },
    { feed, venue, model, writer, clock, logger },
  );
  const faults = { disconnects: 0, stalls: 0, rateLimits: 0, privateCuts: 0 };
  let creates = 0;
  const samples: (SoakSample & { minute: number; externalMb: number; arrayBuffersMb: number })[] = [];
  const started = performance.now();
  const running = loop.run();
  let n = 0;
  const faultTimer = setInterval(() => {
    switch (n++ % 4) {
      case 0:
        publicStream.closeSocket();
        faults.disconnects++;
        break;
      case 1:
        publicStream.stall(3_000);
        faults.stalls++;
        break;
      case 2:
        exchange.rateLimitNext('/v5/order/create', 3);
        faults.rateLimits++;
        break;
      default:
        exchange.dropStreams();
        faults.privateCuts++;
    }
  }, everyS * 1000);
  try {
    for (let minute = 1; minute <= minutes; minute++) {
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      // The test servers keep everything they sent and received for a test to compare; in a soak that
      // history is theirs, not the run's: it is dropped before each sample.
      creates += exchange.requests.filter((r) => r.path === '/v5/order/create').length;
      publicStream.sent.length = 0;
      publicStream.requests.length = 0;
      exchange.requests.length = 0;
      gc();
      const m = process.memoryUsage();
      const sample = {
        minute, hour: minute / 60, heapMb: m.heapUsed / MB, rssMb: m.rss / MB, externalMb: m.external / MB, arrayBuffersMb: m.arrayBuffers / MB,
        wallSeconds: (performance.now() - started) / 1000,
      };
      samples.push(sample);
      onSample(sample);
      // SOAK_LIVE_HEAP_SNAPSHOT_MINUTES=3,15: a heap snapshot at those minutes, after the collection (bench/soak-heap-diff.ts compares two).
      if ((process.env.SOAK_LIVE_HEAP_SNAPSHOT_MINUTES ?? '').split(',').includes(String(minute))) {
        writeHeapSnapshot(join(tmpdir(), `ladder-soak-live-minute${minute}.heapsnapshot`));
      }
    }
  } finally {
    clearInterval(faultTimer);
    await feed.close();
  }
  const summary = await running;
  await venue.drained();
  // Every fill the exchange sent has been read before the two positions are compared.
  await exchange.settle();
  await new Promise((resolve) => setTimeout(resolve, 500));
  creates += exchange.requests.filter((r) => r.path === '/v5/order/create').length;
  const positionExchangeLots = exchange.positionLots();
  const positionAppLots = loop.position.qty;
  const peakExchangeLots = exchange.peakPositionLots();
  const openOrdersLeft = exchange.openOrderIds().length;
  await writer.close();
  await gateway.close();
  await exchange.close();
  await publicStream.close();
  const handlesLeft = await handlesLeftAfter(handlesBefore, gc);
  const fdsAfter = openFds();
  const points = (key: 'heapMb' | 'rssMb'): [number, number][] => samples.map((s) => [s.hour, s[key]]);
  return {
    minutes,
    frames: summary.counters.frames,
    orders: summary.orders.orders,
    fills: summary.orders.fills,
    faults,
    exchangeCreates: creates,
    positionExchangeLots,
    positionAppLots,
    peakExchangeLots,
    maxPositionLots: MAX_LOTS,
    openOrdersLeft,
    feed: { gaps: summary.counters.gaps, resyncs: summary.counters.resyncs, disconnects: summary.counters.disconnects, lowestScore: summary.feedQuality.lowest },
    samples,
    heapSlopeMbPerHour: slope(points('heapMb')),
    rssSlopeMbPerHour: slope(points('rssMb')),
    fdsLeft: [...fdsAfter].filter(([fd, target]) => fdsBefore.get(fd) !== target).map(([fd, target]) => `${fd} → ${target}`),
    handlesLeft,
  };
}
