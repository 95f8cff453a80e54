import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { scanningDecoder } from '../../adapters/bybit/frame-decoder.ts';
import { BybitLiveFeed, type BybitLiveFeedOptions } from '../../adapters/bybit/live-feed.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { silentLogger } from '../../application/ports/logger.ts';
import type { FeedStatus, MarketEvent } from '../../domain/market/market-event.ts';
import { OrderBook, type BookError } from '../../domain/market/order-book.ts';
import { unwrap } from '../../domain/result.ts';
import { priceToTicks, qtyToLots } from '../../domain/values/instrument.ts';
import { BybitTestServer, type ServerBook } from '../support/bybit-server.ts';
import { runAlone } from '../support/run-alone.ts';
import { btc, eventually } from '../support/builders.ts';
import { RecordingLogger } from '../support/fakes.ts';

const shared = fileURLToPath(new URL('../../../shared/data/bybit/linear-BTCUSDT-orderbook200-trades-tickers.jsonl', import.meta.url));
if (!existsSync(shared)) console.warn(`skipping the replay of a real Bybit capture: ${shared} is absent`);

/** Consumes a feed the way the trading loop does: applies book frames and asks for a resync on any book error. */
class Consumer {
  readonly events: MarketEvent[] = [];
  readonly bookErrors: BookError[] = [];
  readonly book: OrderBook;
  readonly done: Promise<void>;

  constructor(readonly feed: BybitLiveFeed, depth: number) {
    this.book = new OrderBook(btc, { depth });
    this.done = this.run();
  }

  private async run(): Promise<void> {
    for await (const event of this.feed.events()) {
      this.events.push(event);
      if (event.kind !== 'book' && event.kind !== 'gridBook') continue;
      const applied = event.kind === 'book' ? this.book.apply(event.frame) : this.book.applyLevels(event.frame);
      if (applied.ok) continue;
      this.bookErrors.push(applied.error);
      // A resent delta changes nothing: the book is still whole.
      if (applied.error.kind !== 'Duplicate') this.feed.resync(applied.error.kind);
    }
  }

  statuses(status?: FeedStatus): Extract<MarketEvent, { kind: 'status' }>[] {
    return this.events.filter((e): e is Extract<MarketEvent, { kind: 'status' }> => e.kind === 'status' && (status === undefined || e.status === status));
  }

  snapshots(): number {
    return this.events.filter((e) => (e.kind === 'book' || e.kind === 'gridBook') && e.frame.type === 'snapshot').length;
  }

  of<K extends MarketEvent['kind']>(kind: K): Extract<MarketEvent, { kind: K }>[] {
    return this.events.filter((e): e is Extract<MarketEvent, { kind: K }> => e.kind === kind);
  }

  /** The consumer's book has caught up with the server's, whole and usable. */
  caughtUp(server: BybitTestServer): boolean {
    return this.book.usable && this.book.lastU === server.book().u;
  }
}

function expectSameBook(book: OrderBook, server: ServerBook): void {
  const levels = (side: ServerBook['bids']) => side.map(([p, s]) => [unwrap(priceToTicks(btc, p)), unwrap(qtyToLots(btc, s))]);
  expect(book.topN('bid', 10_000)).toEqual(levels(server.bids));
  expect(book.topN('ask', 10_000)).toEqual(levels(server.asks));
  expect(book.lastU).toBe(server.u);
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(options: Partial<BybitLiveFeedOptions> = {}, server?: BybitTestServer) {
  const s = server ?? (await BybitTestServer.start({ seed: 11 }));
  cleanups.push(() => s.close());
  const feed = unwrap(
    BybitLiveFeed.create({ url: s.url, symbol: 'BTCUSDT', depth: 50, clock: new SystemClock(), logger: silentLogger, backoff: { initialMs: 10, maxMs: 50 }, ...options }),
  );
  cleanups.push(() => feed.close());
  return { server: s, feed };
}

async function consume(options: Partial<BybitLiveFeedOptions> = {}, server?: BybitTestServer) {
  const { server: s, feed } = await start(options, server);
  const consumer = new Consumer(feed, options.depth ?? 50);
  await eventually(() => consumer.statuses('subscribed').length === 1 && consumer.snapshots() === 1);
  return { server: s, feed, consumer };
}

const runInProcess = (body: string) => runAlone({ 'adapters/bybit/live-feed.ts': ['BybitLiveFeed'], 'domain/result.ts': ['unwrap'] }, body);

describe('BybitLiveFeed against a Bybit-protocol server on 127.0.0.1', () => {
  it('delivers every frame in order: the book follows the server delta by delta', async () => {
    const { server, consumer } = await consume();
    const kinds = consumer.events.map((e) => (e.kind === 'status' ? e.status : e.kind));
    expect(kinds.slice(0, 5)).toEqual(['connected', 'control', 'book', 'control', 'subscribed']);
    server.pushNow(300);
    await eventually(() => consumer.caughtUp(server));
    const us = consumer.of('book').map((e) => e.frame.u);
    expect(us).toEqual(Array.from({ length: 301 }, (_, k) => us[0] + k));
    expectSameBook(consumer.book, server.book());
    const sentTrades = server.sentTo(1).filter((t) => t.includes('"topic":"publicTrade.BTCUSDT"')).length;
    expect(sentTrades).toBeGreaterThan(0);
    await eventually(() => consumer.of('trades').length === sentTrades);
    expect(consumer.bookErrors).toEqual([]);
  });

  it('keeps order and loses nothing when the server pushes on its own every 2 ms', async () => {
    const { server, consumer } = await consume();
    server.setPace(2);
    await eventually(() => consumer.of('book').length > 200);
    server.setPace(null);
    await eventually(() => consumer.caughtUp(server));
    const us = consumer.of('book').map((e) => e.frame.u);
    expect(us).toEqual(Array.from({ length: us.length }, (_, k) => us[0] + k));
    expectSameBook(consumer.book, server.book());
  });

  it('hands every received text to onRawFrame exactly as the server sent it, pongs and garbage included', async () => {
    const { server, feed } = await start({ pingIntervalMs: 20 });
    const raw: string[] = [];
    feed.onRawFrame((text) => raw.push(text));
    const removed: string[] = [];
    const remove = feed.onRawFrame((text) => removed.push(text));
    const consumer = new Consumer(feed, 50);
    await eventually(() => consumer.statuses('subscribed').length === 1);
    remove();
    server.pushNow(50);
    server.sendGarbage('{"topic":"orderbook.50.BTCUSDT","type":"snapshot"');
    server.pushNow(5);
    await eventually(() => raw.filter((t) => t.includes('"ret_msg":"pong"')).length >= 2 && raw.length === server.sentTo(1).length);
    expect(raw).toEqual(server.sentTo(1));
    expect(removed.length).toBeLessThan(raw.length);
    const malformed = consumer.of('malformed');
    expect(malformed.map((m) => m.text)).toEqual(['{"topic":"orderbook.50.BTCUSDT","type":"snapshot"']);
    expect(feed.stats().received).toBe(raw.length);
  });

  it('reports a refused subscription as subscribe_failed with the venue message', async () => {
    const server = await BybitTestServer.start({ seed: 2 });
    server.refuseTopic('publicTrade.BTCUSDT', 'error:handler not found,topic:publicTrade.BTCUSDT');
    const { feed } = await start({}, server);
    const consumer = new Consumer(feed, 50);
    await eventually(() => consumer.statuses('subscribe_failed').length === 1);
    expect(consumer.statuses('subscribe_failed')[0].detail).toBe('publicTrade.BTCUSDT: error:handler not found,topic:publicTrade.BTCUSDT');
    expect(consumer.statuses('subscribed')).toEqual([]);
  });

  it('ignores a duplicated delta without a resync: the book stays whole', async () => {
    const { server, consumer } = await consume();
    server.pushNow(10);
    await eventually(() => consumer.caughtUp(server));
    server.duplicateNext();
    server.pushNow(5);
    await eventually(() => consumer.caughtUp(server));
    expect(consumer.bookErrors.map((e) => e.kind)).toEqual(['Duplicate']);
    expect(consumer.statuses('resubscribed')).toEqual([]);
    expect(consumer.snapshots()).toBe(1);
    expectSameBook(consumer.book, server.book());
  });

  it('with the scanning decoder, a resync answered by a snapshot does not reconnect when the watchdog runs out', async () => {
    const resyncTimeoutMs = 1_500;
    const { server, consumer, feed } = await consume({ resyncTimeoutMs, decoder: scanningDecoder(btc) });
    server.pushNow(10);
    await eventually(() => consumer.caughtUp(server));
    expect(consumer.of('gridBook').length).toBeGreaterThan(0);
    server.dropNext(1);
    server.pushNow(5);
    await eventually(() => consumer.snapshots() === 2 && consumer.caughtUp(server));
    expect(consumer.statuses('resubscribed')).toHaveLength(1);
    // Past the watchdog's deadline: the snapshot that answered the resync has disarmed it.
    await new Promise((resolve) => setTimeout(resolve, resyncTimeoutMs + 1_000));
    expect(consumer.statuses('disconnected')).toEqual([]);
    expect(feed.stats().disconnects).toBe(0);
  });

  it.each([
    ['two lost deltas', (s: BybitTestServer) => s.dropNext(2)],
    ['two swapped deltas', (s: BybitTestServer) => s.reorderNext()],
  ])('recovers from %s: the book sees a gap, resync resubscribes, a fresh snapshot restores it', async (_name, fault) => {
    const { server, consumer } = await consume();
    server.pushNow(10);
    await eventually(() => consumer.caughtUp(server));
    fault(server);
    server.pushNow(5);
    await eventually(() => consumer.snapshots() === 2 && consumer.caughtUp(server));
    expect(consumer.bookErrors.map((e) => e.kind)).toContain('SequenceGap');
    expect(consumer.statuses('resubscribed').map((e) => e.detail)).toEqual(['orderbook.50.BTCUSDT: SequenceGap']);
    expect(server.requests.slice(-2).map((r) => [r.op, r.args])).toEqual([['unsubscribe', ['orderbook.50.BTCUSDT']], ['subscribe', ['orderbook.50.BTCUSDT']]]);
    server.pushNow(20);
    await eventually(() => consumer.caughtUp(server));
    expectSameBook(consumer.book, server.book());
  });

  it('follows a service restart: the snapshot with u = 1 replaces the book without a resync', async () => {
    const { server, consumer } = await consume();
    server.pushNow(10);
    server.restart();
    server.pushNow(10);
    await eventually(() => consumer.caughtUp(server));
    expect(server.book().u).toBe(11);
    expect(consumer.of('book').filter((e) => e.frame.type === 'snapshot').map((e) => e.frame.u).at(-1)).toBe(1);
    expect(consumer.bookErrors).toEqual([]);
    expect(consumer.statuses('resubscribed')).toEqual([]);
    expectSameBook(consumer.book, server.book());
  });

  it('reconnects when no snapshot follows a resync in time, and the new subscription restores the book', async () => {
    const { server, consumer, feed } = await consume({ resyncTimeoutMs: 100 });
    server.withholdSnapshots(1);
    server.dropNext(1);
    const askedAt = performance.now();
    server.pushNow(3);
    await eventually(() => consumer.statuses('disconnected').length === 1);
    expect(performance.now() - askedAt).toBeGreaterThanOrEqual(100);
    expect(consumer.statuses('disconnected')[0].detail).toMatch(/^no snapshot within 100 ms of a resync \(SequenceGap\); reconnecting in \d+ ms$/);
    await eventually(() => consumer.statuses('subscribed').length === 2 && consumer.caughtUp(server));
    expectSameBook(consumer.book, server.book());
    expect(feed.stats().disconnects).toBe(1);
  });

  it('reconnects after the server cuts the socket, resubscribes every topic and rebuilds the book', async () => {
    const { server, consumer } = await consume();
    server.pushNow(5);
    server.closeSocket();
    await eventually(() => consumer.statuses('disconnected').length === 1);
    expect(consumer.statuses('disconnected')[0].detail).toMatch(/^socket closed \(code 1006\); reconnecting in \d+ ms$/);
    server.pushNow(5);
    await eventually(() => consumer.statuses('subscribed').length === 2 && consumer.caughtUp(server));
    expect(server.requests.filter((r) => r.connection === 2 && r.op === 'subscribe').map((r) => r.args)).toEqual([
      ['orderbook.50.BTCUSDT'],
      ['publicTrade.BTCUSDT'],
    ]);
    expectSameBook(consumer.book, server.book());
  });

  it('sends heartbeats through a stall and recovers the book once frames flow again', async () => {
    const { server, consumer } = await consume({ heartbeatMs: 50 });
    server.stall(400);
    server.pushNow(5);
    await eventually(() => consumer.of('heartbeat').length >= 4);
    const beats = consumer.of('heartbeat').map((h) => h.recvTime);
    for (let k = 1; k < beats.length; k++) expect(beats[k] - beats[k - 1]).toBeGreaterThanOrEqual(49_000);
    await eventually(() => !server.stalling);
    server.pushNow(1);
    await eventually(() => consumer.snapshots() === 2 && consumer.caughtUp(server));
    expect(consumer.bookErrors.map((e) => e.kind)).toEqual(['SequenceGap']);
  });

  it('counts and logs frames it cannot queue for a consumer that stopped pulling', async () => {
    const logger = new RecordingLogger();
    const { server, feed } = await start({ maxQueued: 10, logger });
    const events = feed.events()[Symbol.asyncIterator]();
    const first = await events.next();
    expect(first.value).toMatchObject({ kind: 'status', status: 'connected' });
    await eventually(() => feed.stats().received >= 3);
    server.pushNow(40);
    await eventually(() => feed.stats().received === server.sentTo(1).length);
    const stats = feed.stats();
    expect(stats.queued).toBe(10);
    expect(stats.highWater).toBe(10);
    expect(stats.dropped).toBeGreaterThan(0);
    expect(logger.lines.filter((l) => l.message.includes('frames dropped'))).toHaveLength(1);
    // Every received frame was either delivered or counted as dropped.
    let delivered = 0;
    for (let k = 0; k < stats.queued; k++) {
      const next = await events.next();
      if (next.value?.kind !== 'status') delivered++;
    }
    expect(delivered + stats.dropped).toBe(stats.received);
    await events.return?.(undefined);
  });

  it('rejects the iteration, naming the address, when the first connection fails', async () => {
    const server = await BybitTestServer.start();
    const url = server.url;
    await server.close();
    const feed = unwrap(BybitLiveFeed.create({ url, symbol: 'BTCUSDT', depth: 50, clock: new SystemClock(), logger: silentLogger }));
    const consumer = new Consumer(feed, 50);
    await expect(consumer.done).rejects.toThrow(`cannot connect to bybit:${url} orderbook.50.BTCUSDT: connection failed`);
  });

  it('ends the iteration on close', async () => {
    const { server, consumer, feed } = await consume();
    server.setPace(5);
    await eventually(() => consumer.of('book').length > 20);
    await feed.close();
    await consumer.done;
    const seen = consumer.events.length;
    await eventually(() => server.openConnections === 0);
    server.pushNow(10);
    expect(consumer.events.length).toBe(seen);
  });

  it('leaves no timer behind once closed, even with a resync pending: a process running it exits by itself', async () => {
    const run = await runInProcess(`
      const feed = unwrap(BybitLiveFeed.create({ url: server.url, symbol: 'BTCUSDT', depth: 50, clock: new SystemClock(),
        logger: silentLogger, pingIntervalMs: 40, heartbeatMs: 15, resyncTimeoutMs: 60000 }));
      const events = [];
      const done = (async () => { for await (const e of feed.events()) events.push(e); })();
      server.setPace(5);
      await eventually(() => events.filter((e) => e.kind === 'book').length > 10);
      server.setPace(null);
      server.withholdSnapshots(1);
      feed.resync('test');
      await eventually(() => server.requestsOf('ping').length >= 3 && events.some((e) => e.kind === 'heartbeat'));
      await feed.close();
      await done;
      await server.close();
    `);
    expect(run.out).toContain('closed');
    expect(run.code).toBe(0);
    expect(run.lingerMs).toBeLessThan(1000);
  });

  it('checks its options', () => {
    const base = { url: 'ws://127.0.0.1:1', symbol: 'BTCUSDT', depth: 50, clock: new SystemClock(), logger: silentLogger };
    const field = (o: Partial<BybitLiveFeedOptions>) => {
      const r = BybitLiveFeed.create({ ...base, ...o });
      return r.ok ? null : r.error.field;
    };
    expect(field({})).toBeNull();
    for (const depth of [1, 50, 200, 1000]) expect(field({ depth })).toBeNull();
    expect(field({ depth: 25 })).toBe('depth');
    expect(field({ depth: 500 })).toBe('depth');
    expect(field({ url: 'https://stream.bybit.com' })).toBe('url');
    expect(field({ symbol: 'btc usdt' })).toBe('symbol');
    expect(field({ pongTimeoutMs: 0 })).toBe('pongTimeoutMs');
    expect(field({ backoff: { initialMs: 100, maxMs: 50 } })).toBe('backoff.maxMs');
  });

  describe.skipIf(!existsSync(shared))('replaying a real Bybit linear capture', () => {
    it('rebuilds the book frame by frame and delivers every trade', async () => {
      const lines = readFileSync(shared, 'utf8').split('\n').filter((l) => l.length > 0);
      const server = await BybitTestServer.fromFrames(lines);
      const { consumer } = await consume({ depth: 200 }, server);
      while (server.pushNow(25)) continue;
      await eventually(() => consumer.caughtUp(server));
      expectSameBook(consumer.book, server.book());
      expect(consumer.bookErrors).toEqual([]);
      const afterSnapshot = lines.slice(lines.findIndex((l) => l.includes('"type":"snapshot"') && l.includes('"topic":"orderbook.')));
      const tradesInFile = afterSnapshot.filter((l) => l.includes('"topic":"publicTrade.BTCUSDT"')).reduce((n, l) => n + (JSON.parse(l) as { data: unknown[] }).data.length, 0);
      await eventually(() => consumer.of('trades').reduce((n, e) => n + e.trades.length, 0) === tradesInFile);
      expect(consumer.of('ticker')).toEqual([]);
    });
  });
});
