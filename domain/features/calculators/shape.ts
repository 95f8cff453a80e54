import type { LevelsView } from '../../market/order-book.ts';
import { BPS, type BookEvent, type CalculatorLookup, type FeatureCalculator, type Units } from '../calculator.ts';
import { DEPTH_BANDS_BPS, IMBALANCE_LEVELS } from '../definitions.ts';
import type { LevelsCalculator, SideLevels } from './levels.ts';

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

const BAND_COUNT = DEPTH_BANDS_BPS.length;
const TEN_BPS = DEPTH_BANDS_BPS.indexOf(10);

/** The size within each band around the mid on one side, in lots. */
class SideBands {
  readonly withinBand = new Float64Array(BAND_COUNT);
  /** Each band's reach from the touch, in ticks (negative when the band does not reach the touch). */
  private readonly distances = new Float64Array(BAND_COUNT);

  /**
   * `dir` is +1 for bids, -1 for asks. A level at price p lies within b bps of the mid when
   * |2p - mid2| * 1e4 <= b * mid2, that is for a bid p >= ceil(mid2 (1e4 - b) / 2e4) and for an ask
   * p <= floor(mid2 (1e4 + b) / 2e4): exact integer bounds (mid2 * 1e4 stays far below 2^53), turned
   * into distances from the touch for one pass over the side's arrays.
   */
  run(side: LevelsView, dir: 1 | -1, touch: number, mid2: number): void {
    for (let b = 0; b < BAND_COUNT; b++) {
      const bps = DEPTH_BANDS_BPS[b];
      this.distances[b] = dir === 1
        ? touch - Math.ceil((mid2 * (BPS - bps)) / (2 * BPS))
        : Math.floor((mid2 * (BPS + bps)) / (2 * BPS)) - touch;
    }
    side.cumulativeWithin(this.distances, this.withinBand);
  }
}

/** Spread, mid, weighted mid, depth imbalances, depth bands, slopes and touch sizes of the current book. */
export class ShapeCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = OUTPUTS;
  readonly values = new Float64Array(OUTPUTS.length);
  private readonly bidBands = new SideBands();
  private readonly askBands = new SideBands();
  /** The shared pass over the levels: cumulative sizes and the slope's sums, which it gathers first. */
  private readonly bids: SideLevels;
  private readonly asks: SideLevels;

  constructor(
    private readonly units: Units,
    lookup: CalculatorLookup,
  ) {
    const levels = lookup('levels') as LevelsCalculator;
    this.bids = levels.bids;
    this.asks = levels.asks;
  }

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
    this.bidBands.run(e.bids, 1, e.bid, e.mid2);
    this.askBands.run(e.asks, -1, e.ask, e.mid2);
    const b = this.bids;
    const a = this.asks;
    for (let i = 0; i < IMBALANCE_LEVELS.length; i++) v[k++] = imbalance(b.cumAtLevels[i], a.cumAtLevels[i]);
    for (let i = 0; i < DEPTH_BANDS_BPS.length; i++) {
      v[k++] = this.bidBands.withinBand[i] * lotSize;
      v[k++] = this.askBands.withinBand[i] * lotSize;
    }
    v[k++] = slope(b) * lotSize;
    v[k++] = slope(a) * lotSize;
    v[k++] = e.bidQty * lotSize;
    v[k++] = e.askQty * lotSize;
  }

  /** Size resting within 10 bps of the mid on each side, in lots, as of the last book event. */
  get bidLotsWithin10Bps(): number {
    return this.bidBands.withinBand[TEN_BPS];
  }

  get askLotsWithin10Bps(): number {
    return this.askBands.withinBand[TEN_BPS];
  }

  reset(): void {}
}

function imbalance(bid: number, ask: number): number {
  const total = bid + ask;
  return total > 0 ? (bid - ask) / total : 0;
}

/** Cumulative size per bps of distance; 0 when every level sits at the mid's distance 0 (impossible in an uncrossed book). */
function slope(pass: SideLevels): number {
  return pass.slopeXX > 0 ? pass.slopeXY / pass.slopeXX : 0;
}
