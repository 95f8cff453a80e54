import { describe, expect, it } from 'vitest';
import type { RawLevel } from '../../domain/market/market-event.ts';
import type { FeatureVector } from '../../domain/features/feature-vector.ts';
import { micros, type Micros } from '../../domain/values/units.ts';
import { Tape, valueOf } from '../support/feature-tape.ts';

/*
 * Price-dynamics and pressure features pinned to values worked out by hand. Every book event is a
 * full snapshot; sizes are in BTC (1,000 lots of 0.001), prices in USDT (ticks of 0.1), times are
 * venue milliseconds after T0. A window holds an entry when `ts > now - span`; a return reads the
 * last mid at or before `now - span`.
 */

/** Venue time origin, in microseconds. */
const T0 = 1_700_000_000_000_000;
/** `n` milliseconds of venue time after T0, in microseconds. */
const at = (n: number): Micros => micros(T0 + n * 1000);


const RETURNS = [
  'ret_1s_bps', 'ret_5s_bps', 'ret_30s_bps', 'ret_120s_bps',
  'rv_1s_bps', 'rv_5s_bps', 'rv_30s_bps', 'rv_120s_bps',
  'time_since_mid_change_s',
];

describe('ret_*_bps, rv_*_bps, time_since_mid_change_s', () => {
  /*
   * The book is one bid 0.1 below and one ask 0.1 above the mid. Mids (USDT):
   *   P0 0 ms 90000, P1 500 ms 90000 (a size change), P2 1,000 ms 90009, P3 1,500 ms 90018,
   *   P4 2,250 ms 90018 (a size change), P5 6,000 ms 90000, P6 30,000 ms 90027,
   *   then 90027 at 120,000 ms - 1 µs, 120,000 ms and 121,000 ms.
   * ret = (mid now / mid one span ago - 1) x 10,000; rv = sqrt of the sum of r_k^2 over the mid changes
   * in the window, r_k = 10,000 ln(mid_k / mid_k-1) (r2 ~ 0.99995, r3 ~ 0.99984, r5 ~ -1.99980, r6 ~ 2.99955).
   */
  const r2 = 10_000 * Math.log(90009 / 90000);
  const r3 = 10_000 * Math.log(90018 / 90009);
  const r5 = 10_000 * Math.log(90000 / 90018);
  const r6 = 10_000 * Math.log(90027 / 90000);
  const rss = (...r: number[]): number => Math.sqrt(r.reduce((s, x) => s + x * x, 0));

  it('follows the mid through each horizon, 0 until the history reaches back', () => {
    const tape = new Tape({ features: RETURNS });
    const { engine } = tape;
    const book = (mid: number, bidSize: string, ts: Micros): ((name: string) => number) => {
      const v = tape.book([[(mid - 0.1).toFixed(1), bidSize]], [[(mid + 0.1).toFixed(1), '1']], ts);
      return (name) => valueOf(v, engine, name);
    };

    const p0 = book(90000, '1', at(0));
    for (const name of RETURNS) expect(p0(name), name).toBe(0); // nothing to compare with yet

    // P1 at 500 ms, the mid unchanged: no history 1 s back, no change in any window.
    const p1 = book(90000, '2', at(500));
    for (const name of RETURNS.slice(0, 8)) expect(p1(name), name).toBe(0);
    expect(p1('time_since_mid_change_s')).toBeCloseTo(0.5, 12); // since the start at 0 ms

    // P2 at 1,000 ms, mid 90009: 1 s back (at or before 0 ms) is P0, 90000.
    const p2 = book(90009, '1', at(1000));
    expect(p2('ret_1s_bps')).toBeCloseTo(1, 12); // 9 / 90000 x 10,000
    expect(p2('ret_5s_bps')).toBe(0); // nothing at or before -4 s
    expect(p2('ret_30s_bps')).toBe(0);
    expect(p2('ret_120s_bps')).toBe(0);
    for (const w of ['1s', '5s', '30s', '120s']) expect(p2(`rv_${w}_bps`), w).toBeCloseTo(Math.abs(r2), 12);
    expect(p2('time_since_mid_change_s')).toBe(0);

    // P3 at 1,500 ms, mid 90018: 1 s back (at or before 500 ms) is P1, 90000.
    const p3 = book(90018, '1', at(1500));
    expect(p3('ret_1s_bps')).toBeCloseTo(2, 12); // 18 / 90000 x 10,000
    expect(p3('rv_1s_bps')).toBeCloseTo(rss(r2, r3), 12); // ts > 500 ms: P2, P3
    expect(p3('rv_120s_bps')).toBeCloseTo(rss(r2, r3), 12);
    expect(p3('time_since_mid_change_s')).toBe(0);

    // P4 at 2,250 ms, the mid unchanged: 1 s back (at or before 1,250 ms) is P2, 90009.
    const p4 = book(90018, '2', at(2250));
    expect(p4('ret_1s_bps')).toBeCloseTo((9 / 90009) * 10_000, 12);
    expect(p4('rv_1s_bps')).toBeCloseTo(Math.abs(r3), 12); // ts > 1,250 ms: P3 only
    expect(p4('rv_5s_bps')).toBeCloseTo(rss(r2, r3), 12);
    expect(p4('time_since_mid_change_s')).toBeCloseTo(0.75, 12); // 2,250 - 1,500 ms

    // P5 at 6,000 ms, mid 90000.
    const p5 = book(90000, '1', at(6000));
    expect(p5('ret_1s_bps')).toBeCloseTo((-18 / 90018) * 10_000, 12); // at or before 5,000 ms: P4, 90018
    expect(p5('ret_5s_bps')).toBeCloseTo((-9 / 90009) * 10_000, 12); // at or before 1,000 ms: P2 exactly 5 s old, 90009
    expect(p5('ret_30s_bps')).toBe(0); // nothing at or before -24 s
    expect(p5('rv_1s_bps')).toBeCloseTo(Math.abs(r5), 12); // ts > 5,000 ms: P5
    expect(p5('rv_5s_bps')).toBeCloseTo(rss(r3, r5), 12); // ts > 1,000 ms: P2 exactly 5 s old is out
    expect(p5('rv_30s_bps')).toBeCloseTo(rss(r2, r3, r5), 12);
    expect(p5('time_since_mid_change_s')).toBe(0);

    // P6 at 30,000 ms, mid 90027: 1 s, 5 s and 30 s back are all 90000 (P5, P5, P0).
    const p6 = book(90027, '1', at(30_000));
    expect(p6('ret_1s_bps')).toBeCloseTo(3, 12); // 27 / 90000 x 10,000
    expect(p6('ret_5s_bps')).toBeCloseTo(3, 12);
    expect(p6('ret_30s_bps')).toBeCloseTo(3, 12); // at or before 0 ms: P0 exactly 30 s old
    expect(p6('ret_120s_bps')).toBe(0);
    expect(p6('rv_1s_bps')).toBeCloseTo(Math.abs(r6), 12);
    expect(p6('rv_5s_bps')).toBeCloseTo(Math.abs(r6), 12);
    expect(p6('rv_30s_bps')).toBeCloseTo(rss(r2, r3, r5, r6), 12); // ts > 0 ms
    expect(p6('rv_120s_bps')).toBeCloseTo(rss(r2, r3, r5, r6), 12);

    // 1 µs short of 120 s: the 120 s history does not reach back yet, the warm-up is not over.
    const early = book(90027, '1', micros(at(120_000) - 1));
    expect(early('ret_120s_bps')).toBe(0);
    expect(early('ret_30s_bps')).toBe(0); // at or before 89,999.999 ms: P6, 90027
    expect(early('rv_30s_bps')).toBe(0); // no change after 89,999.999 ms
    expect(early('rv_120s_bps')).toBeCloseTo(rss(r2, r3, r5, r6), 12);
    expect(early('time_since_mid_change_s')).toBeCloseTo(89.999999, 12); // (119,999,999 - 30,000,000) µs
    expect(engine.warm).toBe(false);

    // At 120,000 ms P0 is exactly 120 s old and answers.
    const p7 = book(90027, '1', at(120_000));
    expect(p7('ret_120s_bps')).toBeCloseTo(3, 12); // 27 / 90000 x 10,000
    expect(p7('time_since_mid_change_s')).toBe(90);
    expect(engine.warm).toBe(true);

    // At 121,000 ms: 120 s back (at or before 1,000 ms) is P2, 90009; P2's change leaves rv_120s.
    const p8 = book(90027, '1', at(121_000));
    expect(p8('ret_120s_bps')).toBeCloseTo((18 / 90009) * 10_000, 12);
    expect(p8('rv_120s_bps')).toBeCloseTo(rss(r3, r5, r6), 12);
    expect(p8('time_since_mid_change_s')).toBe(91);
  });
});

describe('price_pressure_5s', () => {
  /*
   * Mid 90000.0 (bid 89999.9, ask 90000.1); 10 bps of it is 90.0 USDT. Within the band: asks
   * 0.5 @ 90000.1, 1.5 @ 90050.0, 3 @ 90090.0 (exactly 10 bps, in) = 5 BTC, not 5 @ 90100.0;
   * bids 1 @ 89999.9, 2 @ 89950.0, 4 @ 89910.0 (exactly 10 bps, in) = 7 BTC, not 8 @ 89900.0.
   */
  const BIDS: RawLevel[] = [['89999.9', '1'], ['89950.0', '2'], ['89910.0', '4'], ['89900.0', '8']];
  const ASKS: RawLevel[] = [['90000.1', '0.5'], ['90050.0', '1.5'], ['90090.0', '3'], ['90100.0', '5']];

  it('divides the net taker volume of 5 s by the depth within 10 bps on the side it consumes', () => {
    const tape = new Tape({ features: ['price_pressure_5s'] });
    const pressure = (ts: Micros): number => valueOf(tape.book(BIDS, ASKS, ts), tape.engine, 'price_pressure_5s');

    expect(pressure(at(-100))).toBe(0); // no trades

    tape.trade('Buy', 900_001, 2000, at(0));
    tape.trade('Sell', 899_999, 500, at(1000));
    expect(pressure(at(1000))).toBeCloseTo(1.5 / 5, 12); // net 2 - 0.5 = +1.5 eats asks: 1.5 / 5

    tape.trade('Sell', 899_999, 9000, at(3000));
    expect(pressure(at(3000))).toBeCloseTo(-7.5 / 7, 12); // net 2 - 0.5 - 9 = -7.5 eats bids: -7.5 / 7
    expect(pressure(micros(at(5000) - 1))).toBeCloseTo(-7.5 / 7, 12); // the buy at 0 ms is 1 µs short of 5 s old
    expect(pressure(at(5000))).toBeCloseTo(-9.5 / 7, 12); // the buy is 5 s old, out: -0.5 - 9
    expect(pressure(at(8000))).toBe(0); // the sell at 3,000 ms is out too: no flow
  });

  it('falls back to the touch size when nothing rests within the band', () => {
    const tape = new Tape({ features: ['price_pressure_5s'] });
    // Bid 1 @ 89000.0, ask 2 @ 91000.0: mid 90000.0, both touches 1,000 USDT (111 bps) away.
    const bids: RawLevel[] = [['89000.0', '1']];
    const asks: RawLevel[] = [['91000.0', '2']];
    tape.trade('Buy', 910_000, 1500, at(0));
    expect(valueOf(tape.book(bids, asks, at(0)), tape.engine, 'price_pressure_5s')).toBeCloseTo(0.75, 12); // 1.5 / 2
    tape.trade('Sell', 890_000, 3000, at(100));
    expect(valueOf(tape.book(bids, asks, at(100)), tape.engine, 'price_pressure_5s')).toBeCloseTo(-1.5, 12); // (1.5 - 3) / 1
  });
});

describe('urgency_score', () => {
  /* urgency = tanh(ofi_1s_norm / 2 + trade_imbalance_1s + depth_imbalance_1). */
  it('adds touch OFI, taker imbalance and touch imbalance, then saturates through tanh', () => {
    // urgency_score alone: the engine builds the order-flow and trade calculators it reads.
    const alone = new Tape({ features: ['urgency_score'] });
    const tape = new Tape({ features: ['urgency_score', 'ofi_1s_norm', 'trade_imbalance_1s', 'depth_imbalance_1', 'price_pressure_5s'] });
    const both = (bids: RawLevel[], asks: RawLevel[], ts: Micros): ((name: string) => number) => {
      const a = alone.book(bids, asks, ts);
      const v = tape.book(bids, asks, ts);
      expect(valueOf(a, alone.engine, 'urgency_score')).toBe(valueOf(v, tape.engine, 'urgency_score'));
      return (name) => valueOf(v, tape.engine, name);
    };

    // U0 at 0: bid 3 @ 90000.0, ask 1 @ 90000.1. No OFI (first event), no trades, touch (3 - 1) / 4 = 0.5.
    const u0 = both([['90000.0', '3']], [['90000.1', '1']], at(0));
    expect(u0('depth_imbalance_1')).toBeCloseTo(0.5, 12);
    expect(u0('urgency_score')).toBeCloseTo(Math.tanh(0.5), 12);

    for (const t of [alone, tape]) t.trade('Sell', 900_000, 500, at(200));
    // U1 at 500 ms: bid same price 3 -> 1: e = +1 - 3 = -2; ask same 1 -> 1: 0. ofi_1s = -2 BTC over mean
    // depth ((3 + 1) / 2 + (1 + 1) / 2) / 2 = 1.5: -4/3. Taker imbalance (0 - 0.5) / 0.5 = -1. Touch (1 - 1) / 2 = 0.
    const u1 = both([['90000.0', '1']], [['90000.1', '1']], at(500));
    expect(u1('ofi_1s_norm')).toBeCloseTo(-4 / 3, 12);
    expect(u1('trade_imbalance_1s')).toBeCloseTo(-1, 12);
    expect(u1('depth_imbalance_1')).toBeCloseTo(0, 12);
    expect(u1('urgency_score')).toBeCloseTo(Math.tanh(-2 / 3 - 1 + 0), 12); // tanh(-5/3)
    // Net taker flow -0.5 eats bids; the bid 1 @ 90000.0 is 0.05 from the mid 90000.05, within 10 bps.
    expect(u1('price_pressure_5s')).toBeCloseTo(-0.5 / 1, 12);

    // U2 at 1,500 ms, the same book: U1 is exactly 1 s old, so the 1 s window holds only U2 (e = 0);
    // the trade at 200 ms is out. tanh(0 + 0 + 0) = 0.
    const u2 = both([['90000.0', '1']], [['90000.1', '1']], at(1500));
    expect(u2('ofi_1s_norm')).toBeCloseTo(0, 12);
    expect(u2('trade_imbalance_1s')).toBe(0);
    expect(u2('urgency_score')).toBeCloseTo(0, 12);
  });
});

describe('FeatureEngine.reset', () => {
  it('forgets every window of the flow and price groups', () => {
    const tape = new Tape({ groups: ['flow', 'price'] });
    const { engine } = tape;
    const value = (v: FeatureVector, name: string): number => valueOf(v, engine, name);

    // R0 at 0: bid 2 @ 90000.0, ask 1 @ 90000.2.
    tape.book([['90000.0', '2']], [['90000.2', '1']], at(0));
    tape.trade('Buy', 900_002, 1000, at(100));
    // R1 at 200 ms: bid same 2 -> 3: OFI and MLOFI e = +1.
    tape.book([['90000.0', '3']], [['90000.2', '1']], at(200));
    // R2 at 300 ms: a new best bid 1 @ 90000.1: OFI e = +1 (bid up); MLOFI e = +1 (level 1 up) + 3
    // (level 2 appears at 90000.0). Mid 90000.1 -> 90000.15.
    const before = tape.book([['90000.1', '1'], ['90000.0', '3']], [['90000.2', '1']], at(300));
    expect(value(before, 'ofi_1s')).toBeCloseTo(2, 12); // 0 + 1 + 1
    expect(value(before, 'mlofi_1s')).toBeCloseTo(5, 12); // 0 + 1 + 4
    expect(value(before, 'trade_rate_1s')).toBe(1);
    expect(value(before, 'largest_trade_30s')).toBeCloseTo(1, 12);
    expect(value(before, 'rv_1s_bps')).toBeCloseTo(10_000 * Math.abs(Math.log(1_800_003 / 1_800_002)), 12);
    expect(value(before, 'price_pressure_5s')).toBeCloseTo(1, 12); // net +1 BTC over the ask 1 @ 90000.2

    engine.reset();
    expect(engine.warm).toBe(false);

    // R3 at 1,250 ms: bid 2 @ 90000.1, 3 @ 90000.0, ask 1 @ 90000.2, the mid still 90000.15. Without the
    // reset OFI would add e = +2 - 1, the mid 1 s back would be R1's 90000.1, the mid would have been
    // still for 0.95 s, the change at 300 ms would be in rv and the trade at 100 ms in the 5 s and 30 s
    // windows. After it, the event is a first one: no predecessor, no trades, no history.
    const after = tape.book([['90000.1', '2'], ['90000.0', '3']], [['90000.2', '1']], at(1250));
    for (const name of engine.schema.names) {
      if (name === 'urgency_score') continue;
      expect(value(after, name), name).toBeCloseTo(0, 12);
    }
    expect(value(after, 'urgency_score')).toBeCloseTo(Math.tanh((2 - 1) / 3), 12); // only the touch term is left
  });

  it('restarts the warm-up', () => {
    const tape = new Tape({ features: ['ofi_100ms'] }); // warm-up 100 ms
    const bids: RawLevel[] = [['90000.0', '1']];
    const asks: RawLevel[] = [['90000.1', '1']];
    tape.book(bids, asks, at(0));
    tape.book(bids, asks, at(200));
    expect(tape.engine.warm).toBe(true); // 200 ms >= 100 ms
    tape.engine.reset();
    tape.book(bids, asks, at(300));
    expect(tape.engine.warm).toBe(false); // the warm-up restarts at 300 ms
    tape.book(bids, asks, at(400));
    expect(tape.engine.warm).toBe(true); // 100 ms since 300 ms
  });
});
