import type { Micros } from '../../values/units.ts';
import { EVERY_OUTPUT, type BookEvent, type CalculatorLookup, type FeatureCalculator, type Units, type WantedOutput } from '../calculator.ts';
import { FLOW_WINDOWS } from '../definitions.ts';
import { TimeWindowSums } from '../time-window.ts';
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
  private readonly windows = FLOW_WINDOWS.map(([, span]) => new TimeWindowSums(span as Micros));
  private readonly levels: LevelsCalculator;
  /** Per window, whether anything reads it: unread ones are not kept. */
  private readonly windowRead: boolean[];

  constructor(
    private readonly units: Units,
    lookup: CalculatorLookup,
    wanted: WantedOutput = EVERY_OUTPUT,
  ) {
    // The shared pass over the levels has already taken each level's increment.
    this.levels = lookup('levels') as LevelsCalculator;
    this.windowRead = FLOW_WINDOWS.map(([label]) => wanted(`mlofi_${label}`));
  }

  onBook(e: BookEvent): void {
    const sum = this.levels.mlofi;
    for (let w = 0; w < this.windows.length; w++) {
      if (!this.windowRead[w]) continue;
      const win = this.windows[w];
      win.push(e.ts, sum, 0);
      this.values[w] = win.totalA * this.units.lotSize;
    }
  }

  reset(): void {
    for (const w of this.windows) w.evictAll();
    this.values.fill(0);
  }
}
