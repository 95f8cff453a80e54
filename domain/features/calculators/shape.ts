import type { LevelsView } from '../../market/order-book.ts';
import { BPS, type BookEvent, type FeatureCalculator, type Units } from '../calculator.ts';
import { DEPTH_BANDS_BPS, IMBALANCE_LEVELS, SLOPE_LEVELS } from '../definitions.ts';

const OUTPUTS = [
  'spread_ticks',
  'spread_bps',
  'mid_price',
  'wmid_offset_ticks',
  ...IMBALANCE_LEVELS.map((n) => `depth_imbalance_${n}`),
  ...DEPTH_BANDS_BPS.flatMap((b) => [`depth_bid_${b}bps`, `depth_ask_${b}bps`]),
  'book_slope_bid',
  'book_slope_ask',
  'touch_qty_bid',
  'touch_qty_ask',
];

const DEEPEST_LEVEL = IMBALANCE_LEVELS[IMBALANCE_LEVELS.length - 1];
const WIDEST_BAND = DEPTH_BANDS_BPS[DEPTH_BANDS_BPS.length - 1];
const BAND_COUNT = DEPTH_BANDS_BPS.length;
const LEVEL_COUNT = IMBALANCE_LEVELS.length;

/**
 * What one pass over a side gathers, best level outward: cumulative size at each imbalance depth, size
 * within each band around the mid, and the sums of the slope's least-squares fit. All sizes in lots.
 */
class SidePass {
  readonly cumAtLevels = new Float64Array(IMBALANCE_LEVELS.length);
  readonly withinBand = new Float64Array(DEPTH_BANDS_BPS.length);
  slopeXY = 0;
  slopeXX = 0;

  /**
   * Walks `side` until both the deepest imbalance level and the widest band are passed. `dir` is +1 for
   * bids, -1 for asks; distances from the mid are kept doubled (2 * |price - mid| = |2 price - mid2|) and
   * scaled by 1e4 so they stay exact integers, and a band of b bps holds a level when 2d * 1e4 <= b * mid2.
   */
  run(side: LevelsView, dir: 1 | -1, mid2: number): void {
    const levels = this.cumAtLevels;
    const bands = this.withinBand;
    const n = side.count;
    const widest = WIDEST_BAND * mid2;
    let cum = 0;
    let nextLevel = 0;
    let band = 0;
    // Distances grow from the touch outward, so each band closes once, at the first level beyond it.
    let bandLimit = DEPTH_BANDS_BPS[0] * mid2;
    let xy = 0;
    let xx = 0;
    let i = 0;
    for (; i < n; i++) {
      const scaled = dir * (mid2 - 2 * side.ticksAt(i)) * BPS;
      if (i >= DEEPEST_LEVEL && scaled > widest) break;
      while (band < BAND_COUNT && scaled > bandLimit) {
        bands[band++] = cum;
        if (band < BAND_COUNT) bandLimit = DEPTH_BANDS_BPS[band] * mid2;
      }
      cum += side.lotsAt(i);
      if (nextLevel < LEVEL_COUNT && i + 1 === IMBALANCE_LEVELS[nextLevel]) levels[nextLevel++] = cum;
      if (i < SLOPE_LEVELS) {
        // Distance from the mid in bps (scaled / mid2 is distance / mid x 1e4); cumulative size in lots.
        const x = scaled / mid2;
        xy += x * cum;
        xx += x * x;
      }
    }
    // A side shallower than a level, or ending inside a band, counts all it has.
    while (nextLevel < LEVEL_COUNT) levels[nextLevel++] = cum;
    while (band < BAND_COUNT) bands[band++] = cum;
    this.slopeXY = xy;
    this.slopeXX = xx;
  }
}

/** Spread, mid, weighted mid, depth imbalances, depth bands, slopes and touch sizes of the current book. */
export class ShapeCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = OUTPUTS;
  readonly values = new Float64Array(OUTPUTS.length);
  private readonly bidPass = new SidePass();
  private readonly askPass = new SidePass();

  constructor(private readonly units: Units) {}

  onBook(e: BookEvent): void {
    const v = this.values;
    const { lotSize, tickSize } = this.units;
    const spread = e.ask - e.bid;
    const touchDepth = e.bidQty + e.askQty;
    let k = 0;
    v[k++] = spread;
    v[k++] = ((2 * spread) / e.mid2) * BPS;
    v[k++] = (e.mid2 / 2) * tickSize;
    // W - M = S (I - 1/2) = S (qb - qa) / (2 (qb + qa)).
    v[k++] = (spread * (e.bidQty - e.askQty)) / (2 * touchDepth);
    this.bidPass.run(e.bids, 1, e.mid2);
    this.askPass.run(e.asks, -1, e.mid2);
    const b = this.bidPass;
    const a = this.askPass;
    for (let i = 0; i < IMBALANCE_LEVELS.length; i++) v[k++] = imbalance(b.cumAtLevels[i], a.cumAtLevels[i]);
    for (let i = 0; i < DEPTH_BANDS_BPS.length; i++) {
      v[k++] = b.withinBand[i] * lotSize;
      v[k++] = a.withinBand[i] * lotSize;
    }
    v[k++] = slope(b) * lotSize;
    v[k++] = slope(a) * lotSize;
    v[k++] = e.bidQty * lotSize;
    v[k++] = e.askQty * lotSize;
  }

  onTrade(): void {}

  reset(): void {}
}

function imbalance(bid: number, ask: number): number {
  const total = bid + ask;
  return total > 0 ? (bid - ask) / total : 0;
}

/** Cumulative size per bps of distance; 0 when every level sits at the mid's distance 0 (impossible in an uncrossed book). */
function slope(pass: SidePass): number {
  return pass.slopeXX > 0 ? pass.slopeXY / pass.slopeXX : 0;
}
