import type { LevelsView } from '../../../../domain/market/order-book.ts';
import { BPS, EVERY_OUTPUT, type BookEvent, type FeatureCalculator, type Units, type WantedOutput } from '../calculator.ts';
import { LIQUIDITY_SIZES } from '../../../../domain/features/definitions.ts';

const OUTPUTS = LIQUIDITY_SIZES.flatMap(([label]) => [`liq_cost_buy_${label}_bps`, `liq_cost_sell_${label}_bps`]);

/**
 * The cost of taking each size by walking the book, in bps of the mid: buying pays the asks' average
 * price above the mid, selling receives the bids' average below it; both are positive. Where the book
 * holds less than the size, the rest is priced at the last level it has: a floor on the true cost, and
 * always finite.
 */
export class LiquidityCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = OUTPUTS;
  readonly values = new Float64Array(OUTPUTS.length);
  /**
   * Sizes in lots, ascending; at least one lot. Only up to the largest size anything reads: the walk
   * for a smaller size ends before a larger one's, and is the same whether it goes on or not.
   */
  private readonly sizes: Float64Array;
  private readonly costs = new Float64Array(LIQUIDITY_SIZES.length);

  constructor(units: Units, wanted: WantedOutput = EVERY_OUTPUT) {
    let read = 0;
    LIQUIDITY_SIZES.forEach(([label], i) => {
      if (wanted(`liq_cost_buy_${label}_bps`) || wanted(`liq_cost_sell_${label}_bps`)) read = i + 1;
    });
    this.sizes = Float64Array.from(LIQUIDITY_SIZES.slice(0, read), ([, size]) => Math.max(1, Math.round(size / units.lotSize)));
  }

  onBook(e: BookEvent): void {
    const n = this.sizes.length;
    this.walk(e.asks);
    for (let i = 0; i < n; i++) this.values[2 * i] = ((2 * this.costs[i]) / this.sizes[i] - e.mid2) / e.mid2 * BPS;
    this.walk(e.bids);
    for (let i = 0; i < n; i++) this.values[2 * i + 1] = (e.mid2 - (2 * this.costs[i]) / this.sizes[i]) / e.mid2 * BPS;
  }

  /** Fills `costs[i]` with the ticks x lots paid for `sizes[i]` lots, walking once for all sizes. */
  private walk(side: LevelsView): void {
    const sizes = this.sizes;
    let next = 0;
    let taken = 0;
    let paid = 0;
    let price = 0;
    for (let i = 0; i < side.count && next < sizes.length; i++) {
      price = side.ticksAt(i);
      let lots: number = side.lotsAt(i);
      // Close every size this level completes, then carry the rest of the level on.
      while (next < sizes.length && taken + lots >= sizes[next]) {
        const part = sizes[next] - taken;
        paid += part * price;
        taken += part;
        lots -= part;
        this.costs[next++] = paid;
      }
      paid += lots * price;
      taken += lots;
    }
    for (; next < sizes.length; next++) this.costs[next] = paid + (sizes[next] - taken) * price;
  }

  onTrade(): void {}

  reset(): void {}
}
