import type { Lots, Ticks } from '../../domain/values/units.ts';
import { INITIAL_CAPACITY, type LevelBuffer } from '../../domain/market/level-buffer.ts';
import type { BookSide } from '../../domain/market/book-side.ts';

/**
 * An insert or delete that shifts at most this many elements moves them in a loop: a `copyWithin` call
 * costs more than moving a few elements by hand, and less than moving many.
 */
const SHORT_MOVE = 32;

/**
 * `BookLevels` as it was before its price index (domain/market/book-side.ts): kept as the reference
 * `book-side.prop.test.ts` holds the indexed side to, query for query, after every step.
 *
 * One side of an L2 book as two parallel typed arrays, ticks and lots, sorted from the worst price to
 * the best: the touch is the LAST level. The levels sit in the middle of the arrays, in `[lo, lo + n)`,
 * with free room at both ends, so an insert or delete shifts whichever part is shorter, the levels
 * behind it toward the touch or those before it toward the far end: Bybit's updates land mostly near
 * the touch, a synthetic book's mostly deep, and either way few levels move. A binary search finds any
 * level in at most ten steps for Bybit's depth of at most 1000. Bids are stored ascending, asks
 * descending; `dir` (+1 for bids, -1 for asks) turns both into one ascending order of `dir * price`,
 * so one search serves both sides.
 *
 * Invariants: `n` levels in `[lo, lo + n)`, prices strictly increasing in `dir * price`, every size
 * greater than zero. Level i counted from the touch (i = 0 is the best) lives at `lo + n - 1 - i`.
 * `total` is the sum of every size: sizes are whole lots, so it is exact (far below 2^53) and equal to
 * the same sum taken in any order.
 */
export class BookLevelsBefore {
  readonly side: BookSide;
  private readonly dir: 1 | -1;
  private ticks: Float64Array;
  private lots: Float64Array;
  /** Index of the worst level (where the first level goes when the side is empty). */
  private lo: number;
  private n = 0;
  /** Sum of all sizes, in lots; see the invariants. */
  private total = 0;

  constructor(side: BookSide, capacity = INITIAL_CAPACITY) {
    this.side = side;
    this.dir = side === 'bid' ? 1 : -1;
    const room = Math.max(4, capacity);
    this.ticks = new Float64Array(room);
    this.lots = new Float64Array(room);
    this.lo = room >> 1;
  }

  get count(): number {
    return this.n;
  }

  /** The best price; 0 when the side is empty (a real level's price is always positive). */
  bestTicks(): number {
    return this.n === 0 ? 0 : this.ticks[this.lo + this.n - 1];
  }

  /** Size at the best price; 0 when the side is empty. */
  bestLots(): number {
    return this.n === 0 ? 0 : this.lots[this.lo + this.n - 1];
  }

  /** Price of the i-th level from the touch. The caller checks `0 <= i < count`. */
  ticksAt(i: number): Ticks {
    return this.ticks[this.lo + this.n - 1 - i] as Ticks;
  }

  lotsAt(i: number): Lots {
    return this.lots[this.lo + this.n - 1 - i] as Lots;
  }

  /**
   * Sets the size at `price`: a size of 0 deletes the level (absent or not), any other size inserts
   * or replaces it. Sizes are absolute, as in Bybit's deltas.
   */
  set(price: number, size: number): void {
    const i = this.lowerBound(price);
    const found = i < this.lo + this.n && this.ticks[i] === price;
    if (size === 0) {
      if (found) {
        this.total -= this.lots[i];
        this.removeAt(i);
      }
    } else if (found) {
      this.total += size - this.lots[i];
      this.lots[i] = size;
    } else {
      this.total += size;
      this.insertAt(i, price, size);
    }
  }

  /** Applies a delta's levels in order: absolute sizes, 0 deletes. */
  applyAll(input: LevelBuffer): void {
    for (let k = 0; k < input.count; k++) this.set(input.prices[k], input.sizes[k]);
  }

  /**
   * Replaces the side with a snapshot's levels. Bybit sends them best first and strictly ordered, and
   * then they are written straight into place; any other order (or a zero size) is applied level by
   * level instead, so the result is the same whatever the input's order.
   */
  replaceWith(input: LevelBuffer): void {
    if (this.loadBestFirst(input.prices, input.sizes, input.count)) return;
    this.n = 0;
    this.total = 0;
    this.applyAll(input);
  }

  /** The fast path of `replaceWith`; false, leaving the side untouched, when the input is not in order. */
  private loadBestFirst(prices: Float64Array, sizes: Float64Array, count: number): boolean {
    const dir = this.dir;
    for (let k = 0; k < count; k++) {
      if (sizes[k] === 0) return false;
      // Best first means each next price is strictly worse: smaller dir * price.
      if (k > 0 && dir * prices[k] >= dir * prices[k - 1]) return false;
    }
    this.n = 0;
    this.centre(count);
    const top = this.lo + count - 1;
    let total = 0;
    for (let k = 0; k < count; k++) {
      this.ticks[top - k] = prices[k];
      this.lots[top - k] = sizes[k];
      total += sizes[k];
    }
    this.n = count;
    this.total = total;
    return true;
  }

  /** Drops the levels beyond the best `depth`; returns how many were dropped. */
  trim(depth: number): number {
    const extra = this.n - depth;
    if (extra <= 0) return 0;
    for (let j = this.lo; j < this.lo + extra; j++) this.total -= this.lots[j];
    this.lo += extra;
    this.n = depth;
    return extra;
  }

  /** Sum of the sizes of the best `levels` levels (all of them if fewer). */
  sumBest(levels: number): number {
    const top = this.lo + this.n - 1;
    const stop = Math.max(this.lo, this.lo + this.n - levels);
    let sum = 0;
    for (let j = top; j >= stop; j--) sum += this.lots[j];
    return sum;
  }

  /**
   * Cumulative sizes within several distances of the touch in one pass: `out[k]` is the total size of
   * the levels within `distances[k]` ticks of the best price, both ends included (as `sumWithin`).
   * `distances` must be ascending; a negative distance holds nothing. Reads the arrays directly: the
   * feature engine calls it on every event.
   *
   * The sums are of whole lots, so exact in any order: where fewer levels lie beyond the narrowest band
   * than inside it (a thin book, all of it near the touch) each band's sum is taken as the side's total
   * less the levels beyond it, counted from the far end; otherwise outward from the touch.
   */
  cumulativeWithin(distances: Float64Array, out: Float64Array): void {
    const n = this.n;
    const count = distances.length;
    if (n > 0 && count > 0) {
      const dir = this.dir;
      const narrowest = dir * this.ticks[this.lo + n - 1] - distances[0];
      // The `beyond` worst levels lie outside the narrowest band (dir * price < its limit).
      const beyond = this.lowerBound(dir * narrowest) - this.lo;
      if (beyond <= n - beyond) {
        this.cumulativeFromFarEnd(distances, out, beyond);
        return;
      }
    }
    this.cumulativeFromTouch(distances, out);
  }

  /** `cumulativeWithin` by walking the `beyond` levels outside the narrowest band, widest band first. */
  private cumulativeFromFarEnd(distances: Float64Array, out: Float64Array, beyond: number): void {
    const dir = this.dir;
    const best = dir * this.ticks[this.lo + this.n - 1];
    const stop = this.lo + beyond;
    let outside = 0;
    let j = this.lo;
    for (let k = distances.length - 1; k >= 0; k--) {
      const limit = best - distances[k];
      while (j < stop && dir * this.ticks[j] < limit) outside += this.lots[j++];
      out[k] = this.total - outside;
    }
  }

  private cumulativeFromTouch(distances: Float64Array, out: Float64Array): void {
    const count = distances.length;
    let k = 0;
    let sum = 0;
    if (this.n > 0) {
      const dir = this.dir;
      const top = this.lo + this.n - 1;
      const best = dir * this.ticks[top];
      let limit = best - distances[0];
      for (let j = top; j >= this.lo; j--) {
        const p = dir * this.ticks[j];
        while (p < limit) {
          out[k++] = sum;
          if (k === count) return;
          limit = best - distances[k];
        }
        sum += this.lots[j];
      }
    }
    while (k < count) out[k++] = sum;
  }

  /**
   * Sum of the sizes of the levels whose price is within `distance` ticks of the touch, both ends
   * included: for bids price >= best - distance, for asks price <= best + distance.
   */
  sumWithin(distance: number): number {
    if (this.n === 0 || distance < 0) return 0;
    const top = this.lo + this.n - 1;
    const limit = this.dir * this.ticks[top] - distance;
    let sum = 0;
    for (let j = top; j >= this.lo && this.dir * this.ticks[j] >= limit; j--) sum += this.lots[j];
    return sum;
  }

  /**
   * First index in `[lo, lo + n]` whose `dir * price` is >= `dir * price` of the argument. The search
   * has no branch on the comparison (its outcome becomes a mask, `-+(a < b)` being 0 or -1): where an
   * update lands is unpredictable, and without mispredicted branches a search of a 200-level side takes
   * half the time.
   */
  private lowerBound(price: number): number {
    const ticks = this.ticks;
    let len = this.n;
    let base = this.lo;
    if (len === 0) return base;
    if (this.dir === 1) {
      while (len > 1) {
        const half = len >>> 1;
        base += half & -+(ticks[base + half - 1] < price);
        len -= half;
      }
      return base + +(ticks[base] < price);
    }
    while (len > 1) {
      const half = len >>> 1;
      base += half & -+(ticks[base + half - 1] > price);
      len -= half;
    }
    return base + +(ticks[base] > price);
  }

  /** Inserts a level at index `i` of `[lo, lo + n]`, moving the shorter part of the side. */
  private insertAt(i: number, price: number, size: number): void {
    if (this.lo === 0 || this.lo + this.n === this.ticks.length) {
      const offset = i - this.lo;
      this.centre(this.n + 1);
      i = this.lo + offset;
    }
    const ticks = this.ticks, lots = this.lots;
    const lo = this.lo, end = lo + this.n;
    if (i - lo < end - i) {
      // The levels before i move one place toward the far end.
      if (i - lo > SHORT_MOVE) {
        ticks.copyWithin(lo - 1, lo, i);
        lots.copyWithin(lo - 1, lo, i);
      } else {
        for (let j = lo; j < i; j++) {
          ticks[j - 1] = ticks[j];
          lots[j - 1] = lots[j];
        }
      }
      this.lo = lo - 1;
      i--;
    } else if (end - i > SHORT_MOVE) {
      ticks.copyWithin(i + 1, i, end);
      lots.copyWithin(i + 1, i, end);
    } else {
      for (let j = end; j > i; j--) {
        ticks[j] = ticks[j - 1];
        lots[j] = lots[j - 1];
      }
    }
    ticks[i] = price;
    lots[i] = size;
    this.n++;
  }

  /** Removes the level at index `i`, moving the shorter part of the side. */
  private removeAt(i: number): void {
    const ticks = this.ticks, lots = this.lots;
    const lo = this.lo, last = lo + this.n - 1;
    if (i - lo < last - i) {
      // The levels before i move one place toward the touch.
      if (i - lo > SHORT_MOVE) {
        ticks.copyWithin(lo + 1, lo, i);
        lots.copyWithin(lo + 1, lo, i);
      } else {
        for (let j = i; j > lo; j--) {
          ticks[j] = ticks[j - 1];
          lots[j] = lots[j - 1];
        }
      }
      this.lo = lo + 1;
    } else if (last - i > SHORT_MOVE) {
      ticks.copyWithin(i, i + 1, last + 1);
      lots.copyWithin(i, i + 1, last + 1);
    } else {
      for (let j = i; j < last; j++) {
        ticks[j] = ticks[j + 1];
        lots[j] = lots[j + 1];
      }
    }
    this.n--;
  }

  /**
   * Moves the `n` levels to the middle of arrays large enough for `needed` levels with as much room
   * again to spare, growing them when they are not: after it both ends have room for half of `needed`
   * at least, so a side that keeps growing at one end is moved only now and then.
   */
  private centre(needed: number): void {
    let capacity = this.ticks.length;
    while (capacity < 2 * needed + 4) capacity *= 2;
    const lo = (capacity - needed) >> 1;
    if (capacity === this.ticks.length) {
      this.ticks.copyWithin(lo, this.lo, this.lo + this.n);
      this.lots.copyWithin(lo, this.lo, this.lo + this.n);
    } else {
      const ticks = new Float64Array(capacity);
      const lots = new Float64Array(capacity);
      ticks.set(this.ticks.subarray(this.lo, this.lo + this.n), lo);
      lots.set(this.lots.subarray(this.lo, this.lo + this.n), lo);
      this.ticks = ticks;
      this.lots = lots;
    }
    this.lo = lo;
  }
}
