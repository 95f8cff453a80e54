import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAndApply } from '../../adapters/bybit/book-reader.ts';
import { scanBookBytes, scanBookFrame, ScannedBook } from '../../adapters/bybit/book-scanner.ts';
import { parseBybitFrame } from '../../adapters/bybit/parse.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { unwrap } from '../../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument, type Instrument, type InstrumentSpec } from '../../domain/values/instrument.ts';
import { micros } from '../../domain/values/units.ts';

const btc = unwrap(createInstrument(BTCUSDT_SPEC));
const RECV = micros(1_700_000_001_000_500);

/** A frame in the shape of Bybit's v5 linear stream, key order as Bybit sends it (values made up). */
const SNAPSHOT =
  '{"topic":"orderbook.200.BTCUSDT","type":"snapshot","ts":1700000001000,"data":{"s":"BTCUSDT",' +
  '"b":[["65000.10","1.500"],["65000.00","0.001"]],"a":[["65000.20","2.000"],["65000.30","0.010"]],"u":7,"seq":123456789012},"cts":1700000000998}';
const DELTA =
  '{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1700000001100,"data":{"s":"BTCUSDT",' +
  '"b":[["65000.10","0"],["64999.90","0.250"]],"a":[],"u":8,"seq":123456789020},"cts":1700000001099}';

function levels(buffer: { prices: Float64Array; sizes: Float64Array; count: number }): number[][] {
  return Array.from({ length: buffer.count }, (_, k) => [buffer.prices[k], buffer.sizes[k]]);
}

function scan(text: string, instrument: Instrument = btc): { outcome: string; out: ScannedBook } {
  const out = new ScannedBook(instrument);
  return { outcome: scanBookFrame(text, RECV, out), out };
}

/** The JSON path's verdict: the event kind, and for a book frame whether a fresh book then a snapshot accept it. */
function jsonVerdict(text: string, instrument: Instrument = btc): string {
  const event = parseBybitFrame(text, RECV);
  if (event.kind !== 'book') return event.kind;
  const book = new OrderBook(instrument);
  if (event.frame.type === 'delta') unwrap(book.apply(unwrap(bookFrameOf(SNAPSHOT))));
  const result = book.apply(event.frame);
  return result.ok ? 'applied' : result.error.kind;
}

function bookFrameOf(text: string) {
  const event = parseBybitFrame(text, RECV);
  return event.kind === 'book' ? { ok: true as const, value: event.frame } : { ok: false as const, error: event };
}

describe('scanBookFrame on well-formed order-book frames', () => {
  it('reads a snapshot into ticks, lots and microseconds', () => {
    const { outcome, out } = scan(SNAPSHOT);
    expect(outcome).toBe('book');
    expect([out.type, out.u, out.seq, out.ts, out.cts, out.recvTime]).toEqual(['snapshot', 7, 123456789012, 1700000001000000, 1700000000998000, RECV]);
    expect(levels(out.bids)).toEqual([[650001, 1500], [650000, 1]]);
    expect(levels(out.asks)).toEqual([[650002, 2000], [650003, 10]]);
  });

  it('reads a delta with deletes and an empty side, reusing the same scratch', () => {
    const out = new ScannedBook(btc);
    expect(scanBookFrame(SNAPSHOT, RECV, out)).toBe('book');
    expect(scanBookFrame(DELTA, RECV, out)).toBe('book');
    expect([out.type, out.u]).toEqual(['delta', 8]);
    expect(levels(out.bids)).toEqual([[650001, 0], [649999, 250]]);
    expect(levels(out.asks)).toEqual([]);
  });

  it('takes cts to be ts when a frame has none, as in older dumps', () => {
    const { outcome, out } = scan(SNAPSHOT.replace(',"cts":1700000000998', ''));
    expect(outcome).toBe('book');
    expect(out.cts).toBe(out.ts);
  });

  it('accepts any key order, JSON whitespace anywhere, a trailing CRLF and numbers with spare zeros', () => {
    const spot = '{"topic":"orderbook.200.BTCUSDT","ts":1700000001000,"type":"snapshot","data":{"s":"BTCUSDT","b":[["65000.1","1.5"]],"a":[["65000.20000","2"]],"u":7,"seq":1},"cts":1}\r\n';
    const shuffled = '{"data":{"seq":1,"u":7,"a":[["65000.2","2.000"]],"b":[["65000.100","1.500"]],"s":"BTCUSDT"},"cts":1,"ts":1700000001000,"type":"snapshot","topic":"orderbook.200.BTCUSDT"}';
    const pretty = JSON.stringify(JSON.parse(spot), null, '\t').replace(/\n/g, '\r\n');
    for (const text of [spot, shuffled, pretty]) {
      const { outcome, out } = scan(text);
      expect(outcome).toBe('book');
      expect([levels(out.bids), levels(out.asks), out.u]).toEqual([[[650001, 1500]], [[650002, 2000]], 7]);
    }
  });

  it('grows past its first buffers for a 1000-level snapshot of a 0.5-tick grid', () => {
    const half = unwrap(createInstrument({ symbol: 'ETHPERP', tickSize: '0.5', lotSize: '0.01', minQty: '0.01' }));
    const bids = Array.from({ length: 1000 }, (_, k) => [`${5000 - k / 2}`, '1.25']);
    const asks = Array.from({ length: 1000 }, (_, k) => [`${5001 + k / 2}`, '0.01']);
    const text = JSON.stringify({ topic: 'orderbook.1000.ETHPERP', type: 'snapshot', ts: 1, data: { s: 'ETHPERP', b: bids, a: asks, u: 1, seq: 1 } });
    const { outcome, out } = scan(text, half);
    expect(outcome).toBe('book');
    expect(out.bids.count).toBe(1000);
    expect([out.bids.prices[0], out.bids.prices[999], out.bids.sizes[999]]).toEqual([10_000, 10_000 - 999, 125]);
    expect([out.asks.prices[999], out.asks.sizes[0]]).toEqual([10_002 + 999, 1]);
  });

  it('reads UTF-8 bytes as the socket delivers them the same as text', () => {
    const out = new ScannedBook(btc);
    expect(scanBookBytes(Buffer.from(DELTA), RECV, out)).toBe('book');
    expect([out.u, levels(out.bids)]).toEqual([8, [[650001, 0], [649999, 250]]]);
  });
});

describe('scanBookFrame leaves to JSON.parse what it does not decide', () => {
  const cases: Array<[string, string]> = [
    ['another topic', '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT"},"cs":1,"ts":1}'],
    ['an op reply', '{"success":true,"ret_msg":"pong","conn_id":"x","op":"ping"}'],
    ['not an object', '[1,2]'],
    ['a byte-order mark', `\ufeff${SNAPSHOT}`],
    ['another symbol', SNAPSHOT.replace('"s":"BTCUSDT"', '"s":"ETHUSDT"')],
    ['an escaped symbol', SNAPSHOT.replace('"s":"BTCUSDT"', '"s":"BTC\\u0055SDT"')],
    ['an escaped digit', SNAPSHOT.replace('"65000.10"', '"6500\\u0030.10"')],
    ['an escaped digit after the point', SNAPSHOT.replace('"65000.10"', '"65000.\\u00310"')],
    ['an escape in the topic', SNAPSHOT.replace('orderbook.200', 'orderbook.\\u003200')],
    ['an unknown top-level key', SNAPSHOT.replace('"cts"', '"id":"x","cts"')],
    ['an unknown data key', SNAPSHOT.replace('"seq"', '"pu":6,"seq"')],
    ['a repeated key', SNAPSHOT.replace('"cts":', '"ts":1,"cts":')],
    ['a level with a third entry', SNAPSHOT.replace('["65000.00","0.001"]', '["65000.00","0.001","x"]')],
    ['an integer spelled as a fraction', SNAPSHOT.replace('"u":7', '"u":7.0')],
    ['an integer with an exponent', SNAPSHOT.replace('"u":7', '"u":7e0')],
    ['a negative integer', SNAPSHOT.replace('"u":7', '"u":-7')],
    ['a signed size', SNAPSHOT.replace('"0.001"', '"-0"')],
    ['a type before an unknown key', '{"type":"snapshot","x":1}'],
  ];
  it.each(cases)('%s', (_, text) => {
    const { outcome, out } = scan(text);
    expect(outcome).toBe('fallback');
    expect(out.reason).not.toBe('');
  });
});

describe('scanBookFrame refuses malformed order-book frames, as the JSON path does', () => {
  const half = unwrap(createInstrument({ symbol: 'BTCUSDT', tickSize: '0.5', lotSize: '0.001', minQty: '0.001' }));
  const cases: Array<[string, string, Instrument?]> = [
    ['a truncated frame', SNAPSHOT.slice(0, 120)],
    ['a frame cut inside a number', SNAPSHOT.slice(0, SNAPSHOT.indexOf('65000.10') + 4)],
    ['a price finer than the tick', SNAPSHOT.replace('"65000.10"', '"65000.15"')],
    ['a price off a 0.5 grid', SNAPSHOT.replace('"65000.10"', '"65000.3"'), half],
    ['a size finer than the lot', SNAPSHOT.replace('"1.500"', '"1.5001"')],
    ['a point without digits after it', SNAPSHOT.replace('"65000.10"', '"65000."')],
    ['a point without digits before it', SNAPSHOT.replace('"0.001"', '".001"')],
    ['a price that is not a number', SNAPSHOT.replace('"65000.10"', '"abc"')],
    ['an empty size', SNAPSHOT.replace('"0.001"', '""')],
    ['a zero price', SNAPSHOT.replace('"65000.10"', '"0.00"')],
    ['a number as a price', SNAPSHOT.replace('"65000.10"', '65000.1')],
    ['a price too large to hold exactly', SNAPSHOT.replace('"65000.10"', '"9007199254740993"')],
    ['a level with one entry', SNAPSHOT.replace('["65000.00","0.001"]', '["65000.00"]')],
    ['levels that are an object', SNAPSHOT.replace('"a":[["65000.20","2.000"],["65000.30","0.010"]]', '"a":{}')],
    ['a missing u', SNAPSHOT.replace('"u":7,', '')],
    ['a missing data', '{"topic":"orderbook.200.BTCUSDT","type":"snapshot","ts":1}'],
    ['an unknown type', SNAPSHOT.replace('"snapshot"', '"Snapshot"')],
    ['a ts that is a string', SNAPSHOT.replace('"ts":1700000001000', '"ts":"1700000001000"')],
    ['a null cts', SNAPSHOT.replace('"cts":1700000000998', '"cts":null')],
    ['a u with a leading zero', SNAPSHOT.replace('"u":7', '"u":07')],
    ['a seq too large to hold exactly', SNAPSHOT.replace('"seq":123456789012', '"seq":9007199254740993')],
    ['text after the frame', `${SNAPSHOT} x`],
    ['a raw control character in the topic', SNAPSHOT.replace('orderbook.200', 'orderbook.2\u000100')],
    ['a trailing comma', SNAPSHOT.replace(',"u":7', ',"u":7,')],
  ];
  it.each(cases)('%s', (_, text, instrument = btc) => {
    const { outcome, out } = scan(text, instrument);
    expect(outcome).toBe('malformed');
    expect(out.reason).not.toBe('');
    expect(['malformed', 'BadLevel']).toContain(jsonVerdict(text, instrument));
  });

  it('says where it stopped', () => {
    const text = SNAPSHOT.replace('"65000.10"', '"65000.15"');
    const { out } = scan(text);
    expect(out.reason).toBe('a price or size finer than the grid');
    expect(text.slice(out.at)).toMatch(/^5"/);
  });

  it('falls back on every symbol for an instrument whose symbol is not plain ASCII', () => {
    const odd = unwrap(createInstrument({ ...BTCUSDT_SPEC, symbol: 'BTC€' }));
    expect(scan(SNAPSHOT.replaceAll('BTCUSDT', 'BTC€'), odd).outcome).toBe('fallback');
  });
});

describe('parseAndApply', () => {
  it('applies order-book frames through the scanner, and reports what the book says', () => {
    const book = new OrderBook(btc);
    const scratch = new ScannedBook(btc);
    const first = parseAndApply(SNAPSHOT, RECV, book, scratch);
    expect(first).toMatchObject({ kind: 'book', via: 'scanner', result: { ok: true, value: { type: 'snapshot', u: 7, recvTime: RECV } } });
    expect(parseAndApply(DELTA, RECV, book, scratch)).toMatchObject({ kind: 'book', via: 'scanner', result: { ok: true } });
    expect([book.bestBid(), book.bestAsk(), book.bestBidQty(), book.levelCount('bid')]).toEqual([650000, 650002, 1, 2]);
    // The same delta again is a resend: refused as a duplicate, the book unchanged and still usable.
    const resent = parseAndApply(DELTA, RECV, book, scratch);
    expect(resent).toEqual({ kind: 'book', via: 'scanner', result: { ok: false, error: { kind: 'Duplicate', lastU: 8, got: 8 } } });
    expect([book.usable, book.bestBid(), book.bestBidQty(), book.levelCount('bid')]).toEqual([true, 650000, 1, 2]);
    const gap = parseAndApply(DELTA.replace('"u":8', '"u":10'), RECV, book, scratch);
    expect(gap).toEqual({ kind: 'book', via: 'scanner', result: { ok: false, error: { kind: 'SequenceGap', expected: 9, got: 10 } } });
    expect(book.usable).toBe(false);
  });

  it('sends what the scanner does not take through the JSON path, so errors read the same', () => {
    const book = new OrderBook(btc);
    const scratch = new ScannedBook(btc);
    unwrap(book.apply(unwrap(bookFrameOf(SNAPSHOT))));
    const other = parseAndApply(SNAPSHOT.replace('"s":"BTCUSDT"', '"s":"ETHUSDT"'), RECV, book, scratch);
    expect(other).toEqual({ kind: 'book', via: 'json', result: { ok: false, error: { kind: 'SymbolMismatch', expected: 'BTCUSDT', got: 'ETHUSDT' } } });
    const bad = parseAndApply(DELTA.replace('"64999.90"', '"64999.95"'), RECV, book, scratch);
    expect(bad).toMatchObject({ kind: 'book', via: 'json', result: { ok: false, error: { kind: 'BadLevel', side: 'bid', price: '64999.95', field: 'price' } } });
    const truncated = parseAndApply(DELTA.slice(0, 60), RECV, book, scratch);
    expect(truncated).toEqual({ kind: 'event', event: parseBybitFrame(DELTA.slice(0, 60), RECV) });
    const ticker = '{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"65000.10"},"cs":1,"ts":1}';
    expect(parseAndApply(ticker, RECV, book, scratch)).toEqual({ kind: 'event', event: parseBybitFrame(ticker, RECV) });
  });

  it('refuses a scratch made for another instrument', () => {
    const other = unwrap(createInstrument(BTCUSDT_SPEC));
    expect(() => parseAndApply(SNAPSHOT, RECV, new OrderBook(btc), new ScannedBook(other))).toThrow(/another instrument/);
  });
});

/** Real Bybit captures live beside the repository, in ../shared; a fresh clone does not have them. */
const dataDir = fileURLToPath(new URL('../../../shared/data/bybit/', import.meta.url));
const present = existsSync(dataDir);
if (!present) console.warn(`book-scanner capture tests skipped: ${dataDir} is absent (the real Bybit captures live in ../shared)`);

const CAPTURES: Array<[file: string, spec: InstrumentSpec, bookFrames: number]> = [
  ['linear-BTCUSDT-orderbook200-trades-tickers.jsonl', BTCUSDT_SPEC, 414],
  ['spot-BTCUSDT-orderbook200-trades-tickers.jsonl', { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.000001', minQty: '0.000001' }, 300],
  ['2024-12-01_XRPUSDT_ob500.data', { symbol: 'XRPUSDT', tickSize: '0.0001', lotSize: '1', minQty: '1' }, 50],
];

describe.skipIf(!present)('both paths over the real Bybit captures', () => {
  it.each(CAPTURES)('%s: every book frame is scanned and leaves the same book as the JSON path', (file, spec, bookFrames) => {
    const instrument = unwrap(createInstrument(spec));
    const scanned = new OrderBook(instrument, { depth: 500 });
    const parsed = new OrderBook(instrument, { depth: 500 });
    const scratch = new ScannedBook(instrument);
    // Lines split on \n only: the XRP dump's lines end in \r, which the scanner takes as whitespace.
    const lines = readFileSync(dataDir + file, 'utf8').split('\n').filter((line) => line.length > 0);
    let scannedFrames = 0;
    let compared = 0;
    lines.forEach((line, n) => {
      const read = parseAndApply(line, micros(n), scanned, scratch);
      const event = parseBybitFrame(line, micros(n));
      if (event.kind !== 'book') {
        expect(read).toEqual({ kind: 'event', event });
        return;
      }
      expect(read.kind === 'book' && read.via).toBe('scanner');
      if (read.kind === 'book') expect(read.result).toEqual(parsed.apply(event.frame));
      expect([scanned.topN('bid', 1000), scanned.topN('ask', 1000), scanned.lastU]).toEqual([parsed.topN('bid', 1000), parsed.topN('ask', 1000), parsed.lastU]);
      scannedFrames++;
      if (scanned.usable && scanned.levelCount('bid') > 0) compared++;
    });
    expect(scannedFrames).toBe(bookFrames);
    expect(compared).toBe(bookFrames);
  });
});
