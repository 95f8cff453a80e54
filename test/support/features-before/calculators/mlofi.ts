import type { Micros } from '../../../../domain/values/units.ts';
import { EVERY_OUTPUT, type BookEvent, type FeatureCalculator, type Units, type WantedOutput } from '../calculator.ts';
import { FLOW_WINDOWS, MLOFI_LEVELS } from '../../../../domain/features/definitions.ts';
import { TimeWindowSums } from '../../../../domain/features/time-window.ts';

/**
 * Multi-level order-flow imbalance (Xu, Gould & Howison 2018, "Multi-Level Order-Flow Imbalance in a
 * Limit Order Book"): the Cont–Kukanov–Stoikov increment e_n computed for the m-th best bid and ask
 * of consecutive books, m = 1..10, summed over the levels (equal weights) and over trailing windows,
 * in base currency. A level a side does not have counts as size 0 at price 0 (bids) or +infinity
 * (asks): a level that appears adds its size, one that disappears removes it.
 */
export class MlofiCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = FLOW_WINDOWS.map(([label]) => `mlofi_${label}`);
  readonly values = new Float64Array(FLOW_WINDOWS.length);
  private readonly windows = FLOW_WINDOWS.map(([, span]) => new TimeWindowSums(span as Micros));
  private readonly prevBidTicks = new Float64Array(MLOFI_LEVELS);
  private readonly prevBidLots = new Float64Array(MLOFI_LEVELS);
  private readonly prevAskTicks = new Float64Array(MLOFI_LEVELS);
  private readonly prevAskLots = new Float64Array(MLOFI_LEVELS);
  private hasPrev = false;
  /** Per window, whether anything reads it: unread ones are not kept. */
  private readonly windowRead: boolean[];

  constructor(
    private readonly units: Units,
    wanted: WantedOutput = EVERY_OUTPUT,
  ) {
    this.windowRead = FLOW_WINDOWS.map(([label]) => wanted(`mlofi_${label}`));
  }

  onBook(e: BookEvent): void {
    let sum = 0;
    const bids = e.bids;
    const asks = e.asks;
    for (let m = 0; m < MLOFI_LEVELS; m++) {
      const hasBid = m < bids.count;
      const hasAsk = m < asks.count;
      const bidTicks: number = hasBid ? bids.ticksAt(m) : 0;
      const bidLots: number = hasBid ? bids.lotsAt(m) : 0;
      const askTicks: number = hasAsk ? asks.ticksAt(m) : Infinity;
      const askLots: number = hasAsk ? asks.lotsAt(m) : 0;
      if (this.hasPrev) {
        const pb = this.prevBidTicks[m];
        const pa = this.prevAskTicks[m];
        if (bidTicks >= pb) sum += bidLots;
        if (bidTicks <= pb) sum -= this.prevBidLots[m];
        if (askTicks <= pa) sum -= askLots;
        if (askTicks >= pa) sum += this.prevAskLots[m];
      }
      this.prevBidTicks[m] = bidTicks;
      this.prevBidLots[m] = bidLots;
      this.prevAskTicks[m] = askTicks;
      this.prevAskLots[m] = askLots;
    }
    this.hasPrev = true;
    for (let w = 0; w < this.windows.length; w++) {
      if (!this.windowRead[w]) continue;
      const win = this.windows[w];
      win.push(e.ts, sum, 0);
      this.values[w] = win.totalA * this.units.lotSize;
    }
  }

  onTrade(): void {}

  reset(): void {
    this.hasPrev = false;
    for (const w of this.windows) w.evictAll();
    this.values.fill(0);
  }
}
