import type { Micros } from '../../values/units.ts';
import { BPS, EVERY_OUTPUT, SECOND, type BookEvent, type FeatureCalculator, type WantedOutput } from '../calculator.ts';
import { RETURN_WINDOWS } from '../definitions.ts';
import { LaggedValue } from '../lagged-value.ts';
import { SpanSums } from '../span-sums.ts';

const OUTPUTS = [
  ...RETURN_WINDOWS.map(([label]) => `ret_${label}_bps`),
  ...RETURN_WINDOWS.map(([label]) => `rv_${label}_bps`),
  'time_since_mid_change_s',
];

/**
 * Price dynamics of the mid (kept doubled, exact in ticks): the simple return against the mid one
 * horizon of venue time ago, the realized volatility (root of the summed squared log changes of the mid
 * within the window, in bps), and the time since the mid last moved.
 */
export class ReturnsCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = OUTPUTS;
  readonly values = new Float64Array(OUTPUTS.length);
  private readonly lagged = RETURN_WINDOWS.map(([, span]) => new LaggedValue(span as Micros));
  /** Per window whose volatility is read: (squared log change in bps^2, 0), one entry per change of the mid. */
  private readonly squares: SpanSums;
  /** Per window of RETURN_WINDOWS, its place in `squares`; -1 when nothing reads its volatility. */
  private readonly squareSlot: Int32Array;
  private prevMid2 = 0;
  private lastChange = 0;
  /** Per window, whether anything reads its return and its volatility: unread ones are not kept. */
  private readonly returnRead: boolean[];

  constructor(wanted: WantedOutput = EVERY_OUTPUT) {
    this.returnRead = RETURN_WINDOWS.map(([label]) => wanted(`ret_${label}_bps`));
    const read = RETURN_WINDOWS.flatMap(([label], w) => (wanted(`rv_${label}_bps`) ? [w] : []));
    this.squares = new SpanSums(read.map((w) => RETURN_WINDOWS[w][1]));
    this.squareSlot = Int32Array.from(RETURN_WINDOWS, (_, w) => read.indexOf(w));
  }

  onBook(e: BookEvent): void {
    const n = RETURN_WINDOWS.length;
    const v = this.values;
    const mid2 = e.mid2;
    if (this.prevMid2 === 0) {
      this.lastChange = e.ts;
    } else if (mid2 !== this.prevMid2) {
      const r = Math.log(mid2 / this.prevMid2) * BPS;
      this.squares.push(e.ts, r * r, 0);
      this.lastChange = e.ts;
    }
    this.prevMid2 = mid2;
    const squares = this.squares;
    squares.advance(e.ts);
    for (let w = 0; w < n; w++) {
      if (this.returnRead[w]) {
        const lag = this.lagged[w];
        lag.push(e.ts, mid2);
        const then = lag.at(e.ts, mid2);
        v[w] = ((mid2 - then) / then) * BPS;
      }
      const k = this.squareSlot[w];
      if (k >= 0) {
        // Running sums can drift a few ulps below zero after evictions.
        v[n + w] = Math.sqrt(Math.max(0, squares.totalA(k)));
      }
    }
    v[2 * n] = (e.ts - this.lastChange) / SECOND;
  }

  reset(): void {
    for (const l of this.lagged) l.clear();
    this.squares.evictAll();
    this.prevMid2 = 0;
    this.lastChange = 0;
    this.values.fill(0);
  }
}
