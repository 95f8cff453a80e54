import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { BookFrame, RawLevel } from '../../domain/market/market-event.ts';
import { LevelBuffer, OrderBook, type BookSide, type GridFrame } from '../../domain/market/order-book.ts';
import { unwrap } from '../../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument, lotsToQty, ticksToPrice } from '../../domain/values/instrument.ts';
import { lots, micros, ticks } from '../../domain/values/units.ts';

const btc = unwrap(createInstrument(BTCUSDT_SPEC));

/** A level as generated: ticks and lots; a size of 0 deletes. */
type Level = readonly [price: number, size: number];

interface GeneratedFrame {
  readonly type: BookFrame['type'];
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  /** For a snapshot: hand it over sorted and de-duplicated as Bybit does, or in any order. */
  readonly venueOrder: boolean;
}

/**
 * The reference: a Map per side, updated one level at a time, trimmed to the window after each
 * frame, and sorted only when read. Slow and obviously right.
 */
class ReferenceBook {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  constructor(private readonly depth: number | undefined) {}

  apply(frame: GeneratedFrame): void {
    if (frame.type === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
    }
    for (const [p, s] of frame.bids) set(this.bids, p, s);
    for (const [p, s] of frame.asks) set(this.asks, p, s);
    if (this.depth !== undefined) {
      for (const [p] of this.sorted('bid').slice(this.depth)) this.bids.delete(p);
      for (const [p] of this.sorted('ask').slice(this.depth)) this.asks.delete(p);
    }
  }

  sorted(side: BookSide): Array<readonly [number, number]> {
    const entries = [...(side === 'bid' ? this.bids : this.asks).entries()];
    return entries.sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0]));
  }

  crossed(): boolean {
    const bid = this.sorted('bid')[0];
    const ask = this.sorted('ask')[0];
    return bid !== undefined && ask !== undefined && bid[0] >= ask[0];
  }
}

function set(side: Map<number, number>, price: number, size: number): void {
  if (size === 0) side.delete(price);
  else side.set(price, size);
}

function toRaw(levels: readonly Level[]): RawLevel[] {
  return levels.map(([p, s]) => [ticksToPrice(btc, ticks(p)), lotsToQty(btc, lots(s))]);
}

/** Sorted best first with one entry a price and no zero size, as Bybit sends a snapshot side. */
function venueSorted(levels: readonly Level[], side: BookSide): Level[] {
  const last = new Map<number, number>();
  for (const [p, s] of levels) last.set(p, s);
  return [...last.entries()].filter(([, s]) => s > 0).sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0]));
}

function toFrame(g: GeneratedFrame, u: number): BookFrame {
  const bids = g.type === 'snapshot' && g.venueOrder ? venueSorted(g.bids, 'bid') : g.bids;
  const asks = g.type === 'snapshot' && g.venueOrder ? venueSorted(g.asks, 'ask') : g.asks;
  return { type: g.type, symbol: 'BTCUSDT', u, seq: u * 3, ts: micros(u), cts: micros(u), recvTime: micros(u), bids: toRaw(bids), asks: toRaw(asks) };
}

/** The same frame as the book received it, for the reference (a venue-ordered snapshot is de-duplicated). */
function asReceived(g: GeneratedFrame): GeneratedFrame {
  if (g.type !== 'snapshot' || !g.venueOrder) return g;
  return { ...g, bids: venueSorted(g.bids, 'bid'), asks: venueSorted(g.asks, 'ask') };
}

/** Bids and asks either on separate halves of a small grid (never crossed) or on the same grid. */
function frameArb(bidRange: [number, number], askRange: [number, number]): fc.Arbitrary<GeneratedFrame> {
  const size = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 2_000_000 }));
  const level = (range: [number, number]) => fc.tuple(fc.integer({ min: range[0], max: range[1] }), size);
  return fc.record({
    type: fc.oneof({ arbitrary: fc.constant('delta' as const), weight: 8 }, { arbitrary: fc.constant('snapshot' as const), weight: 1 }),
    bids: fc.array(level(bidRange), { maxLength: 12 }),
    asks: fc.array(level(askRange), { maxLength: 12 }),
    venueOrder: fc.boolean(),
  });
}

const firstSnapshot = (f: GeneratedFrame): GeneratedFrame => ({ ...f, type: 'snapshot' });
const uncrossedFrames = fc.array(frameArb([1, 30], [31, 60]), { minLength: 1, maxLength: 40 }).map(([head, ...rest]) => [firstSnapshot(head), ...rest]);
const anyFrames = fc.array(frameArb([1, 40], [1, 40]), { minLength: 1, maxLength: 40 }).map(([head, ...rest]) => [firstSnapshot(head), ...rest]);
const depthArb = fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined });

/** Reads the whole side through the public API and checks strict order and positive sizes on the way. */
function readSide(book: OrderBook, side: BookSide): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  for (let i = 0; i < book.levelCount(side); i++) {
    const p = book.priceAt(side, i);
    const q = book.qtyAt(side, i);
    expect(q).toBeGreaterThan(0);
    if (i > 0) {
      const previous = out[i - 1][0];
      expect(side === 'bid' ? p < previous : p > previous).toBe(true);
    }
    out.push([p, q]);
  }
  return out;
}

function expectSameAs(book: OrderBook, reference: ReferenceBook, depth: number | undefined): void {
  const bids = readSide(book, 'bid');
  const asks = readSide(book, 'ask');
  expect(bids).toEqual(reference.sorted('bid'));
  expect(asks).toEqual(reference.sorted('ask'));
  if (depth !== undefined) expect(Math.max(bids.length, asks.length)).toBeLessThanOrEqual(depth);
  expect(book.bestBid()).toBe(bids[0]?.[0] ?? null);
  expect(book.bestAsk()).toBe(asks[0]?.[0] ?? null);
  expect(book.bestBidQty()).toBe(bids[0]?.[1] ?? 0);
  expect(book.bestAskQty()).toBe(asks[0]?.[1] ?? 0);
  for (const distances of BAND_SETS) {
    expectBands(book, 'bid', bids, distances);
    expectBands(book, 'ask', asks, distances);
  }
}

/**
 * Ascending distances from the touch, in ticks: some narrow enough that most of a side lies beyond
 * them (summed outward from the touch) and some wide enough that most lies inside (summed as the
 * side's total less the levels beyond, from the far end).
 */
const BAND_SETS = [[-1, 0, 2, 5, 40], [3, 8, 30], [29, 60], [0]].map((d) => Float64Array.from(d));

/** `cumulativeWithin` against the plain sum over the levels within each distance of the touch. */
function expectBands(book: OrderBook, side: BookSide, levels: Array<readonly [number, number]>, distances: Float64Array): void {
  const out = new Float64Array(distances.length);
  book.side(side).cumulativeWithin(distances, out);
  const best = levels[0]?.[0];
  const expected = [...distances].map((d) =>
    levels.filter(([p]) => best !== undefined && d >= 0 && Math.abs(p - best) <= d).reduce((sum, [, q]) => sum + q, 0),
  );
  expect([...out]).toEqual(expected);
}

describe('OrderBook against a reference model', () => {
  test.prop([uncrossedFrames, depthArb])('an uncrossed stream applies without error and matches the reference', (frames, depth) => {
    const book = new OrderBook(btc, { depth });
    const reference = new ReferenceBook(depth);
    let u = 100;
    for (const g of frames) {
      u = g.type === 'snapshot' ? u + 7 : u + 1;
      const result = book.apply(toFrame(g, u));
      reference.apply(asReceived(g));
      expect(result.ok).toBe(true);
      expect(book.usable).toBe(true);
      expectSameAs(book, reference, depth);
    }
  });

  test.prop([anyFrames, depthArb])('a stream that may cross reports CrossedBook exactly when the reference crosses', (frames, depth) => {
    const book = new OrderBook(btc, { depth });
    const reference = new ReferenceBook(depth);
    let usable = false;
    for (const [k, g] of frames.entries()) {
      const result = book.apply(toFrame(g, k + 1));
      reference.apply(asReceived(g));
      if (g.type === 'snapshot') usable = true;
      const crossed = reference.crossed();
      if (crossed) usable = false;
      expect(result.ok ? 'ok' : result.error.kind).toBe(crossed ? 'CrossedBook' : 'ok');
      expect(book.isCrossed()).toBe(crossed);
      expect(book.usable).toBe(usable);
      expectSameAs(book, reference, depth);
    }
  });
});

describe('OrderBook sequence and validation', () => {
  const offset = fc.integer({ min: -5, max: 5 }).filter((d) => d !== 0);
  const step = fc.record({ frame: frameArb([1, 30], [31, 60]), gap: fc.option(offset, { nil: undefined }) });

  test.prop([fc.array(step, { minLength: 1, maxLength: 40 }), depthArb])(
    'every u gap is a SequenceGap and every resend a Duplicate, both leaving the book unchanged; only a snapshot restores a gap',
    (steps, depth) => {
      const book = new OrderBook(btc, { depth });
      const reference = new ReferenceBook(depth);
      unwrap(book.apply(toFrame({ type: 'snapshot', bids: [[5, 1]], asks: [[40, 1]], venueOrder: true }, 1)));
      reference.apply({ type: 'snapshot', bids: [[5, 1]], asks: [[40, 1]], venueOrder: true });
      let usable = true;
      for (const { frame: g, gap } of steps) {
        const expected = book.lastU + 1;
        if (gap !== undefined && g.type === 'delta') {
          const result = book.apply(toFrame(g, expected + gap));
          // Behind the book: a resend, ignored. Ahead of it: deltas were lost.
          if (gap < 0) {
            expect(result).toEqual({ ok: false, error: { kind: 'Duplicate', lastU: expected - 1, got: expected + gap } });
          } else {
            expect(result).toEqual({ ok: false, error: { kind: 'SequenceGap', expected, got: expected + gap } });
            usable = false;
          }
        } else {
          // A snapshot is taken whatever its u; a delta without a gap carries the expected one.
          const result = book.apply(toFrame(g, expected + (gap ?? 0)));
          reference.apply(asReceived(g));
          expect(result.ok).toBe(true);
          if (g.type === 'snapshot') usable = true;
        }
        expect(book.usable).toBe(usable);
        expectSameAs(book, reference, depth);
      }
    },
  );

  const badPrice = fc.constantFrom('12.35', 'abc', '', '-', '1.2.3', ' 1', '1e5', '-1.0', '0', '0.00');
  const badSize = fc.constantFrom('0.0005', 'x', '-1', '-0.001', '1,5', '');
  const badLevel = fc.oneof(
    fc.tuple(badPrice, fc.constant('1.000')),
    fc.tuple(fc.constant('3.00'), badSize),
  );

  test.prop([uncrossedFrames, frameArb([1, 30], [31, 60]), badLevel, fc.boolean(), fc.nat()])(
    'a bad level anywhere in a frame rejects the whole frame and leaves the book unchanged',
    (frames, g, bad, onBids, at) => {
      const book = new OrderBook(btc);
      frames.forEach((f, k) => unwrap(book.apply(toFrame(f, k + 1))));
      const before = { bids: readSide(book, 'bid'), asks: readSide(book, 'ask'), u: book.lastU };
      const frame = toFrame(g, book.lastU + 1);
      const side = onBids ? [...frame.bids] : [...frame.asks];
      side.splice(at % (side.length + 1), 0, bad);
      const result = book.apply(onBids ? { ...frame, bids: side } : { ...frame, asks: side });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatchObject({ kind: 'BadLevel', side: onBids ? 'bid' : 'ask', price: bad[0], size: bad[1] });
      expect({ bids: readSide(book, 'bid'), asks: readSide(book, 'ask'), u: book.lastU }).toEqual(before);
      expect(book.usable).toBe(false);
    },
  );
});

/** The frame as a reader that has already converted it hands it to `applyLevels`. */
function toGridFrame(frame: BookFrame, g: GeneratedFrame): GridFrame {
  const bids = g.type === 'snapshot' && g.venueOrder ? venueSorted(g.bids, 'bid') : g.bids;
  const asks = g.type === 'snapshot' && g.venueOrder ? venueSorted(g.asks, 'ask') : g.asks;
  return { ...frame, bids: buffer(bids), asks: buffer(asks) };
}

function buffer(levels: readonly Level[]): LevelBuffer {
  const out = new LevelBuffer();
  out.reserve(levels.length);
  levels.forEach(([p, s], k) => {
    out.prices[k] = p;
    out.sizes[k] = s;
  });
  out.count = levels.length;
  return out;
}

describe('OrderBook.applyLevels', () => {
  const step = fc.record({ frame: frameArb([1, 40], [1, 40]), gap: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined }) });

  test.prop([fc.array(step, { minLength: 1, maxLength: 40 }), depthArb, fc.boolean()])(
    'gives the same results and leaves the same book as apply, through gaps, crossings and deltas before a snapshot',
    (steps, depth, startWithSnapshot) => {
      const text = new OrderBook(btc, { depth });
      const grid = new OrderBook(btc, { depth });
      for (const [k, { frame: g, gap }] of steps.entries()) {
        const generated = k === 0 && startWithSnapshot ? firstSnapshot(g) : g;
        const frame = toFrame(generated, text.lastU + 1 + (gap ?? 0));
        expect(grid.applyLevels(toGridFrame(frame, generated))).toEqual(text.apply(frame));
        expect({ bids: readSide(grid, 'bid'), asks: readSide(grid, 'ask') }).toEqual({ bids: readSide(text, 'bid'), asks: readSide(text, 'ask') });
        expect([grid.usable, grid.hasSnapshot, grid.lastU, grid.lastSeq, grid.lastTs]).toEqual([text.usable, text.hasSnapshot, text.lastU, text.lastSeq, text.lastTs]);
      }
    },
  );
});
