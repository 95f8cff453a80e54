import type { BookEvent, FeatureCalculator } from '../calculator.ts';
import { MicroPriceEstimator } from '../../../../domain/features/micro-price.ts';

/**
 * Stoikov's micro-price offset from the mid, in ticks, from an estimator that learns the (imbalance,
 * spread) transitions of this market as it runs: ten imbalance buckets, spreads of one and two ticks,
 * re-estimated every 500 book events, six terms of the series (P6). 0 until the first estimate.
 */
export class MicroPriceCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = ['microprice_offset_ticks'];
  readonly values = new Float64Array(1);
  private readonly estimator = new MicroPriceEstimator({ imbalanceBuckets: 10, maxSpreadTicks: 2, refreshEvery: 500, iterations: 6 });

  onBook(e: BookEvent): void {
    this.estimator.observe(e.bid, e.bidQty, e.ask, e.askQty);
    this.values[0] = this.estimator.offsetTicks(e.bid, e.bidQty, e.ask, e.askQty);
  }

  onTrade(): void {}

  reset(): void {
    this.estimator.reset();
    this.values[0] = 0;
  }
}
