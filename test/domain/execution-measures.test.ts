import { describe, expect, it } from 'vitest';
import { liquidityCurve, walkBook } from '../../domain/execution/book-walk.ts';
import { TouchTradeRate } from '../../domain/execution/touch-rate.ts';
import { MidVolatility } from '../../domain/execution/volatility.ts';
import { liquidityCap } from '../../domain/execution/sizing.ts';
import { unitsText } from '../../domain/execution/units-text.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { unwrap } from '../../domain/result.ts';
import { createInstrument } from '../../domain/values/instrument.ts';
import type { Micros } from '../../domain/values/units.ts';
import { btc, levelBuffer } from '../support/builders.ts';

const S = 1_000_000;

function book(asks: ReadonlyArray<readonly [number, number]>): OrderBook {
  const b = new OrderBook(btc);
  const t = 1_700_000_000_000_000 as Micros;
  const applied = b.applyLevels({ type: 'snapshot', u: 1, seq: 1, ts: t, cts: t, recvTime: t, bids: levelBuffer([[asks[0][0] - 1, 10]]), asks: levelBuffer(asks) });
  if (!applied.ok) throw new Error('book refused');
  return b;
}

describe('walking the book', () => {
  const b = book([[1_000, 3], [1_001, 2], [1_003, 5]]);

  it('pays the touch, then each level behind it, for the size taken', () => {
    expect(walkBook(b.side('ask'), 3)).toEqual({ avgPrice: 1_000, short: 0 });
    expect(walkBook(b.side('ask'), 6)?.avgPrice).toBeCloseTo((3 * 1_000 + 2 * 1_001 + 1_003) / 6, 12);
    // Beyond the visible levels the last price stands for the rest, and the shortfall is said.
    expect(walkBook(b.side('ask'), 12)).toEqual({ avgPrice: (3 * 1_000 + 2 * 1_001 + 7 * 1_003) / 12, short: 2 });
    expect(walkBook(new OrderBook(btc).side('ask'), 1)).toBeNull();
  });

  it('gives the cost over the mid at the end of each level, ascending, as the liquidity cap reads it', () => {
    const mid = 999.5;
    const curve = liquidityCurve(b.side('ask'), mid, 1, 100);
    expect(curve.map((p) => p.lots)).toEqual([3, 5, 10]);
    expect(curve[0].bps).toBeCloseTo((0.5 / mid) * 10_000, 12);
    expect(curve[2].bps).toBeCloseTo(((3 * 1_000 + 2 * 1_001 + 5 * 1_003) / 10 - mid) / mid * 10_000, 12);
    // It stops at the first level past the limit: enough for the cap to interpolate there.
    expect(liquidityCurve(b.side('ask'), mid, 1, curve[1].bps)).toHaveLength(3);
    const cap = liquidityCap(curve, (curve[1].bps + curve[2].bps) / 2);
    expect(cap).toBeGreaterThan(5);
    expect(cap).toBeLessThan(10);
  });
});

describe('the mid\'s volatility', () => {
  it('is not known before one half-life of mids, and is 0 for a mid that never moves', () => {
    const v = new MidVolatility(5 * S);
    v.onMid(0, 2_000_000);
    expect(v.sigmaBps(5 * S, 4 * S)).toBeNull();
    v.onMid(5 * S, 2_000_000);
    expect(v.sigmaBps(5 * S, 5 * S)).toBe(0);
  });

  it('measures the square root of the summed squared moves over a span, scaled by the square root of time', () => {
    // A 1 bps move every 100 ms for a long time: 50 moves in 5 s, σ over 5 s about √50 bps.
    const v = new MidVolatility(5 * S);
    let mid2 = 2_000_000_000;
    for (let t = 0; t <= 120 * S; t += 100_000) {
      mid2 = t % 200_000 === 0 ? 2_000_000_000 : 2_000_200_000;
      v.onMid(t, mid2);
    }
    const five = v.sigmaBps(5 * S, 120 * S) ?? NaN;
    expect(five).toBeGreaterThan(Math.sqrt(50) * 0.95);
    expect(five).toBeLessThan(Math.sqrt(50) * 1.05);
    expect(v.sigmaBps(300 * S, 120 * S) ?? NaN).toBeCloseTo(five * Math.sqrt(60), 9);
    // Quiet time decays it.
    expect(v.sigmaBps(5 * S, 140 * S) ?? NaN).toBeCloseTo(five * Math.sqrt(0.5 ** 4), 9);
  });
});

describe('the trade rate against a resting side', () => {
  it('counts sells against a buy\'s bid and buys against a sell\'s ask, decayed, once a half-life has passed', () => {
    const r = new TouchTradeRate(5 * S);
    r.onTrade(0, 10, 'Sell');
    expect(r.lotsPerSec('Buy', 4 * S)).toBeNull();
    r.onTrade(5 * S, 10, 'Buy');
    // A trade of q lots adds q / τ lots a second (τ = half-life / ln 2): the mean rate of trades that size.
    const tau = 5 / Math.LN2;
    expect(r.lotsPerSec('Buy', 5 * S)).toBeCloseTo((10 / tau) * 0.5, 12);
    expect(r.lotsPerSec('Sell', 5 * S)).toBeCloseTo(10 / tau, 12);
    expect(r.lotsPerSec('Sell', 10 * S)).toBeCloseTo((10 / tau) * 0.5, 12);
  });
});

describe('prices and sizes as a person reads them', () => {
  it('uses the instrument\'s grid and its currencies', () => {
    const u = unitsText(btc);
    expect(u.price(899_941)).toBe('89994.1 USDT');
    expect(u.qty(6)).toBe('0.006 BTC');
    expect(u.distance(2)).toBe('0.2 USDT');
    expect(u.qty(2.7)).toBe('0.002 BTC');
    const xrp = unitsText(unwrap(createInstrument({ symbol: 'XRPUSDT', tickSize: '0.0001', lotSize: '1', minQty: '1' })));
    expect(xrp.price(5_123)).toBe('0.5123 USDT');
    expect(xrp.qty(12)).toBe('12 XRP');
  });
});
