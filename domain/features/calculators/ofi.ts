import type { Lots, Ticks } from '../../values/units.ts';
import { EVERY_OUTPUT, type BookEvent, type FeatureCalculator, type Units, type WantedOutput } from '../calculator.ts';
import { FLOW_WINDOWS } from '../definitions.ts';
import { ofiIncrement } from '../order-flow-imbalance.ts';
import { SpanSums } from '../span-sums.ts';

/**
 * Cont–Kukanov–Stoikov OFI at the touch: each book event's e_n (`ofiIncrement`), summed over trailing
 * windows of venue time, in base currency; and over the last second divided by the mean touch depth
 * of the same events. The first event after a start or reset has no predecessor and adds e = 0.
 */
export class OfiCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = [...FLOW_WINDOWS.map(([label]) => `ofi_${label}`), 'ofi_1s_norm'];
  readonly values = new Float64Array(FLOW_WINDOWS.length + 1);
  /** Per read window: (e_n, touch depth) in lots. */
  private readonly windows: SpanSums;
  /** The read windows' indices in FLOW_WINDOWS, in order. */
  private readonly read: Int32Array;
  private readonly oneSecond = FLOW_WINDOWS.findIndex(([label]) => label === '1s');
  /** The 1 s window's place among the read ones; -1 when nothing reads it. */
  private readonly oneSecondSlot: number;
  private hasPrev = false;
  private readonly prev: { bid: Ticks; bidQty: Lots; ask: Ticks; askQty: Lots } = { bid: 0 as Ticks, bidQty: 0 as Lots, ask: 0 as Ticks, askQty: 0 as Lots };

  constructor(
    private readonly units: Units,
    wanted: WantedOutput = EVERY_OUTPUT,
  ) {
    // A window is kept when anything reads it (the 1 s window also feeds `ofi_1s_norm`).
    const read = FLOW_WINDOWS.flatMap(([label], w) => (wanted(`ofi_${label}`) || (w === this.oneSecond && wanted('ofi_1s_norm')) ? [w] : []));
    this.read = Int32Array.from(read);
    this.windows = new SpanSums(read.map((w) => FLOW_WINDOWS[w][1]));
    this.oneSecondSlot = read.indexOf(this.oneSecond);
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
    const win = this.windows;
    win.push(e.ts, inc, depth);
    for (let k = 0; k < this.read.length; k++) this.values[this.read[k]] = win.totalA(k) * lotSize;
    const second = this.oneSecondSlot;
    if (second < 0) return;
    const meanDepth = win.totalB(second) / win.count(second);
    this.values[FLOW_WINDOWS.length] = meanDepth > 0 ? win.totalA(second) / meanDepth : 0;
  }

  reset(): void {
    this.hasPrev = false;
    this.windows.evictAll();
    this.values.fill(0);
  }
}
