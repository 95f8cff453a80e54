import type { Micros } from '../../../domain/values/units.ts';
import { doubled, wrap } from './ring.ts';

/**
 * The largest value pushed within a sliding window of venue time, by a monotonic deque: each push
 * drops the entries it dominates, so every value enters and leaves once (O(1) amortised) and the
 * maximum is always at the front. A value lies in the window when `ts > now - span`.
 */
export class WindowMax {
  private times: Float64Array;
  private values: Float64Array;
  private head = 0;
  private size = 0;

  constructor(
    readonly span: Micros,
    initialCapacity = 64,
  ) {
    if (!(span > 0)) throw new RangeError(`window span must be positive, got ${span}`);
    this.times = new Float64Array(initialCapacity);
    this.values = new Float64Array(initialCapacity);
  }

  push(ts: Micros, value: number): void {
    const cap = this.times.length;
    // Entries no larger than the new value can never be the maximum again: drop them from the back.
    while (this.size > 0 && this.values[wrap(this.head + this.size - 1, cap)] <= value) this.size--;
    if (this.size === cap) this.grow();
    const i = wrap(this.head + this.size, this.times.length);
    this.times[i] = ts;
    this.values[i] = value;
    this.size++;
    this.advance(ts);
  }

  /** Moves the window's end to `now`, evicting what fell out. */
  advance(now: Micros): void {
    const limit = now - this.span;
    const cap = this.times.length;
    while (this.size > 0 && this.times[this.head] <= limit) {
      this.head = wrap(this.head + 1, cap);
      this.size--;
    }
  }

  /** The largest value in the window; 0 when it is empty. */
  get max(): number {
    return this.size === 0 ? 0 : this.values[this.head];
  }

  get count(): number {
    return this.size;
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
