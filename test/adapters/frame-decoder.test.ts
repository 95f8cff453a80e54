import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jsonDecoder, scanningDecoder } from '../../adapters/bybit/frame-decoder.ts';
import { BookSync } from '../../domain/market/book-sync.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { tradeFromRaw } from '../../domain/market/trade.ts';
import { unwrap } from '../../domain/result.ts';
import type { Micros } from '../../domain/values/units.ts';
import { btc } from '../support/builders.ts';

const capture = fileURLToPath(new URL('../../../shared/data/bybit/linear-BTCUSDT-orderbook200-trades-tickers.jsonl', import.meta.url));
const sample = fileURLToPath(new URL('../fixtures/btcusdt-sample.jsonl', import.meta.url));
if (!existsSync(capture)) console.warn(`the decoder test uses only the project's sample: ${capture} is absent`);

const linesOf = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => (/^\d+ /.test(l) ? l.slice(l.indexOf(' ') + 1) : l));

/** Applies events to a fresh book with its state machine; returns the book and its counters. */
function applyAll(events: readonly MarketEvent[]) {
  const sync = new BookSync(new OrderBook(btc), { pushIntervalMicros: 100_000, staleAfterIntervals: 10 });
  for (const e of events) if (e.kind === 'book' || e.kind === 'gridBook') sync.onBookFrame(e.frame);
  return { book: sync.book, counters: sync.counters, state: sync.state };
}

/** An event with its trades on the grid, as MarketData converts a `trades` event's (every trade valid here). */
function gridded(e: MarketEvent): unknown {
  if (e.kind !== 'trades') return e;
  return { kind: 'gridTrades', trades: e.trades.map((r) => unwrap(tradeFromRaw(btc, r))) };
}

describe('the scanning decoder', () => {
  for (const path of [sample, ...(existsSync(capture) ? [capture] : [])]) {
    it(`gives the book the JSON path gives, for events held all at once (${path.split('/').at(-1)})`, () => {
      const lines = linesOf(path);
      const decode = scanningDecoder(btc);
      // Every event is decoded before any is applied: an event sharing scratch with the next would show.
      const scanned = lines.map((l, i) => decode(l, i as Micros));
      const parsed = lines.map((l, i) => jsonDecoder(l, i as Micros));
      expect(scanned.filter((e) => e.kind === 'gridBook').length).toBe(parsed.filter((e) => e.kind === 'book').length);
      expect(scanned.filter((e) => e.kind !== 'gridBook')).toEqual(parsed.filter((e) => e.kind !== 'book'));
      const a = applyAll(scanned);
      const b = applyAll(parsed);
      expect(a.counters).toEqual(b.counters);
      expect(a.state).toBe('LIVE');
      for (const side of ['bid', 'ask'] as const) expect(a.book.topN(side, 1000)).toEqual(b.book.topN(side, 1000));
    });
  }

  for (const path of [sample, ...(existsSync(capture) ? [capture] : [])]) {
    it(`gives from a read chunk's bytes the events it gives from the text (${path.split('/').at(-1)})`, () => {
      const lines = linesOf(path);
      const decode = scanningDecoder(btc);
      const bytes = scanningDecoder(btc).bytes;
      if (bytes === undefined) throw new Error('the scanning decoder reads bytes');
      const chunk = Buffer.from(`${lines.join('\n')}\n`);
      let start = 0;
      lines.forEach((l, i) => {
        const end = start + Buffer.byteLength(l);
        // Trades come from bytes already on the grid: compared as MarketData converts the text's.
        expect(gridded(bytes(chunk, start, end, i as Micros))).toEqual(gridded(decode(l, i as Micros)));
        start = end + 1;
      });
    });
  }

  it('leaves frames of another symbol and malformed book frames to the JSON parser', () => {
    const decode = scanningDecoder(btc);
    const other = '{"topic":"orderbook.50.ETHUSDT","type":"snapshot","ts":1,"data":{"s":"ETHUSDT","b":[["1.00","1"]],"a":[],"u":1,"seq":1},"cts":1}';
    expect(decode(other, 0 as Micros)).toMatchObject({ kind: 'book', frame: { symbol: 'ETHUSDT' } });
    const truncated = '{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT","b":[["90000.0"';
    expect(decode(truncated, 0 as Micros)).toMatchObject({ kind: 'malformed', reason: 'not JSON' });
  });
});
