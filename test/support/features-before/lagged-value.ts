import type { Micros } from '../../../domain/values/units.ts';
import { doubled, wrap } from './ring.ts';

/**
 * The value a series had `lag` of venue time ago: the last value pushed at or before `now - lag`.
 * Pushes arrive in time order; entries older than the one that answers are dropped as time moves on,
 * so each is stored once and read in O(1) amortised, with no rescan of history.
 */
export class LaggedValue {
  private times: Float64Array;
  private values: Float64Array;
  private head = 0;
  private size = 0;

  constructor(
    readonly lag: Micros,
    initialCapacity = 64,
  ) {
    if (!(lag > 0)) throw new RangeError(`lag must be positive, got ${lag}`);
    this.times = new Float64Array(initialCapacity);
    this.values = new Float64Array(initialCapacity);
  }

  push(ts: Micros, value: number): void {
    if (this.size === this.times.length) this.grow();
    const i = wrap(this.head + this.size, this.times.length);
    this.times[i] = ts;
    this.values[i] = value;
    this.size++;
  }

  /**
   * The value as of `now - lag`, or `fallback` while the series does not reach back that far (the
   * feature's warm-up). `now` must not go backwards between calls.
   */
  at(now: Micros, fallback: number): number {
    const limit = now - this.lag;
    const cap = this.times.length;
    // Keep the newest entry at or before the limit at the front: older ones can never answer again.
    while (this.size >= 2 && this.times[wrap(this.head + 1, cap)] <= limit) {
      this.head = wrap(this.head + 1, cap);
      this.size--;
    }
    return this.size > 0 && this.times[this.head] <= limit ? this.values[this.head] : fallback;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }

  private grow(): void {
    [this.times, this.values] = doubled([this.times, this.values], this.head, this.size);
    this.head = 0;
  }
}
