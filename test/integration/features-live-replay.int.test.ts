import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bybitSyncConfig, MarketData } from '../../application/market-data.ts';
import { silentLogger } from '../../application/ports/logger.ts';
import type { MarketDataFeed } from '../../application/ports/market-data-feed.ts';
import { FEATURES } from '../../domain/features/definitions.ts';
import { FeatureEngine } from '../../domain/features/engine.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import { unwrap } from '../../domain/result.ts';
import { scanningDecoder } from '../../adapters/bybit/frame-decoder.ts';
import { BybitLiveFeed } from '../../adapters/bybit/live-feed.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { FileReplayFeed } from '../../adapters/replay/file-feed.ts';
import { btc, eventually } from '../support/builders.ts';
import { BybitTestServer } from '../support/bybit-server.ts';
import { isBookSnapshot, stripRecvTime } from '../support/frame-text.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sample = join(root, 'test/fixtures/btcusdt-sample.jsonl');
const capture = join(root, '../shared/data/bybit/linear-BTCUSDT-orderbook200-trades-tickers.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'ladder-features-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A vector as the bytes of its venue time and values: equal bytes, bit-identical vectors. */
interface Row { readonly ts: number; readonly bytes: string }

/** Every vector the engine (all features) computes from a feed's events, through the book and its checks, as the trading loop does. */
class Collector {
  readonly rows: Row[] = [];
  readonly market: MarketData;
  private readonly engine = new FeatureEngine(btc, FEATURES);

  constructor(feed: MarketDataFeed, depth: number) {
    this.market = new MarketData({ instrument: btc, bookDepth: depth, sync: bybitSyncConfig(depth) }, feed, silentLogger);
  }

  take(event: MarketEvent): void {
    const step = this.market.process(event);
    if (step.transition !== null) this.engine.reset();
    for (const trade of step.trades) this.engine.onTrade(trade);
    if (step.book === null) return;
    const v = this.engine.onBook(this.market.book, step.book.ts);
    if (v !== null) this.rows.push({ ts: v.ts, bytes: Buffer.from(v.values.buffer, v.values.byteOffset, v.values.byteLength).toString('hex') });
  }
}

/** The frames a live client sees of a recording: from the first book snapshot on, book and trade topics only. */
function streamed(lines: readonly string[]): string[] {
  const frames = lines.map(stripRecvTime);
  const first = frames.findIndex((t) => isBookSnapshot(t));
  return frames.slice(first).filter((t) => t.includes('"topic":"orderbook.') || t.includes('"topic":"publicTrade.'));
}

async function replayRows(frames: readonly string[], depth: number): Promise<Row[]> {
  const file = join(dir, `replay-${depth}-${frames.length}.jsonl`);
  writeFileSync(file, `${frames.join('\n')}\n`);
  const feed = new FileReplayFeed(file, new SystemClock(), { decoder: scanningDecoder(btc) });
  const c = new Collector(feed, depth);
  for await (const event of feed.events()) c.take(event);
  return c.rows;
}

async function liveRows(lines: readonly string[], depth: number, expected: number): Promise<Row[]> {
  const server = await BybitTestServer.fromFrames(lines);
  const feed = unwrap(BybitLiveFeed.create({ url: server.url, symbol: 'BTCUSDT', depth, clock: new SystemClock(), logger: silentLogger }));
  const c = new Collector(feed, depth);
  const done = (async () => {
    for await (const event of feed.events()) c.take(event);
  })();
  try {
    // The server sends its snapshot on subscribe; then the rest of the recording, as fast as it goes.
    await eventually(() => c.rows.length === 1, 10_000);
    while (server.pushNow(50)) await new Promise((resolve) => setImmediate(resolve));
    await eventually(() => c.rows.length >= expected, 20_000);
  } finally {
    await feed.close();
    await done;
    await server.close();
  }
  return c.rows;
}

async function expectIdentical(path: string, depth: number): Promise<void> {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  const replay = await replayRows(streamed(lines), depth);
  expect(replay.length).toBeGreaterThan(100);
  const live = await liveRows(lines, depth, replay.length);
  expect(live.length).toBe(replay.length);
  // Compared row by row so that a difference names the first vector it appears in.
  for (let i = 0; i < replay.length; i++) {
    if (live[i].ts !== replay[i].ts || live[i].bytes !== replay[i].bytes) expect.fail(`vector ${i} at ts ${replay[i].ts} differs between the live feed and the replay`);
  }
}

describe('feature vectors, live from the Bybit-protocol test server and replayed from a file', { timeout: 60_000 }, () => {
  it('are bit-identical for the project sample (50-level book, trades)', async () => {
    await expectIdentical(sample, 50);
  });

  it.skipIf(!existsSync(capture))('are bit-identical for the real Bybit capture (200-level book, trades)', async () => {
    await expectIdentical(capture, 200);
  });
});
