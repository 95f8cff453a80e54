import { describe, expect, it } from 'vitest';
import { BinanceLineDecoder } from '../../adapters/binance/line-decoder.ts';
import { parseBinanceLine } from '../../adapters/binance/parse.ts';
import { MarketData, bybitSyncConfig } from '../../application/market-data.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import type { Micros } from '../../domain/values/units.ts';
import { btc } from '../support/builders.ts';
import { RecordingLogger } from '../support/fakes.ts';

/*
 * Binance's documented local order book procedure on hand-written frames: buffer diffs, take the REST
 * snapshot, drop what it already holds, bridge it with the first diff, chain every next diff by `pu`
 * (spot: `U` = previous `u` + 1), and treat a break as a gap that needs a new snapshot.
 */

const T0 = 1_721_347_020_000;

/** A USD-M combined-stream diff line; levels as [price, size] text. */
function usdm(U: number, u: number, pu: number, bids: string[][] = [], asks: string[][] = [], ms = T0 + u): string {
  return JSON.stringify({ stream: 'btcusdt@depth@0ms', data: { e: 'depthUpdate', E: ms, T: ms - 1, s: 'BTCUSDT', U, u, pu, b: bids, a: asks } });
}

function spot(U: number, u: number, bids: string[][] = [], asks: string[][] = [], ms = T0 + u): string {
  return JSON.stringify({ stream: 'btcusdt@depth@100ms', data: { e: 'depthUpdate', E: ms, s: 'BTCUSDT', U, u, b: bids, a: asks } });
}

function snapshot(lastUpdateId: number, bids: string[][], asks: string[][]): string {
  return JSON.stringify({ lastUpdateId, E: T0 + lastUpdateId, T: T0 + lastUpdateId, bids, asks });
}

/** Decodes the lines in order (receive time: the line's index in ms) and runs them through MarketData. */
function run(market: 'usdm' | 'spot', lines: readonly string[]) {
  const decoder = new BinanceLineDecoder(market, 'BTCUSDT');
  const resyncs: string[] = [];
  const data = new MarketData({ instrument: btc, bookDepth: null, sync: bybitSyncConfig(null, 1_000_000) }, { resync: (reason) => resyncs.push(reason) }, new RecordingLogger());
  const events: MarketEvent[] = [];
  const states: string[] = [];
  lines.forEach((line, i) => {
    const out: MarketEvent[] = [];
    decoder.decode(line, ((T0 + i) * 1000) as Micros, out);
    for (const event of out) {
      events.push(event);
      data.process(event);
    }
    states.push(data.state);
  });
  const books = events.flatMap((e) => (e.kind === 'book' ? [e.frame] : []));
  return { data, decoder, resyncs, events, states, books };
}

const BOOK = snapshot(100, [['64000.00', '1.000'], ['63999.90', '2.000']], [['64000.10', '1.500'], ['64000.20', '3.000']]);

describe('the Binance USD-M depth sync', () => {
  it('buffers diffs before the snapshot, drops those it holds, bridges with U <= lastUpdateId <= u and chains by pu', () => {
    const r = run('usdm', [
      usdm(80, 90, 79, [['64000.00', '9.000']]), // u < 100: dropped at the snapshot
      usdm(95, 104, 90, [['64000.00', '0.500']]), // bridges: 95 <= 100 <= 104
      BOOK,
      usdm(107, 110, 104, [], [['64000.10', '0.000']]),
      usdm(111, 111, 110, [['64000.10', '0.200']]), // a bid at the old ask: the ask level went in the diff before
    ]);
    expect(r.books.map((f) => [f.type, f.u, f.prevU])).toEqual([['snapshot', 100, undefined], ['delta', 104, 100], ['delta', 110, 104], ['delta', 111, 110]]);
    expect(r.states).toEqual(['SYNCING', 'SYNCING', 'LIVE', 'LIVE', 'LIVE']);
    expect(r.data.book.bestBid()).toBe(640_001);
    expect(r.data.book.bestBidQty()).toBe(200);
    expect(r.data.book.bestAsk()).toBe(640_002);
    expect(r.decoder.sync.counters).toEqual({ diffs: 4, snapshots: 1, applied: 3, dropped: 1, breaks: 0 });
    expect(r.data.counters).toMatchObject({ gaps: 0, resyncs: 0, bookUpdates: 4 });
  });

  it('stamps a buffered diff with the snapshot receive time: the book holds it only from then on', () => {
    const r = run('usdm', [usdm(95, 104, 90), BOOK]);
    expect(r.books.map((f) => f.recvTime)).toEqual([(T0 + 1) * 1000, (T0 + 1) * 1000]);
  });

  it('takes a diff whose pu is lastUpdateId: it starts right after the snapshot', () => {
    const r = run('usdm', [BOOK, usdm(105, 108, 100, [['64000.00', '4.000']])]);
    expect(r.states).toEqual(['LIVE', 'LIVE']);
    expect(r.data.book.bestBidQty()).toBe(4000);
  });

  it('a pu break is a gap: the book leaves LIVE for RESYNCING once, asks one resync, and later diffs wait for a snapshot', () => {
    const r = run('usdm', [
      BOOK,
      usdm(101, 104, 100),
      usdm(109, 112, 106), // pu 106, not 104: something was lost
      usdm(113, 115, 112),
      usdm(116, 118, 115),
    ]);
    expect(r.states).toEqual(['LIVE', 'LIVE', 'RESYNCING', 'RESYNCING', 'RESYNCING']);
    expect(r.data.counters).toMatchObject({ gaps: 1, resyncs: 1 });
    expect(r.resyncs).toHaveLength(1);
    expect(r.decoder.sync.counters).toMatchObject({ breaks: 1, applied: 1 });
    // The break reaches the book as the one diff that breaks the chain; the next ones are buffered.
    expect(r.books.map((f) => f.u)).toEqual([100, 104, 112]);
  });

  it('recovers at the next REST snapshot with the diffs buffered since the break', () => {
    const r = run('usdm', [
      BOOK,
      usdm(101, 104, 100),
      usdm(109, 112, 106),
      usdm(113, 120, 112, [['64000.00', '7.000']]),
      snapshot(118, [['64000.00', '5.000']], [['64000.30', '1.000']]),
      usdm(121, 125, 120, [], [['64000.30', '2.000']]),
    ]);
    expect(r.states).toEqual(['LIVE', 'LIVE', 'RESYNCING', 'RESYNCING', 'LIVE', 'LIVE']);
    // At the new snapshot (118): 104 and 112 are dropped (u < 118), 113..120 bridges it.
    expect(r.data.book.bestBidQty()).toBe(7000);
    expect(r.data.book.bestAskQty()).toBe(2000);
    expect(r.data.counters).toMatchObject({ gaps: 1, resyncs: 1 });
  });

  it('a snapshot while in sync restarts the procedure with the diffs kept: the book stays whole', () => {
    const r = run('usdm', [
      BOOK,
      usdm(101, 104, 100, [['64000.00', '2.500']]),
      snapshot(103, [['64000.00', '2.400']], [['64000.10', '1.500']]),
      usdm(105, 107, 104, [], [['64000.10', '0.700']]),
    ]);
    expect(r.states).toEqual(['LIVE', 'LIVE', 'LIVE', 'LIVE']);
    // The kept diff 101..104 bridges the new snapshot (101 <= 103 <= 104) and is applied on it again.
    expect(r.data.book.bestBidQty()).toBe(2500);
    expect(r.data.book.bestAskQty()).toBe(700);
    expect(r.data.counters.gaps).toBe(0);
  });

  it('a first diff that does not bridge the snapshot (U > lastUpdateId) is a gap', () => {
    const r = run('usdm', [BOOK, usdm(103, 106, 102)]);
    expect(r.states).toEqual(['LIVE', 'RESYNCING']);
    expect(r.data.counters.gaps).toBe(1);
    expect(r.decoder.sync.counters.breaks).toBe(1);
  });

  it('drops a repeated diff (u at or below the book) without calling it a gap', () => {
    const r = run('usdm', [BOOK, usdm(101, 104, 100), usdm(101, 104, 100), usdm(105, 106, 104)]);
    expect(r.states.at(-1)).toBe('LIVE');
    expect(r.data.counters.gaps).toBe(0);
    expect(r.decoder.sync.counters.dropped).toBe(1);
  });

  it('a USD-M diff without pu is malformed, counted and skipped', () => {
    const line = JSON.stringify({ stream: 'btcusdt@depth@0ms', data: { e: 'depthUpdate', E: T0, s: 'BTCUSDT', U: 101, u: 104, b: [], a: [] } });
    const r = run('usdm', [BOOK, line]);
    expect(r.data.counters.malformed).toBe(1);
    expect(r.states.at(-1)).toBe('LIVE');
  });
});

describe('the Binance spot depth sync', () => {
  const SPOT_BOOK = snapshot(100, [['64000.00000000', '1.00000000']], [['64000.10000000', '1.00000000']]);

  it('drops u <= lastUpdateId, bridges with U <= lastUpdateId + 1 <= u, chains by U = previous u + 1', () => {
    const r = run('spot', [spot(90, 100), spot(98, 103, [['64000.00000000', '3.00000000']]), SPOT_BOOK, spot(104, 106), spot(107, 107)]);
    expect(r.states).toEqual(['SYNCING', 'SYNCING', 'LIVE', 'LIVE', 'LIVE']);
    expect(r.books.map((f) => [f.u, f.prevU])).toEqual([[100, undefined], [103, 100], [106, 103], [107, 106]]);
    expect(r.data.book.bestBidQty()).toBe(3000);
    expect(r.decoder.sync.counters.dropped).toBe(1);
  });

  it('a U that skips an id is a gap', () => {
    const r = run('spot', [SPOT_BOOK, spot(101, 103), spot(105, 106)]);
    expect(r.states).toEqual(['LIVE', 'LIVE', 'RESYNCING']);
    expect(r.data.counters.gaps).toBe(1);
  });
});

describe('parseBinanceLine', () => {
  it('reads a USD-M trade: m true is a taker sell; a trade that is not MARKET is ignored', () => {
    const trade = parseBinanceLine(JSON.stringify({ stream: 'btcusdt@trade', data: { e: 'trade', E: T0, T: T0, s: 'BTCUSDT', t: 5, p: '63943.90', q: '0.003', X: 'MARKET', m: true } }), 7 as Micros);
    expect(trade).toEqual({ kind: 'event', event: { kind: 'trades', trades: [{ tradeId: '5', symbol: 'BTCUSDT', price: '63943.90', size: '0.003', takerSide: 'Sell', ts: T0 * 1000, recvTime: 7, blockTrade: false }] } });
    const adl = parseBinanceLine(JSON.stringify({ stream: 'btcusdt@trade', data: { e: 'trade', E: T0, T: T0, s: 'BTCUSDT', t: 6, p: '1.0', q: '1', X: 'ADL', m: false } }), 7 as Micros);
    expect(adl).toMatchObject({ kind: 'event', event: { kind: 'ignored' } });
  });

  it('reads book tickers of both markets as tickers carrying the update id', () => {
    const usdmTicker = parseBinanceLine('{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":42,"s":"BTCUSDT","b":"63943.90","B":"46.371","a":"63944.00","A":"0.095","T":1721347022507,"E":1721347022507}}', 9 as Micros);
    expect(usdmTicker).toMatchObject({ event: { kind: 'ticker', ticker: { bid1Price: '63943.90', ask1Price: '63944.00', cs: 42, ts: 1721347022507000 } } });
    const spotTicker = parseBinanceLine('{"stream":"btcusdt@bookTicker","data":{"u":43,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}', 9 as Micros);
    expect(spotTicker).toMatchObject({ event: { kind: 'ticker', ticker: { cs: 43, ts: 9 } } });
  });

  it('names what is wrong with a malformed frame', () => {
    expect(parseBinanceLine('{"stream":"btcusdt@depth","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":4,"b":[],"a":[]}}', 1 as Micros)).toMatchObject({
      event: { kind: 'malformed', reason: 'depthUpdate whose u 4 is below its U 5' },
    });
    expect(parseBinanceLine('{"lastUpdateId":1,"bids":[["1"]],"asks":[]}', 1 as Micros)).toMatchObject({ event: { kind: 'malformed', reason: 'depth snapshot whose bids[0] is not a [price, size] pair' } });
    expect(parseBinanceLine('nope', 1 as Micros)).toMatchObject({ event: { kind: 'malformed', reason: 'not JSON' } });
    expect(parseBinanceLine('{"result":null,"id":1}', 1 as Micros)).toMatchObject({ event: { kind: 'control', success: true } });
  });
});
