import type { Micros } from '../../../../domain/values/units.ts';
import { BPS, EVERY_OUTPUT, SECOND, type BookEvent, type FeatureCalculator, type WantedOutput } from '../calculator.ts';
import { RETURN_WINDOWS } from '../../../../domain/features/definitions.ts';
import { LaggedValue } from '../../../../domain/features/lagged-value.ts';
import { TimeWindowSums } from '../../../../domain/features/time-window.ts';

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
  /** Per window: (squared log change in bps^2, 0), one entry per change of the mid. */
  private readonly squares = RETURN_WINDOWS.map(([, span]) => new TimeWindowSums(span as Micros));
  private prevMid2 = 0;
  private lastChange = 0;
  /** Per window, whether anything reads its return and its volatility: unread ones are not kept. */
  private readonly returnRead: boolean[];
  private readonly volatilityRead: boolean[];

  constructor(wanted: WantedOutput = EVERY_OUTPUT) {
    this.returnRead = RETURN_WINDOWS.map(([label]) => wanted(`ret_${label}_bps`));
    this.volatilityRead = RETURN_WINDOWS.map(([label]) => wanted(`rv_${label}_bps`));
  }

  onBook(e: BookEvent): void {
    const n = RETURN_WINDOWS.length;
    const v = this.values;
    const mid2 = e.mid2;
    if (this.prevMid2 === 0) {
      this.lastChange = e.ts;
    } else if (mid2 !== this.prevMid2) {
      const r = Math.log(mid2 / this.prevMid2) * BPS;
      for (let w = 0; w < n; w++) if (this.volatilityRead[w]) this.squares[w].push(e.ts, r * r, 0);
      this.lastChange = e.ts;
    }
    this.prevMid2 = mid2;
    for (let w = 0; w < n; w++) {
      if (this.returnRead[w]) {
        const lag = this.lagged[w];
        lag.push(e.ts, mid2);
        const then = lag.at(e.ts, mid2);
        v[w] = ((mid2 - then) / then) * BPS;
      }
      if (this.volatilityRead[w]) {
        const s = this.squares[w];
        s.advance(e.ts);
        // Running sums can drift a few ulps below zero after evictions.
        v[n + w] = Math.sqrt(Math.max(0, s.totalA));
      }
    }
    v[2 * n] = (e.ts - this.lastChange) / SECOND;
  }

  onTrade(): void {}

  reset(): void {
    for (const l of this.lagged) l.clear();
    for (const s of this.squares) s.evictAll();
    this.prevMid2 = 0;
    this.lastChange = 0;
    this.values.fill(0);
  }
}
