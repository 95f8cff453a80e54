import { SECOND, type BookEvent, type FeatureCalculator, type Units } from '../calculator.ts';
import { LaggedValue } from '../../../../domain/features/lagged-value.ts';
import type { Micros } from '../../../../domain/values/units.ts';

const LAG = SECOND as Micros;

/**
 * How fast the queues at the touch grow or shrink: the size at each best price now minus the size at the
 * best price one second of venue time ago, per second. When the touch moved, that compares different
 * price levels, which is what a queue-position model needs (the queue it would stand in). 0 until a
 * second of history exists.
 */
export class QueueCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = ['touch_qty_bid_rate_1s', 'touch_qty_ask_rate_1s'];
  readonly values = new Float64Array(2);
  private readonly bid = new LaggedValue(LAG);
  private readonly ask = new LaggedValue(LAG);

  constructor(private readonly units: Units) {}

  onBook(e: BookEvent): void {
    this.bid.push(e.ts, e.bidQty);
    this.ask.push(e.ts, e.askQty);
    const perSecond = (this.units.lotSize * SECOND) / LAG;
    this.values[0] = (e.bidQty - this.bid.at(e.ts, e.bidQty)) * perSecond;
    this.values[1] = (e.askQty - this.ask.at(e.ts, e.askQty)) * perSecond;
  }

  onTrade(): void {}

  reset(): void {
    this.bid.clear();
    this.ask.clear();
    this.values.fill(0);
  }
}
