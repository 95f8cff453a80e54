import type { LevelsView } from '../../market/order-book.ts';
import { BPS, EVERY_OUTPUT, type BookEvent, type FeatureCalculator, type Units, type WantedOutput } from '../calculator.ts';
import { FLOW_WINDOWS, IMBALANCE_LEVELS, LIQUIDITY_SIZES, MLOFI_LEVELS, SLOPE_LEVELS } from '../definitions.ts';

const DEEPEST_LEVEL = IMBALANCE_LEVELS[IMBALANCE_LEVELS.length - 1];
const LEVEL_COUNT = IMBALANCE_LEVELS.length;

/** What the walk over the levels needs to gather, from what is read of the calculators that use it. */
export interface LevelsNeeds {
  /** Cumulative size at each of IMBALANCE_LEVELS (the depth imbalances). */
  readonly cumulative: boolean;
  /** The sums of the slope's fit over SLOPE_LEVELS levels. */
  readonly slope: boolean;
  /** The multi-level order-flow increment over MLOFI_LEVELS levels. */
  readonly mlofi: boolean;
  /** Sizes to walk for the liquidity cost, in lots, ascending. */
  readonly sizes: Float64Array;
}

/** The liquidity sizes in lots up to the largest one anything reads: a smaller size's walk ends first. */
export function liquiditySizes(units: Units, wanted: WantedOutput): Float64Array {
  let read = 0;
  LIQUIDITY_SIZES.forEach(([label], i) => {
    if (wanted(`liq_cost_buy_${label}_bps`) || wanted(`liq_cost_sell_${label}_bps`)) read = i + 1;
  });
  return Float64Array.from(LIQUIDITY_SIZES.slice(0, read), ([, size]) => Math.max(1, Math.round(size / units.lotSize)));
}

export function levelsNeeds(units: Units, wanted: WantedOutput): LevelsNeeds {
  return {
    cumulative: IMBALANCE_LEVELS.some((n) => wanted(`depth_imbalance_${n}`)),
    slope: wanted('book_slope_bid') || wanted('book_slope_ask'),
    mlofi: FLOW_WINDOWS.some(([label]) => wanted(`mlofi_${label}`)),
    sizes: liquiditySizes(units, wanted),
  };
}

/**
 * What one walk over a side gathers, best level first, for the book shape, the liquidity cost and the
 * multi-level OFI. All sizes in lots, prices in ticks.
 */
export class SideLevels {
  readonly cumAtLevels = new Float64Array(LEVEL_COUNT);
  slopeXY = 0;
  slopeXX = 0;
  /** `costs[i]`: ticks x lots paid for `sizes[i]` lots. */
  readonly costs: Float64Array;
  /** This side's part of the MLOFI increment since the previous walk, in lots; 0 on the first. */
  mlofi = 0;
  /** The best MLOFI_LEVELS levels of the previous walk: a missing level is size 0 at `missingTicks`. */
  private readonly prevTicks = new Float64Array(MLOFI_LEVELS);
  private readonly prevLots = new Float64Array(MLOFI_LEVELS);
  /** How many of the best levels each quantity reads (0 when nothing reads it); the slope reads the cumulative size. */
  private readonly cumDepth: number;
  private readonly slopeDepth: number;
  private readonly mlofiDepth: number;

  /**
   * `dir` is +1 for bids and -1 for asks; `missingTicks` is where a level the side does not have
   * sits for the MLOFI: price 0 for a bid, +infinity for an ask.
   */
  constructor(
    private readonly dir: 1 | -1,
    private readonly missingTicks: number,
    private readonly sizes: Float64Array,
    needs: LevelsNeeds,
  ) {
    this.costs = new Float64Array(sizes.length);
    this.cumDepth = needs.cumulative ? DEEPEST_LEVEL : needs.slope ? SLOPE_LEVELS : 0;
    this.slopeDepth = needs.slope ? SLOPE_LEVELS : 0;
    this.mlofiDepth = needs.mlofi ? MLOFI_LEVELS : 0;
  }

  /**
   * One pass over the levels for everything read of them. Each quantity is accumulated level by level
   * in the order its own calculator walked before, so it comes out bit for bit the same; those that
   * are sums of whole lots (and ticks x lots) are exact in any case.
   */
  walk(side: LevelsView, mid2: number, hasPrev: boolean): void {
    const { dir, sizes, costs, cumDepth, slopeDepth, mlofiDepth, prevTicks, prevLots } = this;
    const count = side.count;
    const fixedDepth = Math.min(count, Math.max(cumDepth, mlofiDepth));
    const levels = this.cumAtLevels;
    const nSizes = sizes.length;
    // Loop invariants in locals: V8 does not hoist a module binding's load or a parameter's unboxing
    // out of a loop, and checked them again on every level.
    const bps = BPS;
    const m2 = +mid2;
    let cum = 0;
    let nextLevel = 0;
    let nextAt: number = IMBALANCE_LEVELS[0];
    let xy = 0;
    let xx = 0;
    // The liquidity walk: the next size to close, lots taken and ticks x lots paid so far, and the last price.
    let next = 0;
    let taken = 0;
    let paid = 0;
    let price = 0;
    let flow = 0;
    for (let i = 0; i < count && (i < fixedDepth || next < nSizes); i++) {
      const ticks: number = side.ticksAt(i);
      const lots: number = side.lotsAt(i);
      if (i < cumDepth) {
        cum += lots;
        if (i + 1 === nextAt) {
          levels[nextLevel++] = cum;
          nextAt = nextLevel < LEVEL_COUNT ? IMBALANCE_LEVELS[nextLevel] : 0;
        }
        if (i < slopeDepth) {
          // Distance from the mid in bps (|2p - mid2| / mid2 is distance / mid); cumulative size in lots.
          const x = ((dir * (m2 - 2 * ticks)) * bps) / m2;
          xy += x * cum;
          xx += x * x;
        }
      }
      if (next < nSizes) {
        price = ticks;
        let rest = lots;
        // Close every size this level completes, then carry the rest of the level on.
        while (next < nSizes && taken + rest >= sizes[next]) {
          const part = sizes[next] - taken;
          paid += part * ticks;
          taken += part;
          rest -= part;
          costs[next++] = paid;
        }
        paid += rest * ticks;
        taken += rest;
      }
      if (i < mlofiDepth) {
        // The Cont–Kukanov–Stoikov increment of level i (see mlofiStep), written out here.
        if (hasPrev) {
          const p = prevTicks[i];
          let e = 0;
          if (dir === 1) {
            if (ticks >= p) e += lots;
            if (ticks <= p) e -= prevLots[i];
          } else {
            if (ticks <= p) e -= lots;
            if (ticks >= p) e += prevLots[i];
          }
          flow += e;
        }
        prevTicks[i] = ticks;
        prevLots[i] = lots;
      }
    }
    // A side shallower than a level counts all it has.
    while (nextLevel < LEVEL_COUNT) levels[nextLevel++] = cum;
    this.slopeXY = xy;
    this.slopeXX = xx;
    // Where the book holds less than a size, the rest is priced at the last level it has.
    for (; next < nSizes; next++) costs[next] = paid + (sizes[next] - taken) * price;
    for (let m = Math.min(count, mlofiDepth); m < mlofiDepth; m++) flow += this.mlofiStep(m, this.missingTicks, 0, hasPrev);
    this.mlofi = flow;
  }

  /**
   * The Cont–Kukanov–Stoikov increment of level m of this side, in lots: for a bid, its size when the
   * price did not fall, less the previous size when it did not rise; for an ask the mirror image.
   */
  private mlofiStep(m: number, ticks: number, lots: number, hasPrev: boolean): number {
    let e = 0;
    if (hasPrev) {
      const p = this.prevTicks[m];
      if (this.dir === 1) {
        if (ticks >= p) e += lots;
        if (ticks <= p) e -= this.prevLots[m];
      } else {
        if (ticks <= p) e -= lots;
        if (ticks >= p) e += this.prevLots[m];
      }
    }
    this.prevTicks[m] = ticks;
    this.prevLots[m] = lots;
    return e;
  }
}

/**
 * The walk over the book's levels that the shape, liquidity and MLOFI calculators share: one pass a
 * side reads each level once, where each calculator walking on its own read the best levels again.
 * It has no outputs of its own; those calculators read its sides.
 */
export class LevelsCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = [];
  readonly values = new Float64Array(0);
  readonly bids: SideLevels;
  readonly asks: SideLevels;
  /** The liquidity sizes walked, in lots, ascending. */
  readonly sizes: Float64Array;
  private hasPrev = false;

  constructor(units: Units, wanted: WantedOutput = EVERY_OUTPUT) {
    const needs = levelsNeeds(units, wanted);
    this.sizes = needs.sizes;
    this.bids = new SideLevels(1, 0, needs.sizes, needs);
    this.asks = new SideLevels(-1, Infinity, needs.sizes, needs);
  }

  onBook(e: BookEvent): void {
    this.bids.walk(e.bids, e.mid2, this.hasPrev);
    this.asks.walk(e.asks, e.mid2, this.hasPrev);
    this.hasPrev = true;
  }

  /** The MLOFI increment of the last book event over the best MLOFI_LEVELS levels, in lots. */
  get mlofi(): number {
    return this.bids.mlofi + this.asks.mlofi;
  }

  reset(): void {
    this.hasPrev = false;
  }
}
