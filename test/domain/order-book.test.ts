import { describe, expect, it } from 'vitest';
import type { BookFrame, RawLevel } from '../../domain/market/market-event.ts';
import { OrderBook, type BookError } from '../../domain/market/order-book.ts';
import { unwrap, type Result } from '../../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument, priceToTicks, qtyToLots } from '../../domain/values/instrument.ts';
import { micros } from '../../domain/values/units.ts';

const btc = unwrap(createInstrument(BTCUSDT_SPEC));
const t = (price: string): number => unwrap(priceToTicks(btc, price));
const l = (size: string): number => unwrap(qtyToLots(btc, size));

function frame(type: BookFrame['type'], u: number, bids: RawLevel[], asks: RawLevel[], symbol = 'BTCUSDT'): BookFrame {
  return { type, symbol, u, seq: 1000 + u, ts: micros(u * 100_000), cts: micros(u * 100_000 - 7), recvTime: micros(u * 100_000 + 3), bids, asks };
}

const SNAPSHOT_BIDS: RawLevel[] = [['100.30', '1.000'], ['100.20', '2.000'], ['100.00', '3.000']];
const SNAPSHOT_ASKS: RawLevel[] = [['100.40', '0.500'], ['100.60', '1.500'], ['101.00', '2.500']];

function bookWithSnapshot(u = 10, depth?: number): OrderBook {
  const book = new OrderBook(btc, depth === undefined ? undefined : { depth });
  unwrap(book.apply(frame('snapshot', u, SNAPSHOT_BIDS, SNAPSHOT_ASKS)));
  return book;
}

/** The whole book as price/size text pairs, best first, for whole-state comparisons. */
function levels(book: OrderBook): { bids: Array<readonly [number, number]>; asks: Array<readonly [number, number]> } {
  return { bids: book.topN('bid', 10_000), asks: book.topN('ask', 10_000) };
}

function errorOf<T>(result: Result<T, BookError>): BookError {
  if (result.ok) throw new Error('expected an error');
  return result.error;
}

describe('OrderBook snapshot', () => {
  it('holds exactly the snapshot levels, best first, with its u, seq and ts', () => {
    const book = bookWithSnapshot(10);
    expect(book.usable).toBe(true);
    expect(book.hasSnapshot).toBe(true);
    expect(book.lastU).toBe(10);
    expect(book.lastSeq).toBe(1010);
    expect(book.lastTs).toBe(1_000_000);
    expect(levels(book)).toEqual({
      bids: SNAPSHOT_BIDS.map(([p, s]) => [t(p), l(s)]),
      asks: SNAPSHOT_ASKS.map(([p, s]) => [t(p), l(s)]),
    });
    expect(book.bestBid()).toBe(1003);
    expect(book.bestAsk()).toBe(1004);
    expect(book.bestBidQty()).toBe(1000);
    expect(book.bestAskQty()).toBe(500);
  });

  it('replaces the whole book, and accepts u = 1 (a restart of the venue service)', () => {
    const book = bookWithSnapshot(5000);
    const update = unwrap(book.apply(frame('snapshot', 1, [['99.00', '4.000']], [['99.10', '0.001']])));
    expect(update.u).toBe(1);
    expect(levels(book)).toEqual({ bids: [[990, 4000]], asks: [[991, 1]] });
    unwrap(book.apply(frame('delta', 2, [['98.90', '1.000']], [])));
    expect(book.levelCount('bid')).toBe(2);
    expect(book.usable).toBe(true);
  });

  it('builds the same book from levels in any order, skipping zero sizes', () => {
    const shuffled = bookWithSnapshot();
    unwrap(shuffled.apply(frame('snapshot', 3, [['100.00', '3.000'], ['100.30', '1.000'], ['99.00', '0'], ['100.20', '2.000']],
      [['101.00', '2.500'], ['100.40', '0.500'], ['100.60', '1.500']])));
    expect(levels(shuffled)).toEqual(levels(bookWithSnapshot()));
  });

  it('grows past its initial capacity for a 1000-level snapshot', () => {
    const bids: RawLevel[] = [];
    const asks: RawLevel[] = [];
    for (let i = 0; i < 1000; i++) {
      bids.push([`${5000 - i}.0`, '0.001']);
      asks.push([`${5001 + i}.0`, '0.002']);
    }
    const book = new OrderBook(btc);
    unwrap(book.apply(frame('snapshot', 1, bids, asks)));
    expect(book.levelCount('bid')).toBe(1000);
    expect(book.priceAt('bid', 999)).toBe(t('4001.0'));
    expect(book.priceAt('ask', 999)).toBe(t('6000.0'));
    expect(book.cumulativeDepth('ask', 1000)).toBe(2000);
  });
});

describe('OrderBook delta', () => {
  it('inserts, replaces and deletes with absolute sizes; deleting an absent level is fine', () => {
    const book = bookWithSnapshot(10);
    const update = unwrap(book.apply(frame('delta', 11,
      [['100.10', '7.000'], ['100.20', '0'], ['100.00', '0.001'], ['50.00', '0']],
      [['100.40', '0.000'], ['100.50', '9.999']])));
    expect(update).toEqual({ type: 'delta', u: 11, seq: 1011, ts: 1_100_000, cts: 1_099_993, recvTime: 1_100_003, bestChanged: true, trimmed: 0 });
    expect(levels(book)).toEqual({
      bids: [[1003, 1000], [1001, 7000], [1000, 1]],
      asks: [[1005, 9999], [1006, 1500], [1010, 2500]],
    });
    expect(book.lastU).toBe(11);
  });

  it('reports bestChanged only when a best price or its size moves', () => {
    const book = bookWithSnapshot(10);
    expect(unwrap(book.apply(frame('delta', 11, [['100.00', '9.000']], [['101.00', '0']]))).bestChanged).toBe(false);
    expect(unwrap(book.apply(frame('delta', 12, [], []))).bestChanged).toBe(false);
    expect(unwrap(book.apply(frame('delta', 13, [['100.30', '1.001']], []))).bestChanged).toBe(true);
    expect(unwrap(book.apply(frame('delta', 14, [], [['100.40', '0.600']]))).bestChanged).toBe(true);
    expect(unwrap(book.apply(frame('delta', 15, [['100.30', '0']], []))).bestChanged).toBe(true);
    expect(book.bestBid()).toBe(t('100.20'));
  });

  it('empties a side and reads an empty side as null prices and zero sizes', () => {
    const book = bookWithSnapshot(10);
    unwrap(book.apply(frame('delta', 11, SNAPSHOT_BIDS.map(([p]) => [p, '0'] as const), [])));
    expect(book.levelCount('bid')).toBe(0);
    expect(book.bestBid()).toBeNull();
    expect(book.bestBidQty()).toBe(0);
    expect(book.midTimesTwo()).toBeNull();
    expect(book.isCrossed()).toBe(false);
    expect(book.cumulativeDepth('bid', 5)).toBe(0);
    expect(book.depthWithin('bid', 5)).toBe(0);
    expect(book.topN('bid', 3)).toEqual([]);
    expect(book.usable).toBe(true);
  });
});

describe('OrderBook errors', () => {
  it('refuses a delta before any snapshot', () => {
    const book = new OrderBook(btc);
    expect(errorOf(book.apply(frame('delta', 1, [['100.00', '1.000']], [])))).toEqual({ kind: 'DeltaBeforeSnapshot', u: 1 });
    expect(book.usable).toBe(false);
    expect(book.hasSnapshot).toBe(false);
    expect(book.levelCount('bid')).toBe(0);
  });

  it.each([
    ['a repeated u', 10],
    ['an older u', 3],
    ['u = 1 on a delta', 1],
  ])('reports %s as a Duplicate: the book is unchanged and stays usable', (_name, u) => {
    const book = bookWithSnapshot(10);
    const before = levels(book);
    expect(errorOf(book.apply(frame('delta', u, [['100.10', '1.000']], [['100.40', '0']])))).toEqual({ kind: 'Duplicate', lastU: 10, got: u });
    expect(levels(book)).toEqual(before);
    expect(book.lastU).toBe(10);
    expect(book.usable).toBe(true);
    unwrap(book.apply(frame('delta', 11, [['100.10', '1.000']], [])));
    expect(book.usable).toBe(true);
  });

  it.each([
    ['a skipped u', 12],
    ['a u far ahead', 500],
  ])('reports %s as a SequenceGap and leaves the book unchanged until a snapshot', (_name, u) => {
    const book = bookWithSnapshot(10);
    const before = levels(book);
    expect(errorOf(book.apply(frame('delta', u, [['100.10', '1.000']], [['100.40', '0']])))).toEqual({ kind: 'SequenceGap', expected: 11, got: u });
    expect(levels(book)).toEqual(before);
    expect(book.lastU).toBe(10);
    expect(book.usable).toBe(false);
    // The delta that was due still applies, but only a snapshot makes the book usable again.
    unwrap(book.apply(frame('delta', 11, [], [])));
    expect(book.usable).toBe(false);
    unwrap(book.apply(frame('snapshot', 40, SNAPSHOT_BIDS, SNAPSHOT_ASKS)));
    expect(book.usable).toBe(true);
  });

  it('accepts a delta with u = 1 after a snapshot with u = 0', () => {
    const book = bookWithSnapshot(0);
    unwrap(book.apply(frame('delta', 1, [], [])));
    expect(book.lastU).toBe(1);
  });

  it('refuses a frame of another symbol', () => {
    const book = bookWithSnapshot(10);
    expect(errorOf(book.apply(frame('delta', 11, [], [], 'ETHUSDT')))).toEqual({ kind: 'SymbolMismatch', expected: 'BTCUSDT', got: 'ETHUSDT' });
    expect(book.usable).toBe(false);
    expect(book.lastU).toBe(10);
  });

  it.each([
    ['an off-grid price', 'bid', ['100.15', '1.000'], 'price', 'TooPrecise'],
    ['a non-numeric price', 'ask', ['abc', '1.000'], 'price', 'NotADecimal'],
    ['a zero price', 'bid', ['0.00', '1.000'], 'price', 'NotPositive'],
    ['an exponent price', 'ask', ['1e5', '1.000'], 'price', 'NotADecimal'],
    ['a negative size', 'ask', ['100.50', '-1.000'], 'size', 'Negative'],
    ['an off-grid size', 'bid', ['100.10', '0.0005'], 'size', 'TooPrecise'],
    ['an empty size', 'bid', ['100.10', ''], 'size', 'NotADecimal'],
    ['a price too large to hold exactly', 'bid', ['99999999999999999.0', '1.000'], 'price', 'TooLarge'],
  ] as const)('rejects %s as BadLevel with the whole frame unapplied', (_name, side, level, field, cause) => {
    const book = bookWithSnapshot(10);
    const before = levels(book);
    const good: RawLevel[] = [['100.10', '5.000'], ['100.30', '0']];
    const bids = side === 'bid' ? [...good, level] : good;
    const asks = side === 'ask' ? [['100.50', '1.000'] as const, level] : [];
    const error = errorOf(book.apply(frame('delta', 11, bids, asks)));
    expect(error).toMatchObject({ kind: 'BadLevel', side, price: level[0], size: level[1], field, cause: { kind: cause } });
    if (error.kind === 'BadLevel') expect(error.reason).toContain(field === 'price' ? level[0] : level[1]);
    expect(levels(book)).toEqual(before);
    expect(book.lastU).toBe(10);
    expect(book.usable).toBe(false);
  });

  it('names a price between two ticks of a 0.5 grid in the reason', () => {
    const half = unwrap(createInstrument({ symbol: 'HALF', tickSize: '0.5', lotSize: '1', minQty: '1' }));
    const book = new OrderBook(half);
    expect(errorOf(book.apply(frame('snapshot', 1, [['100.5', '1'], ['100.3', '2']], [], 'HALF')))).toMatchObject({
      kind: 'BadLevel',
      reason: 'price "100.3" is not a multiple of 0.5',
      cause: { kind: 'OffGrid', text: '100.3', step: '0.5' },
    });
    expect(book.levelCount('bid')).toBe(0);
  });

  it('rejects a snapshot with a bad level and keeps the previous book', () => {
    const book = bookWithSnapshot(10);
    const before = levels(book);
    expect(errorOf(book.apply(frame('snapshot', 1, [['99.00', '1.000']], [['x', '1.000']]))).kind).toBe('BadLevel');
    expect(levels(book)).toEqual(before);
    expect(book.usable).toBe(false);
  });

  it('reports a crossed book after applying the frame, and stays unusable until a snapshot', () => {
    const book = bookWithSnapshot(10);
    expect(errorOf(book.apply(frame('delta', 11, [['100.40', '1.000']], [])))).toEqual({ kind: 'CrossedBook', bid: 1004, ask: 1004 });
    expect(book.bestBid()).toBe(1004);
    expect(book.isCrossed()).toBe(true);
    expect(book.lastU).toBe(11);
    expect(book.usable).toBe(false);
    // Uncrossing with the next consecutive delta applies, but the book stays unusable.
    unwrap(book.apply(frame('delta', 12, [['100.40', '0']], [])));
    expect(book.isCrossed()).toBe(false);
    expect(book.usable).toBe(false);
    unwrap(book.apply(frame('snapshot', 13, SNAPSHOT_BIDS, SNAPSHOT_ASKS)));
    expect(book.usable).toBe(true);
  });

  it('reports a crossed snapshot', () => {
    const book = new OrderBook(btc);
    expect(errorOf(book.apply(frame('snapshot', 1, [['100.50', '1.000']], [['100.40', '1.000']])))).toEqual({ kind: 'CrossedBook', bid: 1005, ask: 1004 });
    expect(book.hasSnapshot).toBe(true);
    expect(book.usable).toBe(false);
  });
});

describe('OrderBook reads', () => {
  it('reads levels by index from the touch and throws for an index it does not hold', () => {
    const book = bookWithSnapshot();
    expect([0, 1, 2].map((i) => book.priceAt('ask', i))).toEqual([1004, 1006, 1010]);
    expect([0, 1, 2].map((i) => book.qtyAt('bid', i))).toEqual([1000, 2000, 3000]);
    expect(() => book.priceAt('bid', 3)).toThrow(RangeError);
    expect(() => book.qtyAt('ask', -1)).toThrow(RangeError);
    expect(() => book.priceAt('ask', 0.5)).toThrow(RangeError);
  });

  it('answers topN, cumulative depth and depth within a distance of the touch', () => {
    const book = bookWithSnapshot();
    expect(book.topN('bid', 2)).toEqual([[1003, 1000], [1002, 2000]]);
    expect(book.topN('ask', 99)).toHaveLength(3);
    expect(book.topN('ask', 0)).toEqual([]);
    expect(book.topN('ask', -2)).toEqual([]);
    expect(book.cumulativeDepth('bid', 2)).toBe(3000);
    expect(book.cumulativeDepth('ask', 10)).toBe(4500);
    expect(book.cumulativeDepth('ask', 0)).toBe(0);
    expect(book.depthWithin('bid', 0)).toBe(1000);
    expect(book.depthWithin('bid', 2)).toBe(3000);
    expect(book.depthWithin('bid', 3)).toBe(6000);
    expect(book.depthWithin('ask', 1)).toBe(500);
    expect(book.depthWithin('ask', 2)).toBe(2000);
    expect(book.depthWithin('ask', -1)).toBe(0);
  });

  it('gives twice the mid as an exact integer', () => {
    const book = bookWithSnapshot();
    expect(book.midTimesTwo()).toBe(1003 + 1004);
    expect(book.isCrossed()).toBe(false);
  });
});

describe('OrderBook depth window', () => {
  it('drops levels beyond the window after a snapshot and after a delta, and never brings them back', () => {
    const book = new OrderBook(btc, { depth: 2 });
    const first = unwrap(book.apply(frame('snapshot', 1, SNAPSHOT_BIDS, SNAPSHOT_ASKS)));
    expect(first.trimmed).toBe(2);
    expect(levels(book)).toEqual({ bids: [[1003, 1000], [1002, 2000]], asks: [[1004, 500], [1006, 1500]] });
    const second = unwrap(book.apply(frame('delta', 2, [], [['100.50', '1.000']])));
    expect(second.trimmed).toBe(1);
    expect(book.topN('ask', 5)).toEqual([[1004, 500], [1005, 1000]]);
    // Bybit would now send the level that re-enters the window; the book does not invent it.
    unwrap(book.apply(frame('delta', 3, [], [['100.50', '0']])));
    expect(book.topN('ask', 5)).toEqual([[1004, 500]]);
  });

  it('refuses a window that is not a positive integer', () => {
    expect(() => new OrderBook(btc, { depth: 0 })).toThrow(RangeError);
    expect(() => new OrderBook(btc, { depth: 2.5 })).toThrow(RangeError);
  });
});
