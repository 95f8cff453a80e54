import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBybitFrame } from '../../adapters/bybit/parse.ts';
import type { BookFrame, MarketEvent, RawTrade, Ticker } from '../../domain/market/market-event.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { tradeFromRaw } from '../../domain/market/trade.ts';
import { unwrap } from '../../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument, priceToTicks, type Instrument } from '../../domain/values/instrument.ts';
import { micros } from '../../domain/values/units.ts';

/** Real Bybit captures live beside the repository, in ../shared; a fresh clone does not have them. */
const dataDir = fileURLToPath(new URL('../../../shared/data/bybit/', import.meta.url));
const present = existsSync(dataDir);
if (!present) console.warn(`shared-capture tests skipped: ${dataDir} is absent (the real Bybit captures live in ../shared)`);

const LINEAR = 'linear-BTCUSDT-orderbook200-trades-tickers.jsonl';
const SPOT = 'spot-BTCUSDT-orderbook200-trades-tickers.jsonl';
const XRP = '2024-12-01_XRPUSDT_ob500.data';

const linearBtc = unwrap(createInstrument(BTCUSDT_SPEC));
// Spot BTCUSDT quotes on a 0.01 grid (the capture's prices have at most one decimal) and sizes to 1e-6.
const spotBtc = unwrap(createInstrument({ symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.000001', minQty: '0.000001' }));
// Linear XRPUSDT: prices to 1e-4, whole-coin sizes, as every level of the dump shows.
const linearXrp = unwrap(createInstrument({ symbol: 'XRPUSDT', tickSize: '0.0001', lotSize: '1', minQty: '1' }));

/** The book after each order-book frame: seq and the best prices, in frame order. */
interface BookHistory {
  readonly seq: number[];
  readonly bid: Array<number | null>;
  readonly ask: Array<number | null>;
}

interface Replay {
  readonly counts: Record<MarketEvent['kind'], number>;
  readonly malformedReasons: Set<string>;
  readonly ignoredTopics: Set<string>;
  readonly history: BookHistory;
  readonly tickers: Ticker[];
  /** Each trade with the best bid and ask of the book just before its frame arrived. */
  readonly trades: Array<{ trade: RawTrade; bid: number | null; ask: number | null }>;
  readonly bookErrors: string[];
  readonly levelCounts: Set<string>;
  readonly trimmed: number;
}

/**
 * Parses every line and applies every book frame, checking `u` is consecutive. The captures have no
 * local receive time, so it is the line number.
 */
function replay(file: string, instrument: Instrument, depth?: number): Replay {
  const lines = readFileSync(dataDir + file, 'utf8').split('\n').filter((line) => line.length > 0);
  const book = new OrderBook(instrument, { depth });
  const r: Replay = {
    counts: { book: 0, gridBook: 0, trades: 0, gridTrades: 0, ticker: 0, control: 0, ignored: 0, malformed: 0, status: 0, heartbeat: 0 },
    malformedReasons: new Set(),
    ignoredTopics: new Set(),
    history: { seq: [], bid: [], ask: [] },
    tickers: [],
    trades: [],
    bookErrors: [],
    levelCounts: new Set(),
    trimmed: 0,
  };
  let trimmed = 0;
  let previous: BookFrame | null = null;
  lines.forEach((line, n) => {
    const event = parseBybitFrame(line, micros(n));
    r.counts[event.kind]++;
    switch (event.kind) {
      case 'book': {
        const result = book.apply(event.frame);
        if (!result.ok) r.bookErrors.push(JSON.stringify(result.error));
        else trimmed += result.value.trimmed;
        if (event.frame.type === 'delta' && previous !== null && event.frame.u !== previous.u + 1) {
          r.bookErrors.push(`u ${event.frame.u} after ${previous.u}`);
        }
        previous = event.frame;
        r.history.seq.push(event.frame.seq);
        r.history.bid.push(book.bestBid());
        r.history.ask.push(book.bestAsk());
        r.levelCounts.add(`${book.levelCount('bid')}/${book.levelCount('ask')}`);
        break;
      }
      case 'trades':
        for (const trade of event.trades) r.trades.push({ trade, bid: book.bestBid(), ask: book.bestAsk() });
        break;
      case 'ticker':
        r.tickers.push(event.ticker);
        break;
      case 'malformed':
        r.malformedReasons.add(event.reason);
        break;
      case 'control':
        break;
      case 'ignored':
        r.ignoredTopics.add(event.topic);
        break;
      case 'status':
      case 'heartbeat':
      case 'gridBook':
      case 'gridTrades':
        // parseBybitFrame never yields grid events; only the scanning decoder does.
        break;
    }
  });
  return { ...r, trimmed };
}

/** Index of the last book frame whose seq is <= cs (the seqs rise), or -1. */
function lastAtOrBefore(seqs: readonly number[], cs: number): number {
  let lo = 0;
  let hi = seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (seqs[mid] <= cs) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Counts trades printing at or through the touch: a taker Buy at >= best ask, a Sell at <= best bid. */
function tradesThroughTouch(instrument: Instrument, trades: Replay['trades']): { checked: number; failures: string[] } {
  const failures: string[] = [];
  for (const { trade, bid, ask } of trades) {
    const price = unwrap(tradeFromRaw(instrument, trade)).price;
    const holds = trade.takerSide === 'Buy' ? ask !== null && price >= ask : bid !== null && price <= bid;
    if (!holds) failures.push(`${trade.tradeId} ${trade.takerSide} at ${trade.price}, book ${bid}/${ask}`);
  }
  return { checked: trades.length, failures };
}

describe.skipIf(!present)('the real Bybit linear BTCUSDT capture', () => {
  const run = present ? replay(LINEAR, linearBtc) : null;

  it('parses every frame; the kline topic, which the system does not read, is ignored and nothing is malformed', () => {
    const r = run!;
    expect(r.counts).toEqual({ book: 414, gridBook: 0, trades: 16, gridTrades: 0, ticker: 185, control: 0, ignored: 22, malformed: 0, status: 0, heartbeat: 0 });
    expect([...r.ignoredTopics]).toEqual(['kline.1.BTCUSDT']);
  });

  it('(c) applies every book frame without error, u consecutive, seq rising, 200 levels a side', () => {
    const r = run!;
    expect(r.bookErrors).toEqual([]);
    expect(r.history.seq.every((s, i) => i === 0 || s > r.history.seq[i - 1])).toBe(true);
    expect([...r.levelCounts]).toEqual(['200/200']);
  });

  it('(a) the book as of the ticker cross sequence has exactly the ticker best bid and ask: 132 checks', () => {
    const r = run!;
    let checked = 0;
    let beforeFirstBook = 0;
    const failures: string[] = [];
    for (const ticker of r.tickers) {
      if (ticker.bid1Price === null && ticker.ask1Price === null) continue;
      const at = lastAtOrBefore(r.history.seq, ticker.cs);
      if (at < 0) {
        beforeFirstBook++;
        continue;
      }
      checked++;
      const bid = ticker.bid1Price === null ? null : unwrap(priceToTicks(linearBtc, ticker.bid1Price));
      const ask = ticker.ask1Price === null ? null : unwrap(priceToTicks(linearBtc, ticker.ask1Price));
      if ((bid !== null && bid !== r.history.bid[at]) || (ask !== null && ask !== r.history.ask[at])) {
        failures.push(`cs ${ticker.cs}: ticker ${ticker.bid1Price}/${ticker.ask1Price}, book ${r.history.bid[at]}/${r.history.ask[at]}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(132);
    // Two tickers carrying a best price refer to a cross sequence older than the book's snapshot.
    expect(beforeFirstBook).toBe(2);
  });

  it('(b) every public trade prints at or through the touch of the book before it: 56 trades', () => {
    const result = tradesThroughTouch(linearBtc, run!.trades);
    expect(result.failures).toEqual([]);
    expect(result.checked).toBe(56);
  });
});

describe.skipIf(!present)('the real Bybit spot BTCUSDT capture', () => {
  const run = present ? replay(SPOT, spotBtc) : null;

  it('(c) applies every book frame without error, u consecutive, 200 levels a side', () => {
    const r = run!;
    expect(r.counts.book).toBe(300);
    expect(r.bookErrors).toEqual([]);
    expect([...r.levelCounts]).toEqual(['200/200']);
  });

  it('every public trade prints at or through the touch of the book before it: 11 trades', () => {
    const result = tradesThroughTouch(spotBtc, run!.trades);
    expect(result.failures).toEqual([]);
    expect(result.checked).toBe(11);
  });
});

describe.skipIf(!present)('the Bybit historical XRPUSDT ob500 dump', () => {
  it('(c) applies every frame through a 500-level window without error, staying at exactly 500 a side', () => {
    const r = replay(XRP, linearXrp, 500);
    expect(r.counts).toEqual({ book: 50, gridBook: 0, trades: 0, gridTrades: 0, ticker: 0, control: 0, ignored: 0, malformed: 0, status: 0, heartbeat: 0 });
    expect(r.bookErrors).toEqual([]);
    expect([...r.levelCounts]).toEqual(['500/500']);
    // Bybit sent a delete for every level that left the window: the window never had to drop one.
    expect(r.trimmed).toBe(0);
  });
});
