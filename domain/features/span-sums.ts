import type { Micros } from '../values/units.ts';
import { wrap } from './ring.ts';

/**
 * Sums of (a, b) pairs over several sliding windows of venue time that take the same series: a push
 * stores the pair once, and each window adds it and evicts what fell out of its own span, step for
 * step as a `TimeWindowSums` of that span would, so every window's sums come out bit for bit the same.
 * Where each window kept its own ring, every push wrote it once a window.
 *
 * A pair lies in window w when `ts > now - span[w]`. A wider window evicts with an earlier limit, so
 * from the same pushes it always holds a suffix at least as long as a narrower one's: the ring, which
 * doubles when full, is sized by the widest window.
 */
export class SpanSums {
  private times: Float64Array;
  private as: Float64Array;
  private bs: Float64Array;
  /** Ring slot of the next push. */
  private tail = 0;
  private readonly spans: Float64Array;
  /** Per window: ring slot of its oldest pair, its pair count and its running sums. */
  private readonly heads: Int32Array;
  private readonly sizes: Int32Array;
  private readonly sumsA: Float64Array;
  private readonly sumsB: Float64Array;
  private readonly widest: number;

  constructor(spans: readonly number[], initialCapacity = 64) {
    for (const span of spans) if (!(span > 0)) throw new RangeError(`window span must be positive, got ${span}`);
    this.spans = Float64Array.from(spans);
    const n = spans.length;
    this.heads = new Int32Array(n);
    this.sizes = new Int32Array(n);
    this.sumsA = new Float64Array(n);
    this.sumsB = new Float64Array(n);
    this.widest = spans.indexOf(Math.max(...spans));
    this.times = new Float64Array(initialCapacity);
    this.as = new Float64Array(initialCapacity);
    this.bs = new Float64Array(initialCapacity);
  }

  push(ts: Micros, a: number, b: number): void {
    if (this.widest >= 0 && this.sizes[this.widest] === this.times.length) this.grow();
    const i = this.tail;
    this.times[i] = ts;
    this.as[i] = a;
    this.bs[i] = b;
    this.tail = wrap(i + 1, this.times.length);
    for (let w = 0; w < this.spans.length; w++) {
      this.sizes[w]++;
      this.sumsA[w] += a;
      this.sumsB[w] += b;
      this.evictBefore(w, ts - this.spans[w]);
    }
  }

  /** Moves every window's end to `now` without adding a pair: what fell out of each is evicted. */
  advance(now: Micros): void {
    for (let w = 0; w < this.spans.length; w++) this.evictBefore(w, now - this.spans[w]);
  }

  /** Drops window w's entries at or before `limit`. */
  private evictBefore(w: number, limit: number): void {
    const { times, as, bs } = this;
    const cap = times.length;
    let head = this.heads[w];
    let size = this.sizes[w];
    if (size === 0 || times[head] > limit) return;
    let sumA = this.sumsA[w];
    let sumB = this.sumsB[w];
    while (size > 0 && times[head] <= limit) {
      sumA -= as[head];
      sumB -= bs[head];
      head = wrap(head + 1, cap);
      size--;
    }
    // Running float sums drift; an empty window resets them to exact zero.
    if (size === 0) {
      sumA = 0;
      sumB = 0;
    }
    this.heads[w] = head;
    this.sizes[w] = size;
    this.sumsA[w] = sumA;
    this.sumsB[w] = sumB;
  }

  /** Empties every window. */
  evictAll(): void {
    this.tail = 0;
    this.heads.fill(0);
    this.sizes.fill(0);
    this.sumsA.fill(0);
    this.sumsB.fill(0);
  }

  private grow(): void {
    const cap = this.times.length;
    const from = this.heads[this.widest];
    const size = this.sizes[this.widest];
    const times = new Float64Array(cap * 2);
    const as = new Float64Array(cap * 2);
    const bs = new Float64Array(cap * 2);
    for (let k = 0; k < size; k++) {
      const j = (from + k) % cap;
      times[k] = this.times[j];
      as[k] = this.as[j];
      bs[k] = this.bs[j];
    }
    // Every window ends at the next push's slot: its oldest pair is its count before it.
    for (let w = 0; w < this.spans.length; w++) this.heads[w] = size - this.sizes[w];
    this.times = times;
    this.as = as;
    this.bs = bs;
    this.tail = size;
  }

  span(w: number): number {
    return this.spans[w];
  }
  count(w: number): number {
    return this.sizes[w];
  }
  totalA(w: number): number {
    return this.sumsA[w];
  }
  totalB(w: number): number {
    return this.sumsB[w];
  }
}
