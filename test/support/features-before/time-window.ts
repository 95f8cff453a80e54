import type { Micros } from '../../../domain/values/units.ts';
import { wrap } from './ring.ts';

/**
 * Sums of (a, b) pairs over a sliding window of venue time, updated incrementally: each push adds to
 * the running sums and evicts what fell out of the window; nothing is rescanned. Storage is a ring
 * buffer that doubles when full, so the steady state allocates nothing.
 *
 * A pair lies in the window when `ts > now - span`, where `now` is the latest pushed time.
 */
export class TimeWindowSums {
  private times: Float64Array;
  private as: Float64Array;
  private bs: Float64Array;
  private head = 0; // index of the oldest entry
  private size = 0;
  private sumA = 0;
  private sumB = 0;

  constructor(
    readonly span: Micros,
    initialCapacity = 64,
  ) {
    if (!(span > 0)) throw new RangeError(`window span must be positive, got ${span}`);
    this.times = new Float64Array(initialCapacity);
    this.as = new Float64Array(initialCapacity);
    this.bs = new Float64Array(initialCapacity);
  }

  push(ts: Micros, a: number, b: number): void {
    if (this.size === this.times.length) this.grow();
    const i = wrap(this.head + this.size, this.times.length);
    this.times[i] = ts;
    this.as[i] = a;
    this.bs[i] = b;
    this.size++;
    this.sumA += a;
    this.sumB += b;
    this.evictBefore(ts - this.span);
  }

  /**
   * Moves the window's end to `now` without adding a pair: what fell out of it is evicted. Reading a
   * window at a book event's time after trades pushed at their own times needs this.
   */
  advance(now: Micros): void {
    this.evictBefore(now - this.span);
  }

  /** Drops entries at or before `limit`. */
  private evictBefore(limit: number): void {
    const cap = this.times.length;
    while (this.size > 0 && this.times[this.head] <= limit) {
      this.sumA -= this.as[this.head];
      this.sumB -= this.bs[this.head];
      this.head = wrap(this.head + 1, cap);
      this.size--;
    }
    // Running float sums drift; an empty window resets them to exact zero.
    if (this.size === 0) {
      this.sumA = 0;
      this.sumB = 0;
    }
  }

  /** Empties the window. */
  evictAll(): void {
    this.head = 0;
    this.size = 0;
    this.sumA = 0;
    this.sumB = 0;
  }

  private grow(): void {
    const cap = this.times.length;
    const times = new Float64Array(cap * 2);
    const as = new Float64Array(cap * 2);
    const bs = new Float64Array(cap * 2);
    for (let k = 0; k < this.size; k++) {
      const j = (this.head + k) % cap;
      times[k] = this.times[j]!;
      as[k] = this.as[j]!;
      bs[k] = this.bs[j]!;
    }
    this.times = times;
    this.as = as;
    this.bs = bs;
    this.head = 0;
  }

  get count(): number {
    return this.size;
  }
  get totalA(): number {
    return this.sumA;
  }
  get totalB(): number {
    return this.sumB;
  }
}
