import { describe, expect, it } from 'vitest';
import { FeatureEngine } from '../../domain/features/engine.ts';
import type { FeatureVector } from '../../domain/features/feature-vector.ts';
import { selectFeatures } from '../../domain/features/registry.ts';
import type { RawLevel } from '../../domain/market/market-event.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { unwrap } from '../../domain/result.ts';
import type { Micros } from '../../domain/values/units.ts';
import { btc, frame } from '../support/builders.ts';

// Hand-computed values of the liquidity-cost, queue-rate and micro-price features, read through the
// feature engine. BTCUSDT: tick 0.1 USDT, lot 0.001 BTC; the books have their mid at 100000.0 USDT, where
// 1 USDT is 0.1 bps.

const LIQUIDITY = [
  'liq_cost_buy_0p5_bps',
  'liq_cost_sell_0p5_bps',
  'liq_cost_buy_2_bps',
  'liq_cost_sell_2_bps',
  'liq_cost_buy_10_bps',
  'liq_cost_sell_10_bps',
] as const;

/** Venue time zero of the streams, in µs. */
const T0 = 1_700_000_000_000_000;
const at = (micros: number): Micros => (T0 + micros) as Micros;

function engineFor(names: readonly string[]): FeatureEngine {
  return new FeatureEngine(btc, unwrap(selectFeatures({ features: names })));
}

/** The value of feature `name` in a vector of `engine`, found through its schema. */
function valueOf(vector: FeatureVector | null, engine: FeatureEngine, name: string): number {
  if (vector === null) throw new Error('no vector: a side of the book is empty');
  const i = engine.schema.names.indexOf(name);
  if (i < 0) throw new Error(`${name} is not in the engine's schema`);
  return vector.values[i];
}

function liquidityOf(bids: readonly RawLevel[], asks: readonly RawLevel[]): Record<(typeof LIQUIDITY)[number], number> {
  const book = new OrderBook(btc);
  unwrap(book.apply(frame('snapshot', 1, bids, asks)));
  const engine = engineFor(LIQUIDITY);
  const v = engine.onBook(book, at(0));
  return Object.fromEntries(LIQUIDITY.map((n) => [n, valueOf(v, engine, n)])) as Record<(typeof LIQUIDITY)[number], number>;
}

describe('liquidity cost of walking the book', () => {
  // Mid (99999.9 + 100000.1) / 2 = 100000.0.
  //   asks: 100000.1 x 0.3, 100000.5 x 0.5, 100001.0 x 2.0, 100010.0 x 20.0 (22.8 BTC in all)
  //   bids: 99999.9 x 1.0, 99999.0 x 1.0 (2 BTC in all: too thin for 10 BTC)
  // The cost is the average fill price's distance from the mid, over the mid, in bps. The engine averages
  // in half-ticks near 2e6, whose rounding leaves about 2.3e-13 bps here: inside toBeCloseTo's 5e-13.
  const f = liquidityOf(
    [['99999.9', '1.000'], ['99999.0', '1.000']],
    [['100000.1', '0.300'], ['100000.5', '0.500'], ['100001.0', '2.000'], ['100010.0', '20.000']],
  );

  it('walks the asks to buy', () => {
    // 0.5 BTC: 0.3 at +0.1 and 0.2 at +0.5 USDT from the mid: (0.03 + 0.1) / 0.5 = 0.26 USDT -> 0.026 bps.
    expect(f.liq_cost_buy_0p5_bps).toBeCloseTo(0.026, 12);
    // 2 BTC: 0.3 at +0.1, 0.5 at +0.5, 1.2 at +1.0: (0.03 + 0.25 + 1.2) / 2 = 0.74 USDT -> 0.074 bps.
    expect(f.liq_cost_buy_2_bps).toBeCloseTo(0.074, 12);
    // 10 BTC: 0.3 at +0.1, 0.5 at +0.5, 2.0 at +1.0, 7.2 at +10.0: (0.03 + 0.25 + 2 + 72) / 10 = 7.428 USDT
    // -> 0.7428 bps.
    expect(f.liq_cost_buy_10_bps).toBeCloseTo(0.7428, 12);
  });

  it('walks the bids to sell, pricing what a thin book lacks at its last level', () => {
    // 0.5 BTC: all at -0.1 USDT -> 0.01 bps.
    expect(f.liq_cost_sell_0p5_bps).toBeCloseTo(0.01, 12);
    // 2 BTC, exactly the whole side: 1.0 at -0.1 and 1.0 at -1.0: (0.1 + 1.0) / 2 = 0.55 USDT -> 0.055 bps.
    expect(f.liq_cost_sell_2_bps).toBeCloseTo(0.055, 12);
    // 10 BTC from 2: 1.0 at -0.1, 1.0 at -1.0 and the missing 8.0 at the last level, -1.0:
    // (0.1 + 1.0 + 8.0) / 10 = 0.91 USDT -> 0.091 bps.
    expect(f.liq_cost_sell_10_bps).toBeCloseTo(0.091, 12);
  });

  it('prices every size at the one level of a side thinner than the smallest size', () => {
    // Bid 0.1 BTC at 99999.0, ask 0.1 BTC at 100001.0: mid 100000.0, every size fills at 1.0 USDT = 0.1 bps.
    const thin = liquidityOf([['99999.0', '0.100']], [['100001.0', '0.100']]);
    for (const name of LIQUIDITY) expect(thin[name]).toBeCloseTo(0.1, 12);
  });
});

describe('touch queue rates over one second', () => {
  const NAMES = ['touch_qty_bid_rate_1s', 'touch_qty_ask_rate_1s'];

  it('compares the touch sizes with those one second of venue time ago, 0 before that history exists', () => {
    const engine = engineFor(NAMES);
    const book = new OrderBook(btc);
    let u = 0;
    /** Applies levels (a snapshot first, deltas after) and returns [bid rate, ask rate] at `micros`. */
    const step = (micros: number, bids: readonly RawLevel[], asks: readonly RawLevel[]): [number, number] => {
      u++;
      unwrap(book.apply(frame(u === 1 ? 'snapshot' : 'delta', u, bids, asks)));
      const v = engine.onBook(book, at(micros));
      return [valueOf(v, engine, NAMES[0]), valueOf(v, engine, NAMES[1])];
    };

    // 0 s: bid 1.0 at 99999.9, ask 2.0 at 100000.1. Nothing a second old yet: 0, 0.
    expect(step(0, [['99999.9', '1.000']], [['100000.1', '2.000']])).toEqual([0, 0]);
    expect(engine.warm).toBe(false);
    // 0.4 s: bid 1.5.
    expect(step(400_000, [['99999.9', '1.500']], [])).toEqual([0, 0]);
    // 0.999999 s: bid 2.0; the first entry is still less than a second old.
    expect(step(999_999, [['99999.9', '2.000']], [])).toEqual([0, 0]);
    expect(engine.warm).toBe(false);

    // 1.0 s: bid 3.0, ask 2.5. The sizes as of 0 s (exactly one second ago) answer: 1.0 and 2.0.
    let [bid, ask] = step(1_000_000, [['99999.9', '3.000']], [['100000.1', '2.500']]);
    expect(bid).toBeCloseTo(3.0 - 1.0, 12);
    expect(ask).toBeCloseTo(2.5 - 2.0, 12);
    expect(engine.warm).toBe(true);

    // 1.399999 s: ask 1.0. As of 0.399999 s the sizes were still those of 0 s: 1.0 and 2.0.
    [bid, ask] = step(1_399_999, [], [['100000.1', '1.000']]);
    expect(bid).toBeCloseTo(3.0 - 1.0, 12);
    expect(ask).toBeCloseTo(1.0 - 2.0, 12);

    // 1.4 s: a level away from the touch changes. As of 0.4 s: bid 1.5, ask 2.0.
    [bid, ask] = step(1_400_000, [['99999.0', '5.000']], []);
    expect(bid).toBeCloseTo(3.0 - 1.5, 12);
    expect(ask).toBeCloseTo(1.0 - 2.0, 12);

    // 2.0 s: a new best bid 0.2 at 100000.0. As of 1.0 s: bid 3.0 (at 99999.9, another price), ask 2.5.
    [bid, ask] = step(2_000_000, [['100000.0', '0.200']], []);
    expect(bid).toBeCloseTo(0.2 - 3.0, 12);
    expect(ask).toBeCloseTo(1.0 - 2.5, 12);

    // A reset forgets the history: 0 again until a second has passed since.
    engine.reset();
    expect(step(2_500_000, [['100000.0', '0.700']], [])).toEqual([0, 0]);
    expect(engine.warm).toBe(false);
    // 3.5 s: bid 0.7 -> 1.2, ask 1.0 -> 0.4, against the sizes as of 2.5 s.
    [bid, ask] = step(3_500_000, [['100000.0', '1.200']], [['100000.1', '0.400']]);
    expect(bid).toBeCloseTo(1.2 - 0.7, 12);
    expect(ask).toBeCloseTo(0.4 - 1.0, 12);
    expect(engine.warm).toBe(true);
  });
});

describe('micro-price offset', () => {
  const NAME = 'microprice_offset_ticks';

  /** A BTCUSDT book of one level a side: bid and ask in ticks, sizes as decimal BTC. */
  function touch(bid: number, bidQty: string, ask: number, askQty: string): OrderBook {
    const book = new OrderBook(btc);
    unwrap(book.apply(frame('snapshot', 1, [[(bid / 10).toFixed(1), bidQty]], [[(ask / 10).toFixed(1), askQty]])));
    return book;
  }

  it('is 0 for the first 499 events, then learns that a bid-heavy touch precedes an up-move', () => {
    const engine = engineFor([NAME]);
    // Event t, 150 ms apart: bid 1.9 BTC, ask 0.1 BTC (I = 19/20, imbalance bucket 9 of 10) throughout, and
    // the mid rises half a tick every event: the ask steps up one tick (spread 1 -> 2), then the bid follows
    // (spread 2 -> 1).
    const bidAt = (t: number): number => 1_000_000 + Math.floor(t / 2);
    const askAt = (t: number): number => bidAt(t) + 1 + (t % 2);
    for (let t = 0; t < 499; t++) {
      const v = engine.onBook(touch(bidAt(t), '1.900', askAt(t), '0.100'), at(150_000 * t));
      expect(valueOf(v, engine, NAME)).toBe(0);
      // The warm-up is 60 s of venue time: from event 400 (at 60.0 s) on, before the first estimate.
      expect(engine.warm).toBe(t >= 400);
    }
    // Event 500 (t = 499, spread 2) completes the first 500 observations and the first estimate. From
    // either bid-heavy state the only move ever seen is +1/2 tick with probability 1 (g1 = 1/2), and B moves
    // between the spread-1 and spread-2 states with probability 1, so P6 - M = 6 * 1/2 = 3 ticks. The
    // mirrored counts (bucket 0, -1/2) keep the symmetrised table at exactly +3 and -3.
    const high = valueOf(engine.onBook(touch(bidAt(499), '1.900', askAt(499), '0.100'), at(150_000 * 499)), engine, NAME);
    expect(high).toBeGreaterThan(0);
    expect(high).toBeCloseTo(3, 12);

    // The same imbalance at spread 1 reads the same 3 ticks; the mirrored touch (sizes swapped) exactly -3.
    // Neither event is the 1000th observation, so the table does not change.
    const spread1 = valueOf(engine.onBook(touch(1_000_250, '1.900', 1_000_251, '0.100'), at(150_000 * 500)), engine, NAME);
    expect(spread1).toBeCloseTo(3, 12);
    const mirrored = valueOf(engine.onBook(touch(1_000_250, '0.100', 1_000_251, '1.900'), at(150_000 * 501)), engine, NAME);
    expect(mirrored).toBe(-spread1);
    // A balanced touch (I = 1/2, between buckets 4 and 5, never observed) reads their mean: 0.
    const balanced = valueOf(engine.onBook(touch(1_000_250, '1.000', 1_000_251, '1.000'), at(150_000 * 502)), engine, NAME);
    expect(balanced).toBe(0);

    // A reset forgets the estimate: 0 again.
    engine.reset();
    expect(valueOf(engine.onBook(touch(1_000_250, '1.900', 1_000_251, '0.100'), at(150_000 * 503)), engine, NAME)).toBe(0);
  });
});
