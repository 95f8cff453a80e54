import type { BookEvent, CalculatorLookup, FeatureCalculator } from '../calculator.ts';
import { TRADE_WINDOWS } from '../definitions.ts';
import type { OfiCalculator } from './ofi.ts';
import type { ShapeCalculator } from './shape.ts';
import type { TradesCalculator } from './trades.ts';

const FIVE_SECONDS = TRADE_WINDOWS.findIndex(([label]) => label === '5s');

/**
 * The outputs of other calculators this one reads, so that they are kept even where no feature names
 * them: `netLots` of the 5 s window is the taker volume behind `trade_imbalance_5s`, and the depth
 * within 10 bps is that of `depth_bid_10bps` and `depth_ask_10bps`.
 */
export const PRESSURE_READS: readonly string[] = [
  'trade_imbalance_5s',
  'trade_imbalance_1s',
  'ofi_1s_norm',
  'depth_imbalance_1',
  'depth_bid_10bps',
  'depth_ask_10bps',
];

/**
 * Two scores built from the other calculators, which the engine runs first:
 * - `price_pressure_5s`: net taker volume of the last 5 s over the size resting within 10 bps of the
 *   mid on the side that flow consumes (the asks for net buying), signed like the flow. Above 1 the
 *   flow would have swept the nearby book. When that band is empty the touch size stands in.
 * - `urgency_score`: tanh(ofi_1s_norm / 2 + trade_imbalance_1s + depth_imbalance_1). Each term says
 *   buyers are pressing (queue flow, taker flow, resting size), the sum saturates through tanh into
 *   (-1, 1); near +1 a buyer who waits at the bid is likely to see the price leave, so should cross now,
 *   near -1 the same for a seller, near 0 passive execution costs little. The halving keeps ofi_1s_norm,
 *   which is not bounded, from drowning the two bounded terms.
 */
export class PressureCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = ['price_pressure_5s', 'urgency_score'];
  readonly values = new Float64Array(2);
  private readonly trades: TradesCalculator;
  private readonly ofi: OfiCalculator;
  private readonly shape: ShapeCalculator;
  private readonly ofiNormIndex: number;
  private readonly touchImbalanceIndex: number;
  private readonly imbalance1sIndex: number;

  constructor(lookup: CalculatorLookup) {
    this.trades = lookup('trades') as TradesCalculator;
    this.ofi = lookup('ofi') as OfiCalculator;
    // The book-shape pass has already measured the depth within 10 bps of each side: no second walk.
    this.shape = lookup('shape') as ShapeCalculator;
    this.touchImbalanceIndex = this.shape.outputs.indexOf('depth_imbalance_1');
    this.ofiNormIndex = this.ofi.outputs.indexOf('ofi_1s_norm');
    this.imbalance1sIndex = this.trades.outputs.indexOf('trade_imbalance_1s');
  }

  onBook(e: BookEvent): void {
    const net = this.trades.netLots(FIVE_SECONDS);
    if (net === 0) {
      this.values[0] = 0;
    } else {
      let depth = net > 0 ? this.shape.askLotsWithin10Bps : this.shape.bidLotsWithin10Bps;
      if (depth === 0) depth = net > 0 ? e.askQty : e.bidQty;
      this.values[0] = net / depth;
    }
    const touch = this.shape.values[this.touchImbalanceIndex];
    this.values[1] = Math.tanh(this.ofi.values[this.ofiNormIndex] / 2 + this.trades.values[this.imbalance1sIndex] + touch);
  }

  reset(): void {
    this.values.fill(0);
  }
}
