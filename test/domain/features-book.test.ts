import { describe, expect, it } from 'vitest';
import { FeatureEngine } from '../../domain/features/engine.ts';
import type { FeatureVector } from '../../domain/features/feature-vector.ts';
import { selectFeatures } from '../../domain/features/registry.ts';
import type { BookFrame, RawLevel } from '../../domain/market/market-event.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { unwrap } from '../../domain/result.ts';
import { createInstrument, type Instrument } from '../../domain/values/instrument.ts';
import type { Micros } from '../../domain/values/units.ts';
import { btc, frame } from '../support/builders.ts';

// Hand-computed values of the book-shape features (spread, mid, weighted mid, depth imbalances, depth
// bands, slopes, touch sizes), read through the feature engine. BTCUSDT: tick 0.1 USDT, lot 0.001 BTC.
// Most books below have the mid at 100000.0 USDT = 1,000,000 ticks, where 1 bps is 10 USDT = 100 ticks.

const SHAPE = [
  'spread_ticks',
  'spread_bps',
  'mid_price',
  'wmid_offset_ticks',
  'depth_imbalance_1',
  'depth_imbalance_3',
  'depth_imbalance_5',
  'depth_imbalance_10',
  'depth_imbalance_25',
  'depth_bid_5bps',
  'depth_ask_5bps',
  'depth_bid_10bps',
  'depth_ask_10bps',
  'depth_bid_25bps',
  'depth_ask_25bps',
  'book_slope_bid',
  'book_slope_ask',
  'touch_qty_bid',
  'touch_qty_ask',
] as const;

const TS = 1_700_000_000_000_000 as Micros;

function engineFor(names: readonly string[], instrument: Instrument = btc): FeatureEngine {
  return new FeatureEngine(instrument, unwrap(selectFeatures({ features: names })));
}

/** The value of feature `name` in a vector of `engine`, found through its schema. */
function valueOf(vector: FeatureVector | null, engine: FeatureEngine, name: string): number {
  if (vector === null) throw new Error('no vector: a side of the book is empty');
  const i = engine.schema.names.indexOf(name);
  if (i < 0) throw new Error(`${name} is not in the engine's schema`);
  return vector.values[i];
}

/** A BTCUSDT book holding exactly these levels (a snapshot). */
function btcBook(bids: readonly RawLevel[], asks: readonly RawLevel[]): OrderBook {
  const book = new OrderBook(btc);
  unwrap(book.apply(frame('snapshot', 1, bids, asks)));
  return book;
}

/** A BTCUSDT price in ticks as the venue writes it. */
const price = (ticks: number): string => (ticks / 10).toFixed(1);

/** Every shape feature of `book`, by name. */
function shapeOf(book: OrderBook): Record<(typeof SHAPE)[number], number> {
  const engine = engineFor(SHAPE);
  const v = engine.onBook(book, TS);
  return Object.fromEntries(SHAPE.map((n) => [n, valueOf(v, engine, n)])) as Record<(typeof SHAPE)[number], number>;
}

describe('touch features on a small book', () => {
  // Bids 3.0 at 99999.9, 1.0 at 99999.8, 2.0 at 99999.7; asks 1.0 at 100000.1, 2.0 at 100000.2,
  // 4.0 at 100000.3, 1.0 at 100000.4.
  const book = btcBook(
    [['99999.9', '3.000'], ['99999.8', '1.000'], ['99999.7', '2.000']],
    [['100000.1', '1.000'], ['100000.2', '2.000'], ['100000.3', '4.000'], ['100000.4', '1.000']],
  );
  const f = shapeOf(book);

  it('reads the spread in ticks and in bps of the mid, and the mid in USDT', () => {
    // 1,000,001 - 999,999 ticks = 2 ticks.
    expect(f.spread_ticks).toBe(2);
    // 0.2 USDT / 100000.0 USDT * 1e4 = 0.02 bps.
    expect(f.spread_bps).toBeCloseTo(0.02, 12);
    // (99999.9 + 100000.1) / 2 = 100000.0; a double near 1e5 is spaced 1.5e-11, so 9 decimals.
    expect(f.mid_price).toBeCloseTo(100000.0, 9);
  });

  it("offsets Stoikov's weighted mid from the mid by S (I - 1/2) ticks", () => {
    // I = 3 / (3 + 1) = 3/4; W = 99999.9 * 1/4 + 100000.1 * 3/4 = 100000.05, i.e. 0.05 USDT = 0.5 tick above the mid;
    // by the formula 2 * (3 - 1) / (2 * 4) = 0.5.
    expect(f.wmid_offset_ticks).toBeCloseTo(0.5, 12);
  });

  it('sums sizes over the best n levels, and a side shallower than n counts all it has', () => {
    // Touch: (3 - 1) / (3 + 1) = 0.5.
    expect(f.depth_imbalance_1).toBeCloseTo(0.5, 12);
    // Best 3: bids 3 + 1 + 2 = 6, asks 1 + 2 + 4 = 7 -> (6 - 7) / 13.
    expect(f.depth_imbalance_3).toBeCloseTo(-1 / 13, 12);
    // Best 5, 10, 25: bids have only 6 in 3 levels, asks 1 + 2 + 4 + 1 = 8 in 4 -> (6 - 8) / 14 = -1/7.
    expect(f.depth_imbalance_5).toBeCloseTo(-1 / 7, 12);
    expect(f.depth_imbalance_10).toBeCloseTo(-1 / 7, 12);
    expect(f.depth_imbalance_25).toBeCloseTo(-1 / 7, 12);
  });

  it('reads the sizes at the touch in BTC', () => {
    // 3000 lots * 0.001 and 1000 lots * 0.001.
    expect(f.touch_qty_bid).toBeCloseTo(3, 12);
    expect(f.touch_qty_ask).toBeCloseTo(1, 12);
  });

  it('counts the whole small book inside 5 bps (it spans 0.4 USDT of a 50 USDT band)', () => {
    // Bids 3 + 1 + 2 = 6; asks 1 + 2 + 4 + 1 = 8.
    expect(f.depth_bid_5bps).toBeCloseTo(6, 12);
    expect(f.depth_ask_5bps).toBeCloseTo(8, 12);
  });
});

describe('touch features with the mid on a half tick', () => {
  // Bid 1.0 at 99999.9, ask 3.0 at 100000.0: mid 99999.95.
  const f = shapeOf(btcBook([['99999.9', '1.000']], [['100000.0', '3.000']]));

  it('reads spread, mid, weighted mid and touch imbalance', () => {
    expect(f.spread_ticks).toBe(1);
    // 0.1 USDT / 99999.95 USDT * 1e4 bps.
    expect(f.spread_bps).toBeCloseTo((0.1 / 99999.95) * 1e4, 12);
    expect(f.mid_price).toBeCloseTo(99999.95, 9);
    // I = 1/4; W = 99999.9 * 3/4 + 100000.0 * 1/4 = 99999.925 = mid - 0.025 USDT = -0.25 tick;
    // by the formula 1 * (1 - 3) / (2 * 4) = -0.25.
    expect(f.wmid_offset_ticks).toBeCloseTo(-0.25, 12);
    // (1 - 3) / (1 + 3).
    expect(f.depth_imbalance_1).toBeCloseTo(-0.5, 12);
  });
});

describe('depth imbalance over 25 levels', () => {
  // 30 bid levels from 99999.9 down, level i (0-based) holding i + 1 BTC; 10 ask levels from 100000.1 up,
  // 2 BTC each. Cumulative bids at 1, 3, 5, 10, 25 levels: 1, 6, 15, 55, 325 (n (n + 1) / 2); the 5 levels
  // past the 25th (26 + ... + 30 = 140 BTC) must not count. Cumulative asks: 2, 6, 10, 20, 20.
  const bids: RawLevel[] = Array.from({ length: 30 }, (_, i) => [price(999_999 - i), `${i + 1}.000`] as const);
  const asks: RawLevel[] = Array.from({ length: 10 }, (_, i) => [price(1_000_001 + i), '2.000'] as const);
  const f = shapeOf(btcBook(bids, asks));

  it('reads each depth from its own levels', () => {
    // (1 - 2) / 3.
    expect(f.depth_imbalance_1).toBeCloseTo(-1 / 3, 12);
    // (6 - 6) / 12.
    expect(f.depth_imbalance_3).toBe(0);
    // (15 - 10) / 25.
    expect(f.depth_imbalance_5).toBeCloseTo(1 / 5, 12);
    // (55 - 20) / 75 = 7/15.
    expect(f.depth_imbalance_10).toBeCloseTo(7 / 15, 12);
    // (325 - 20) / 345 = 61/69 (all 30 levels would give (465 - 20) / 485).
    expect(f.depth_imbalance_25).toBeCloseTo(61 / 69, 12);
  });
});

describe('depth within 5, 10 and 25 bps of the mid', () => {
  // Mid 100000.0: 5 bps = 50 USDT = 500 ticks, 10 bps = 1000 ticks, 25 bps = 2500 ticks. A level exactly on
  // a band's edge is inside it; one tick past is outside.
  //   bids: 99999.9 x 1 (1 tick), 99950.0 x 2 (500, on 5), 99949.9 x 4 (501), 99900.0 x 8 (1000, on 10),
  //         99899.9 x 16 (1001), 99750.0 x 32 (2500, on 25), 99749.9 x 64 (2501)
  //   asks: 100000.1 x 0.5, 100050.0 x 1.5 (on 5), 100050.1 x 3, 100100.0 x 5 (on 10), 100100.1 x 7,
  //         100250.0 x 9 (on 25), 100250.1 x 11
  const f = shapeOf(
    btcBook(
      [
        ['99999.9', '1.000'], ['99950.0', '2.000'], ['99949.9', '4.000'], ['99900.0', '8.000'],
        ['99899.9', '16.000'], ['99750.0', '32.000'], ['99749.9', '64.000'],
      ],
      [
        ['100000.1', '0.500'], ['100050.0', '1.500'], ['100050.1', '3.000'], ['100100.0', '5.000'],
        ['100100.1', '7.000'], ['100250.0', '9.000'], ['100250.1', '11.000'],
      ],
    ),
  );

  it('has its mid at 100000.0', () => {
    expect(f.mid_price).toBeCloseTo(100000.0, 9);
  });

  it('counts bid levels on the edge and leaves out those one tick past it', () => {
    // 1 + 2.
    expect(f.depth_bid_5bps).toBeCloseTo(3, 12);
    // 1 + 2 + 4 + 8.
    expect(f.depth_bid_10bps).toBeCloseTo(15, 12);
    // 15 + 16 + 32.
    expect(f.depth_bid_25bps).toBeCloseTo(63, 12);
  });

  it('counts ask levels on the edge and leaves out those one tick past it', () => {
    // 0.5 + 1.5.
    expect(f.depth_ask_5bps).toBeCloseTo(2, 12);
    // 2 + 3 + 5.
    expect(f.depth_ask_10bps).toBeCloseTo(10, 12);
    // 10 + 7 + 9.
    expect(f.depth_ask_25bps).toBeCloseTo(26, 12);
  });
});

describe('book slope', () => {
  // Mid 100000.0, levels a whole number of bps away (1 bps = 100 ticks).
  //   bids: 99990.0, 99980.0, ..., 99890.0 at 1..11 bps; 1 BTC on each of the first 10, 100 BTC on the 11th.
  //   asks: 100010.0 x 1 (1 bps), 100020.0 x 1 (2 bps), 100030.0 x 2 (3 bps).
  const bids: RawLevel[] = Array.from({ length: 11 }, (_, k) => [price(999_900 - 100 * k), k < 10 ? '1.000' : '100.000'] as const);
  const f = shapeOf(btcBook(bids, [['100010.0', '1.000'], ['100020.0', '1.000'], ['100030.0', '2.000']]));

  it('fits cumulative size against distance through the origin over the best 10 levels', () => {
    // Bids: cumulative k at k bps for k = 1..10: sum k * k / sum k^2 = 1. With the 11th level it would be
    // (385 + 11 * 110) / (385 + 121) = 1595 / 506.
    expect(f.book_slope_bid).toBeCloseTo(1, 12);
    // Asks: cumulative 1, 2, 4 at 1, 2, 3 bps: (1 + 4 + 12) / (1 + 4 + 9) = 17/14 BTC per bps.
    expect(f.book_slope_ask).toBeCloseTo(17 / 14, 12);
  });

  it('has its mid at 100000.0 and the spread 200 ticks wide', () => {
    expect(f.mid_price).toBeCloseTo(100000.0, 9);
    expect(f.spread_ticks).toBe(200);
  });
});

describe("Stoikov's BAC rows through the engine", () => {
  // The five BAC rows of 2011-03-01 printed in Stoikov's notebook (FORMULAS.md, section Micro-price).
  const BAC = unwrap(createInstrument({ symbol: 'BAC', tickSize: '0.01', lotSize: '1', minQty: '1' }));
  const ROWS = [
    { bid: '14.33', bs: '20', ask: '14.34', as: '471', imb: 0.040733, wmid: 14.330407 },
    { bid: '14.33', bs: '25', ask: '14.34', as: '148', imb: 0.144509, wmid: 14.331445 },
    { bid: '14.33', bs: '31', ask: '14.34', as: '95', imb: 0.246032, wmid: 14.33246 },
    { bid: '14.33', bs: '29', ask: '14.34', as: '92', imb: 0.239669, wmid: 14.332397 },
    { bid: '14.33', bs: '21', ask: '14.34', as: '65', imb: 0.244186, wmid: 14.332442 },
  ];

  function bacFrame(row: (typeof ROWS)[number]): BookFrame {
    return { type: 'snapshot', symbol: 'BAC', u: 1, seq: 1, ts: TS, cts: TS, recvTime: TS, bids: [[row.bid, row.bs]], asks: [[row.ask, row.as]] };
  }

  it.each(ROWS)('gives wmid and imb of the row bs $bs as $as to 6 decimals', (row) => {
    const book = new OrderBook(BAC);
    unwrap(book.apply(bacFrame(row)));
    const engine = engineFor(['mid_price', 'wmid_offset_ticks', 'depth_imbalance_1'], BAC);
    const v = engine.onBook(book, TS);
    // (14.33 + 14.34) / 2 = 14.335.
    expect(valueOf(v, engine, 'mid_price')).toBeCloseTo(14.335, 12);
    // W = mid + offset * tick, e.g. 14.335 + 1 * (20 - 471) / (2 * 491) * 0.01 = 14.3304073...
    expect(valueOf(v, engine, 'mid_price') + valueOf(v, engine, 'wmid_offset_ticks') * 0.01).toBeCloseTo(row.wmid, 6);
    // I = qb / (qb + qa) = (1 + (qb - qa) / (qb + qa)) / 2, e.g. 20 / 491 = 0.0407331...
    expect((1 + valueOf(v, engine, 'depth_imbalance_1')) / 2).toBeCloseTo(row.imb, 6);
  });
});
