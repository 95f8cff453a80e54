import { BPS, type BookEvent, type CalculatorLookup, type FeatureCalculator, type Units } from '../calculator.ts';
import { LIQUIDITY_SIZES } from '../definitions.ts';
import type { LevelsCalculator, SideLevels } from './levels.ts';

const OUTPUTS = LIQUIDITY_SIZES.flatMap(([label]) => [`liq_cost_buy_${label}_bps`, `liq_cost_sell_${label}_bps`]);

/**
 * The cost of taking each size by walking the book, in bps of the mid: buying pays the asks' average
 * price above the mid, selling receives the bids' average below it; both are positive. Where the book
 * holds less than the size, the rest is priced at the last level it has: a floor on the true cost, and
 * always finite. The walk itself is the shared pass over the levels (`LevelsCalculator`), which runs
 * first and walks only to the largest size anything reads.
 */
export class LiquidityCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = OUTPUTS;
  readonly values = new Float64Array(OUTPUTS.length);
  private readonly bids: SideLevels;
  private readonly asks: SideLevels;
  /** Sizes in lots, ascending, as the walk took them. */
  private readonly sizes: Float64Array;

  constructor(_units: Units, lookup: CalculatorLookup) {
    const levels = lookup('levels') as LevelsCalculator;
    this.bids = levels.bids;
    this.asks = levels.asks;
    this.sizes = levels.sizes;
  }

  onBook(e: BookEvent): void {
    const n = this.sizes.length;
    const buy = this.asks.costs;
    const sell = this.bids.costs;
    for (let i = 0; i < n; i++) this.values[2 * i] = ((2 * buy[i]) / this.sizes[i] - e.mid2) / e.mid2 * BPS;
    for (let i = 0; i < n; i++) this.values[2 * i + 1] = (e.mid2 - (2 * sell[i]) / this.sizes[i]) / e.mid2 * BPS;
  }

  reset(): void {}
}
