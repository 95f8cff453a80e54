import type { Lots, Micros, Ticks } from '../../../../domain/values/units.ts';
import { EVERY_OUTPUT, type BookEvent, type FeatureCalculator, type Units, type WantedOutput } from '../calculator.ts';
import { FLOW_WINDOWS } from '../../../../domain/features/definitions.ts';
import { ofiIncrement } from '../../../../domain/features/order-flow-imbalance.ts';
import { TimeWindowSums } from '../../../../domain/features/time-window.ts';

/**
 * Cont–Kukanov–Stoikov OFI at the touch: each book event's e_n (`ofiIncrement`), summed over trailing
 * windows of venue time, in base currency; and over the last second divided by the mean touch depth
 * of the same events. The first event after a start or reset has no predecessor and adds e = 0.
 */
export class OfiCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = [...FLOW_WINDOWS.map(([label]) => `ofi_${label}`), 'ofi_1s_norm'];
  readonly values = new Float64Array(FLOW_WINDOWS.length + 1);
  /** Per window: (e_n, touch depth) in lots. */
  private readonly windows = FLOW_WINDOWS.map(([, span]) => new TimeWindowSums(span as Micros));
  private readonly oneSecond = FLOW_WINDOWS.findIndex(([label]) => label === '1s');
  private hasPrev = false;
  private readonly prev: { bid: Ticks; bidQty: Lots; ask: Ticks; askQty: Lots } = { bid: 0 as Ticks, bidQty: 0 as Lots, ask: 0 as Ticks, askQty: 0 as Lots };

  /** Per window, whether anything reads it (the 1 s window also feeds `ofi_1s_norm`): unread ones are not kept. */
  private readonly windowRead: boolean[];

  constructor(
    private readonly units: Units,
    wanted: WantedOutput = EVERY_OUTPUT,
  ) {
    this.windowRead = FLOW_WINDOWS.map(([label], w) => wanted(`ofi_${label}`) || (w === this.oneSecond && wanted('ofi_1s_norm')));
  }

  onBook(e: BookEvent): void {
    const p = this.prev;
    const inc = this.hasPrev ? ofiIncrement(p, e) : 0;
    this.hasPrev = true;
    p.bid = e.bid;
    p.bidQty = e.bidQty;
    p.ask = e.ask;
    p.askQty = e.askQty;
    const depth = (e.bidQty + e.askQty) / 2;
    const lotSize = this.units.lotSize;
    for (let w = 0; w < this.windows.length; w++) {
      if (!this.windowRead[w]) continue;
      const win = this.windows[w];
      win.push(e.ts, inc, depth);
      this.values[w] = win.totalA * lotSize;
    }
    if (!this.windowRead[this.oneSecond]) return;
    const second = this.windows[this.oneSecond];
    const meanDepth = second.totalB / second.count;
    this.values[this.windows.length] = meanDepth > 0 ? second.totalA / meanDepth : 0;
  }

  onTrade(): void {}

  reset(): void {
    this.hasPrev = false;
    for (const w of this.windows) w.evictAll();
    this.values.fill(0);
  }
}
