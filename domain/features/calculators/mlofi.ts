import { EVERY_OUTPUT, type BookEvent, type CalculatorLookup, type FeatureCalculator, type Units, type WantedOutput } from '../calculator.ts';
import { FLOW_WINDOWS } from '../definitions.ts';
import { SpanSums } from '../span-sums.ts';
import type { LevelsCalculator } from './levels.ts';

/**
 * Multi-level order-flow imbalance (Xu, Gould & Howison 2018, "Multi-Level Order-Flow Imbalance in a
 * Limit Order Book"): the Cont–Kukanov–Stoikov increment e_n computed for the m-th best bid and ask
 * of consecutive books, m = 1..10, summed over the levels (equal weights) and over trailing windows,
 * in base currency. A level a side does not have counts as size 0 at price 0 (bids) or +infinity
 * (asks): a level that appears adds its size, one that disappears removes it. The increments are
 * taken in the shared pass over the levels (`LevelsCalculator`); they are whole lots, so exact.
 */
export class MlofiCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = FLOW_WINDOWS.map(([label]) => `mlofi_${label}`);
  readonly values = new Float64Array(FLOW_WINDOWS.length);
  /** The windows anything reads, of (increment, 0) in lots. */
  private readonly windows: SpanSums;
  /** The read windows' indices in FLOW_WINDOWS, in order. */
  private readonly read: Int32Array;
  private readonly levels: LevelsCalculator;

  constructor(
    private readonly units: Units,
    lookup: CalculatorLookup,
    wanted: WantedOutput = EVERY_OUTPUT,
  ) {
    // The shared pass over the levels has already taken each level's increment.
    this.levels = lookup('levels') as LevelsCalculator;
    const read = FLOW_WINDOWS.flatMap(([label], w) => (wanted(`mlofi_${label}`) ? [w] : []));
    this.read = Int32Array.from(read);
    this.windows = new SpanSums(read.map((w) => FLOW_WINDOWS[w][1]));
  }

  onBook(e: BookEvent): void {
    const win = this.windows;
    win.push(e.ts, this.levels.mlofi, 0);
    for (let k = 0; k < this.read.length; k++) this.values[this.read[k]] = win.totalA(k) * this.units.lotSize;
  }

  reset(): void {
    this.windows.evictAll();
    this.values.fill(0);
  }
}
