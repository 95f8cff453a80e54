import { describe, expect, it } from 'vitest';
import type { RawLevel } from '../../domain/market/market-event.ts';
import type { FeatureVector } from '../../domain/features/feature-vector.ts';
import { micros, type Micros } from '../../domain/values/units.ts';
import { Tape, valueOf } from '../support/feature-tape.ts';

/*
 * Order-flow and trade features pinned to values worked out by hand. Every book event is a full
 * snapshot, so each step's comment shows the whole book. Sizes are in BTC (1,000 lots of 0.001) and
 * prices in USDT (ticks of 0.1); times are venue milliseconds after T0. Windows hold an entry when
 * `ts > now - span`: an entry exactly one span old is out.
 */

/** Venue time origin, in microseconds. */
const T0 = 1_700_000_000_000_000;
/** `n` milliseconds of venue time after T0, in microseconds. */
const at = (n: number): Micros => micros(T0 + n * 1000);


const OFI = ['ofi_100ms', 'ofi_1s', 'ofi_5s', 'ofi_30s', 'ofi_1s_norm'];

describe('ofi_* (Cont–Kukanov–Stoikov e_n at the touch)', () => {
  /*
   * e_n = 1{Pb_n >= Pb_n-1} qb_n - 1{Pb_n <= Pb_n-1} qb_n-1 - 1{Pa_n <= Pa_n-1} qa_n + 1{Pa_n >= Pa_n-1} qa_n-1
   * Touch depth d_n = (qb_n + qa_n) / 2; ofi_1s_norm = ofi_1s / mean of d_n over the same window.
   */
  it('sums e_n event by event over each window, through every branch', () => {
    const tape = new Tape(OFI);
    const { engine } = tape;
    const ofi = (v: FeatureVector, name: string): number => valueOf(v, engine, name);

    // E0 at 0: bids 2 @ 90000.0, 1 @ 89999.9; asks 1 @ 90000.2, 3 @ 90000.3.
    // No predecessor: e0 = 0. d0 = (2 + 1) / 2 = 1.5.
    const e0 = tape.book([['90000.0', '2'], ['89999.9', '1']], [['90000.2', '1'], ['90000.3', '3']], at(0));
    for (const name of OFI) expect(ofi(e0, name), name).toBeCloseTo(0, 12);
    expect(engine.warm).toBe(false);

    // E1 at 100 ms: bid same price, 2 -> 3: +3 - 2; ask same price, 1 -> 1: -1 + 1. e1 = +1. d1 = (3 + 1) / 2 = 2.
    const e1 = tape.book([['90000.0', '3'], ['89999.9', '1']], [['90000.2', '1'], ['90000.3', '3']], at(100));
    expect(ofi(e1, 'ofi_100ms')).toBeCloseTo(1, 12); // E0 is exactly 100 ms old, out: e1 = 1
    expect(ofi(e1, 'ofi_1s')).toBeCloseTo(1, 12); // e0 + e1 = 0 + 1
    expect(ofi(e1, 'ofi_5s')).toBeCloseTo(1, 12);
    expect(ofi(e1, 'ofi_30s')).toBeCloseTo(1, 12);
    expect(ofi(e1, 'ofi_1s_norm')).toBeCloseTo(1 / ((1.5 + 2) / 2), 12); // 1 / 1.75 = 4/7

    // E2 at 150 ms: bid up to 0.5 @ 90000.1: +0.5 (no second term); ask same price, 1 -> 2: -2 + 1.
    // e2 = 0.5 - 1 = -0.5. d2 = (0.5 + 2) / 2 = 1.25.
    const e2 = tape.book(
      [['90000.1', '0.5'], ['90000.0', '3'], ['89999.9', '1']],
      [['90000.2', '2'], ['90000.3', '3']],
      at(150),
    );
    expect(ofi(e2, 'ofi_100ms')).toBeCloseTo(0.5, 12); // ts > 50 ms: e1 + e2 = 1 - 0.5
    expect(ofi(e2, 'ofi_1s')).toBeCloseTo(0.5, 12); // 0 + 1 - 0.5
    expect(ofi(e2, 'ofi_5s')).toBeCloseTo(0.5, 12);
    expect(ofi(e2, 'ofi_30s')).toBeCloseTo(0.5, 12);
    expect(ofi(e2, 'ofi_1s_norm')).toBeCloseTo(0.5 / ((1.5 + 2 + 1.25) / 3), 12); // 0.5 / (4.75 / 3) = 6/19

    // E3 at 1,100 ms: bid down (90000.1 gone, best 3 @ 90000.0): -0.5 (previous size only);
    // ask up (90000.2 gone, best 3 @ 90000.3): +2 (previous size only). e3 = +1.5. d3 = (3 + 3) / 2 = 3.
    const e3 = tape.book([['90000.0', '3'], ['89999.9', '1']], [['90000.3', '3']], at(1100));
    expect(ofi(e3, 'ofi_100ms')).toBeCloseTo(1.5, 12); // ts > 1,000 ms: e3
    expect(ofi(e3, 'ofi_1s')).toBeCloseTo(1, 12); // ts > 100 ms (E1 exactly 1 s old, out): e2 + e3 = -0.5 + 1.5
    expect(ofi(e3, 'ofi_5s')).toBeCloseTo(2, 12); // 0 + 1 - 0.5 + 1.5
    expect(ofi(e3, 'ofi_30s')).toBeCloseTo(2, 12);
    expect(ofi(e3, 'ofi_1s_norm')).toBeCloseTo(1 / ((1.25 + 3) / 2), 12); // 1 / 2.125 = 8/17

    // E4 at 6,000 ms: bid same, 3 -> 3: 0; ask down to 0.25 @ 90000.1: -0.25 (new size only).
    // e4 = -0.25. d4 = (3 + 0.25) / 2 = 1.625.
    const e4 = tape.book([['90000.0', '3'], ['89999.9', '1']], [['90000.1', '0.25'], ['90000.3', '3']], at(6000));
    expect(ofi(e4, 'ofi_100ms')).toBeCloseTo(-0.25, 12);
    expect(ofi(e4, 'ofi_1s')).toBeCloseTo(-0.25, 12); // ts > 5,000 ms: e4
    expect(ofi(e4, 'ofi_5s')).toBeCloseTo(1.25, 12); // ts > 1,000 ms: e3 + e4 = 1.5 - 0.25
    expect(ofi(e4, 'ofi_30s')).toBeCloseTo(1.75, 12); // 0 + 1 - 0.5 + 1.5 - 0.25
    expect(ofi(e4, 'ofi_1s_norm')).toBeCloseTo(-0.25 / 1.625, 12); // = -2/13
    expect(engine.warm).toBe(false); // 6 s of the 30 s warm-up

    // E5 at 30,100 ms: the same book: bid +3 - 3, ask -0.25 + 0.25. e5 = 0.
    const e5 = tape.book([['90000.0', '3'], ['89999.9', '1']], [['90000.1', '0.25'], ['90000.3', '3']], at(30_100));
    expect(ofi(e5, 'ofi_100ms')).toBeCloseTo(0, 12);
    expect(ofi(e5, 'ofi_1s')).toBeCloseTo(0, 12);
    expect(ofi(e5, 'ofi_5s')).toBeCloseTo(0, 12); // ts > 25,100 ms: e5
    expect(ofi(e5, 'ofi_30s')).toBeCloseTo(0.75, 12); // ts > 100 ms (E1 exactly 30 s old, out): -0.5 + 1.5 - 0.25 + 0
    expect(ofi(e5, 'ofi_1s_norm')).toBeCloseTo(0, 12); // 0 / 1.625
    expect(engine.warm).toBe(true); // 30.1 s >= 30 s since the first event
  });

  it('keeps an event one microsecond short of the span and drops it at the span', () => {
    const tape = new Tape(['ofi_100ms']);
    const { engine } = tape;
    const bids: RawLevel[] = [['90000.0', '2']];
    const asks: RawLevel[] = [['90000.1', '1']];
    tape.book(bids, asks, at(0)); // e = 0
    // Bid same price, 2 -> 3: e = +3 - 2 = +1 at 10 ms.
    const bigger: RawLevel[] = [['90000.0', '3']];
    expect(valueOf(tape.book(bigger, asks, at(10)), engine, 'ofi_100ms')).toBeCloseTo(1, 12);
    // Same book (e = 0) at 110 ms - 1 µs: the +1 is 99.999 ms old, in.
    expect(valueOf(tape.book(bigger, asks, micros(at(110) - 1)), engine, 'ofi_100ms')).toBeCloseTo(1, 12);
    // At 110 ms it is exactly 100 ms old, out.
    expect(valueOf(tape.book(bigger, asks, at(110)), engine, 'ofi_100ms')).toBeCloseTo(0, 12);
  });

  it('gives ofi_1s_norm alone the value it has beside the other windows', () => {
    const tape = new Tape(['ofi_1s_norm']);
    tape.book([['90000.0', '2']], [['90000.2', '1']], at(0)); // d0 = 1.5
    // Bid same 2 -> 3: +1; ask same 1 -> 1: 0. e1 = 1, d1 = 2: 1 / 1.75.
    const v = tape.book([['90000.0', '3']], [['90000.2', '1']], at(100));
    expect(tape.engine.schema.names).toEqual(['ofi_1s_norm']);
    expect(valueOf(v, tape.engine, 'ofi_1s_norm')).toBeCloseTo(4 / 7, 12);
  });
});

const MLOFI = ['mlofi_100ms', 'mlofi_1s', 'mlofi_5s', 'mlofi_30s'];

describe('mlofi_* (e_n of each of the best ten levels, summed)', () => {
  /*
   * Level m of a side is the m-th best; a level a side lacks counts as size 0 at price 0 (bids) or
   * +infinity (asks), so a bid level that appears adds its size and an ask level that disappears adds
   * its previous size.
   */
  it('sums the per-level increments, with levels appearing and disappearing', () => {
    const tape = new Tape(MLOFI);
    const { engine } = tape;
    const m = (v: FeatureVector, name: string): number => valueOf(v, engine, name);

    // M0 at 0: bids 1 @ 90000.0, 2 @ 89999.9; asks 1 @ 90000.1, 2 @ 90000.2. No predecessor: 0.
    const m0 = tape.book([['90000.0', '1'], ['89999.9', '2']], [['90000.1', '1'], ['90000.2', '2']], at(0));
    for (const name of MLOFI) expect(m(m0, name), name).toBeCloseTo(0, 12);

    // M1 at 50 ms: bid level 3 appears, 5 @ 89999.8 (price 0 -> 89999.8, up): +5.
    // Ask level 1 same price, 1 -> 3: -3 + 1 = -2. Every other level unchanged: 0. e1 = +3.
    const m1 = tape.book(
      [['90000.0', '1'], ['89999.9', '2'], ['89999.8', '5']],
      [['90000.1', '3'], ['90000.2', '2']],
      at(50),
    );
    for (const name of MLOFI) expect(m(m1, name), name).toBeCloseTo(3, 12); // 0 + 3

    // M2 at 120 ms: the ask at 90000.1 is taken out, asks shift up a rank.
    // Ask level 1: 3 @ 90000.1 -> 2 @ 90000.2 (up): +3. Ask level 2: 2 @ 90000.2 -> none (+inf, up): +2.
    // Bids unchanged: 0. e2 = +5.
    const m2 = tape.book(
      [['90000.0', '1'], ['89999.9', '2'], ['89999.8', '5']],
      [['90000.2', '2']],
      at(120),
    );
    expect(m(m2, 'mlofi_100ms')).toBeCloseTo(8, 12); // ts > 20 ms: e1 + e2 = 3 + 5
    expect(m(m2, 'mlofi_1s')).toBeCloseTo(8, 12); // 0 + 3 + 5
    expect(m(m2, 'mlofi_5s')).toBeCloseTo(8, 12);
    expect(m(m2, 'mlofi_30s')).toBeCloseTo(8, 12);

    // M3 at 1,200 ms: bid level 1 same price, 1 -> 1.5: +1.5 - 1 = +0.5. Bid level 3 disappears
    // (89999.8 -> price 0, down): -5. Ask level 1: 2 @ 90000.2 -> 1 @ 90000.1 (down): -1.
    // Ask level 2 appears: +inf -> 2 @ 90000.2 (down): -2. e3 = 0.5 - 5 - 1 - 2 = -7.5.
    const m3 = tape.book([['90000.0', '1.5'], ['89999.9', '2']], [['90000.1', '1'], ['90000.2', '2']], at(1200));
    expect(m(m3, 'mlofi_100ms')).toBeCloseTo(-7.5, 12); // ts > 1,100 ms: e3
    expect(m(m3, 'mlofi_1s')).toBeCloseTo(-7.5, 12); // ts > 200 ms: e3
    expect(m(m3, 'mlofi_5s')).toBeCloseTo(0.5, 12); // 0 + 3 + 5 - 7.5
    expect(m(m3, 'mlofi_30s')).toBeCloseTo(0.5, 12);

    // M4 at 5,120 ms: the same book, every level +q - q: e4 = 0.
    const m4 = tape.book([['90000.0', '1.5'], ['89999.9', '2']], [['90000.1', '1'], ['90000.2', '2']], at(5120));
    expect(m(m4, 'mlofi_100ms')).toBeCloseTo(0, 12);
    expect(m(m4, 'mlofi_1s')).toBeCloseTo(0, 12);
    expect(m(m4, 'mlofi_5s')).toBeCloseTo(-7.5, 12); // ts > 120 ms (M2 exactly 5 s old, out): e3 + e4
    expect(m(m4, 'mlofi_30s')).toBeCloseTo(0.5, 12); // 0 + 3 + 5 - 7.5 + 0
  });

  it('reads the tenth level and ignores the eleventh', () => {
    const tape = new Tape(['mlofi_100ms']);
    // Eleven bids of 1 BTC from 90000.0 down one tick at a time: level 10 is 89999.1, level 11 is 89999.0.
    const bids = (tenth: string, eleventh: string): RawLevel[] =>
      Array.from({ length: 11 }, (_, k): RawLevel => [((900_000 - k) / 10).toFixed(1), k === 9 ? tenth : k === 10 ? eleventh : '1']);
    const asks: RawLevel[] = [['90000.1', '1']];
    tape.book(bids('1', '1'), asks, at(0));
    // Level 11, 1 -> 4: not one of the best ten, e = 0.
    expect(valueOf(tape.book(bids('1', '4'), asks, at(10)), tape.engine, 'mlofi_100ms')).toBeCloseTo(0, 12);
    // Level 10 same price, 1 -> 4: +4 - 1 = +3.
    expect(valueOf(tape.book(bids('4', '4'), asks, at(20)), tape.engine, 'mlofi_100ms')).toBeCloseTo(3, 12);
  });
});

const TRADES = [
  'trade_imbalance_1s', 'trade_imbalance_5s', 'trade_imbalance_30s',
  'trade_rate_1s', 'trade_rate_5s', 'trade_rate_30s',
  'trade_volume_rate_1s', 'trade_volume_rate_5s', 'trade_volume_rate_30s',
  'vwap_mid_bps_5s', 'vwap_mid_bps_30s',
  'largest_trade_5s', 'largest_trade_30s',
];

describe('trade_* , vwap_mid_bps_*, largest_trade_* (public trades over trailing windows)', () => {
  /*
   * The book stays at bid 1 @ 90000.0, ask 1 @ 90000.2: mid 90000.1. Trades (price ticks, size lots):
   *   T1    0 ms  Buy  0.5  @ 90000.2
   *   T2  400 ms  Sell 1.5  @ 90000.0
   *   T3 4500 ms  Buy  2.0  @ 90000.3
   *   T4 20000 ms Sell 0.25 @ 90000.0
   * vwap_mid_bps = (VWAP - mid) / mid * 10,000.
   */
  const MID = 90000.1;
  const bps = (usdt: number): number => (usdt / MID) * 10_000;

  it('counts, weighs and drops trades at each book event', () => {
    const tape = new Tape(TRADES);
    const { engine } = tape;
    const bids: RawLevel[] = [['90000.0', '1']];
    const asks: RawLevel[] = [['90000.2', '1']];
    const book = (ms: number): ((name: string) => number) => {
      const v = tape.book(bids, asks, at(ms));
      return (name) => valueOf(v, engine, name);
    };

    // No trade yet: every value is 0.
    const b = book(-500);
    for (const name of TRADES) expect(b(name), name).toBe(0);

    tape.trade('Buy', 900_002, 500, at(0)); // T1
    // A trade shows from the next book event, not before.
    const b0 = book(0);
    expect(b0('trade_imbalance_1s')).toBeCloseTo(1, 12); // (0.5 - 0) / 0.5
    expect(b0('trade_rate_1s')).toBe(1); // 1 trade / 1 s
    expect(b0('trade_rate_5s')).toBeCloseTo(0.2, 12); // 1 / 5 s
    expect(b0('trade_rate_30s')).toBeCloseTo(1 / 30, 12);
    expect(b0('trade_volume_rate_1s')).toBeCloseTo(0.5, 12); // 0.5 BTC / 1 s
    expect(b0('trade_volume_rate_5s')).toBeCloseTo(0.1, 12); // 0.5 / 5
    expect(b0('trade_volume_rate_30s')).toBeCloseTo(0.5 / 30, 12);
    expect(b0('vwap_mid_bps_5s')).toBeCloseTo(bps(0.1), 12); // 90000.2 - 90000.1
    expect(b0('vwap_mid_bps_30s')).toBeCloseTo(bps(0.1), 12);
    expect(b0('largest_trade_5s')).toBeCloseTo(0.5, 12);
    expect(b0('largest_trade_30s')).toBeCloseTo(0.5, 12);

    tape.trade('Sell', 900_000, 1500, at(400)); // T2
    // 1 µs short of 1 s after T1: T1 and T2 both in the 1 s window.
    const edge = tape.book(bids, asks, micros(at(1000) - 1));
    expect(valueOf(edge, engine, 'trade_imbalance_1s')).toBeCloseTo(-0.5, 12); // (0.5 - 1.5) / 2
    expect(valueOf(edge, engine, 'trade_rate_1s')).toBe(2); // 2 / 1 s
    expect(valueOf(edge, engine, 'trade_volume_rate_1s')).toBeCloseTo(2, 12); // (0.5 + 1.5) / 1 s

    // At 1,000 ms T1 is exactly 1 s old: out of the 1 s window, in the others.
    const b1 = book(1000);
    expect(b1('trade_imbalance_1s')).toBeCloseTo(-1, 12); // (0 - 1.5) / 1.5
    expect(b1('trade_rate_1s')).toBe(1);
    expect(b1('trade_volume_rate_1s')).toBeCloseTo(1.5, 12);
    expect(b1('trade_imbalance_5s')).toBeCloseTo(-0.5, 12); // (0.5 - 1.5) / 2
    expect(b1('trade_rate_5s')).toBeCloseTo(0.4, 12); // 2 / 5
    expect(b1('trade_volume_rate_5s')).toBeCloseTo(0.4, 12); // 2 BTC / 5 s
    expect(b1('trade_imbalance_30s')).toBeCloseTo(-0.5, 12);
    expect(b1('trade_rate_30s')).toBeCloseTo(2 / 30, 12);
    expect(b1('trade_volume_rate_30s')).toBeCloseTo(2 / 30, 12);
    // VWAP (0.5 x 90000.2 + 1.5 x 90000.0) / 2 = 180000.1 / 2 = 90000.05; minus the mid: -0.05.
    expect(b1('vwap_mid_bps_5s')).toBeCloseTo(bps(-0.05), 12);
    expect(b1('vwap_mid_bps_30s')).toBeCloseTo(bps(-0.05), 12);
    expect(b1('largest_trade_5s')).toBeCloseTo(1.5, 12);
    expect(b1('largest_trade_30s')).toBeCloseTo(1.5, 12);

    tape.trade('Buy', 900_003, 2000, at(4500)); // T3
    // At 5,000 ms: 1 s window (ts > 4,000 ms) holds T3; 5 s window (ts > 0, T1 exactly 5 s old, out)
    // holds T2, T3; 30 s window holds T1, T2, T3.
    const b2 = book(5000);
    expect(b2('trade_imbalance_1s')).toBeCloseTo(1, 12); // (2 - 0) / 2
    expect(b2('trade_rate_1s')).toBe(1);
    expect(b2('trade_volume_rate_1s')).toBeCloseTo(2, 12);
    expect(b2('trade_imbalance_5s')).toBeCloseTo(1 / 7, 12); // (2 - 1.5) / 3.5
    expect(b2('trade_rate_5s')).toBeCloseTo(0.4, 12); // 2 / 5
    expect(b2('trade_volume_rate_5s')).toBeCloseTo(0.7, 12); // 3.5 / 5
    expect(b2('trade_imbalance_30s')).toBeCloseTo(0.25, 12); // (0.5 + 2 - 1.5) / 4
    expect(b2('trade_rate_30s')).toBeCloseTo(0.1, 12); // 3 / 30
    expect(b2('trade_volume_rate_30s')).toBeCloseTo(4 / 30, 12);
    // 5 s: (1.5 x 90000.0 + 2 x 90000.3) / 3.5 = 315000.6 / 3.5; 315000.6 - 3.5 x 90000.1 = 0.25, so VWAP - mid = 0.25 / 3.5 = 1/14.
    expect(b2('vwap_mid_bps_5s')).toBeCloseTo(bps(1 / 14), 12);
    // 30 s: (45000.1 + 135000.0 + 180000.6) / 4 = 360000.7 / 4 = 90000.175; minus the mid: 0.075.
    expect(b2('vwap_mid_bps_30s')).toBeCloseTo(bps(0.075), 12);
    expect(b2('largest_trade_5s')).toBeCloseTo(2, 12);
    expect(b2('largest_trade_30s')).toBeCloseTo(2, 12);
    expect(engine.warm).toBe(false); // 5.5 s of the 30 s warm-up since the first book event at -500 ms

    tape.trade('Sell', 900_000, 250, at(20_000)); // T4
    // At 30,400 ms: 1 s and 5 s windows (ts > 25,400 ms) are empty; 30 s window (ts > 400 ms, T2 exactly
    // 30 s old, out) holds T3, T4.
    const b3 = book(30_400);
    for (const name of ['trade_imbalance_1s', 'trade_rate_1s', 'trade_volume_rate_1s', 'trade_imbalance_5s', 'trade_rate_5s',
      'trade_volume_rate_5s', 'vwap_mid_bps_5s', 'largest_trade_5s']) {
      expect(b3(name), name).toBe(0);
    }
    expect(b3('trade_imbalance_30s')).toBeCloseTo(7 / 9, 12); // (2 - 0.25) / 2.25
    expect(b3('trade_rate_30s')).toBeCloseTo(2 / 30, 12);
    expect(b3('trade_volume_rate_30s')).toBeCloseTo(0.075, 12); // 2.25 / 30
    // (2 x 90000.3 + 0.25 x 90000.0) / 2.25 = 202500.6 / 2.25; 202500.6 - 2.25 x 90000.1 = 0.375; 0.375 / 2.25 = 1/6.
    expect(b3('vwap_mid_bps_30s')).toBeCloseTo(bps(1 / 6), 12);
    expect(b3('largest_trade_30s')).toBeCloseTo(2, 12);
    expect(engine.warm).toBe(true); // 30.9 s >= 30 s

    // At 34,500 ms T3, the largest, is exactly 30 s old and leaves; the smaller T4 stays.
    const b4 = book(34_500);
    expect(b4('largest_trade_30s')).toBeCloseTo(0.25, 12);
    expect(b4('trade_imbalance_30s')).toBeCloseTo(-1, 12); // (0 - 0.25) / 0.25
    expect(b4('trade_rate_30s')).toBeCloseTo(1 / 30, 12);
    expect(b4('trade_volume_rate_30s')).toBeCloseTo(0.25 / 30, 12);
    expect(b4('vwap_mid_bps_30s')).toBeCloseTo(bps(-0.1), 12); // 90000.0 - 90000.1

    // At 50,000 ms T4 is exactly 30 s old: every window is empty again.
    const b5 = book(50_000);
    for (const name of TRADES) expect(b5(name), name).toBe(0);
  });
});
