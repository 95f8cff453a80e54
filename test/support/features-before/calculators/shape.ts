import type { LevelsView } from '../../../../domain/market/order-book.ts';
import { BPS, type BookEvent, type FeatureCalculator, type Units } from '../calculator.ts';
import { DEPTH_BANDS_BPS, IMBALANCE_LEVELS, SLOPE_LEVELS } from '../../../../domain/features/definitions.ts';

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
const BAND_COUNT = DEPTH_BANDS_BPS.length;
const LEVEL_COUNT = IMBALANCE_LEVELS.length;
const TEN_BPS = DEPTH_BANDS_BPS.indexOf(10);

/**
 * What the walk over a side gathers: cumulative size at each imbalance depth, size within each band
 * around the mid, and the sums of the slope's least-squares fit. All sizes in lots.
 */
class SidePass {
  readonly cumAtLevels = new Float64Array(IMBALANCE_LEVELS.length);
  readonly withinBand = new Float64Array(DEPTH_BANDS_BPS.length);
  /** Each band's reach from the touch, in ticks (negative when the band does not reach the touch). */
  private readonly distances = new Float64Array(DEPTH_BANDS_BPS.length);
  slopeXY = 0;
  slopeXX = 0;

  /**
   * `dir` is +1 for bids, -1 for asks. A level at price p lies within b bps of the mid when
   * |2p - mid2| * 1e4 <= b * mid2, that is for a bid p >= ceil(mid2 (1e4 - b) / 2e4) and for an ask
   * p <= floor(mid2 (1e4 + b) / 2e4): exact integer bounds (mid2 * 1e4 stays far below 2^53), turned
   * into distances from the touch for one pass over the side's arrays.
   */
  run(side: LevelsView, dir: 1 | -1, mid2: number): void {
    const touch = side.ticksAt(0);
    for (let b = 0; b < BAND_COUNT; b++) {
      const bps = DEPTH_BANDS_BPS[b];
      this.distances[b] = dir === 1
        ? touch - Math.ceil((mid2 * (BPS - bps)) / (2 * BPS))
        : Math.floor((mid2 * (BPS + bps)) / (2 * BPS)) - touch;
    }
    side.cumulativeWithin(this.distances, this.withinBand);

    const levels = this.cumAtLevels;
    const n = Math.min(side.count, DEEPEST_LEVEL);
    let cum = 0;
    let nextLevel = 0;
    let xy = 0;
    let xx = 0;
    for (let i = 0; i < n; i++) {
      cum += side.lotsAt(i);
      if (i + 1 === IMBALANCE_LEVELS[nextLevel]) levels[nextLevel++] = cum;
      if (i < SLOPE_LEVELS) {
        // Distance from the mid in bps (|2p - mid2| / mid2 is distance / mid); cumulative size in lots.
        const x = ((dir * (mid2 - 2 * side.ticksAt(i))) * BPS) / mid2;
        xy += x * cum;
        xx += x * x;
      }
    }
    // A side shallower than a level counts all it has.
    while (nextLevel < LEVEL_COUNT) levels[nextLevel++] = cum;
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

  /** Size resting within 10 bps of the mid on each side, in lots, as of the last book event. */
  get bidLotsWithin10Bps(): number {
    return this.bidPass.withinBand[TEN_BPS];
  }

  get askLotsWithin10Bps(): number {
    return this.askPass.withinBand[TEN_BPS];
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
