import { priceToTicks, qtyToLots, type GridError, type Instrument } from '../values/instrument.ts';
import type { Lots, Ticks } from '../values/units.ts';
import type { RawLevel } from './market-event.ts';
import { INITIAL_CAPACITY, LevelBuffer } from './level-buffer.ts';

export { LevelBuffer };

export type BookSide = 'bid' | 'ask';

/**
 * An insert or delete that shifts at most this many elements moves them in a loop: a `copyWithin` call
 * costs more than moving a few elements by hand, and less than moving many.
 */
const SHORT_MOVE = 32;

/** A level of a frame that is not on the instrument's grid: `price` and `size` as received. */
export interface BadLevel {
  readonly kind: 'BadLevel';
  readonly side: BookSide;
  readonly price: string;
  readonly size: string;
  /** Which of `price` and `size` `cause` is about. */
  readonly field: 'price' | 'size';
  readonly reason: string;
  readonly cause: GridError;
}

/** Converts every level of one side of a frame into `into`; the first bad level is returned. */
export function convertLevels(instrument: Instrument, raw: readonly RawLevel[], side: BookSide, into: LevelBuffer): BadLevel | null {
  const n = raw.length;
  into.reserve(n);
  for (let k = 0; k < n; k++) {
    const level = raw[k];
    const price = priceToTicks(instrument, level[0]);
    if (!price.ok) return badLevel(side, level, 'price', price.error);
    const size = qtyToLots(instrument, level[1]);
    if (!size.ok) return badLevel(side, level, 'size', size.error);
    into.prices[k] = price.value;
    into.sizes[k] = size.value;
  }
  into.count = n;
  return null;
}

function badLevel(side: BookSide, level: RawLevel, field: 'price' | 'size', cause: GridError): BadLevel {
  return { kind: 'BadLevel', side, price: level[0], size: level[1], field, reason: `${field} ${describe(cause)}`, cause };
}

function describe(error: GridError): string {
  switch (error.kind) {
    case 'NotADecimal':
      return `"${error.text}" is not a decimal number`;
    case 'TooPrecise':
      return `"${error.text}" has more than ${error.scale} significant decimals`;
    case 'TooLarge':
      return `"${error.text}" is too large to hold exactly`;
    case 'OffGrid':
      return `"${error.text}" is not a multiple of ${error.step}`;
    case 'NotPositive':
      return `"${error.text}" is not positive`;
    case 'Negative':
      return `"${error.text}" is negative`;
  }
}

/**
 * One side of an L2 book as two parallel typed arrays, ticks and lots, sorted from the worst price to
 * the best: the touch is the LAST element. Almost every update lands near the touch, so keeping it at
 * the tail makes an insert or delete there shift only the few elements behind it, while a binary search
 * finds any level in at most ten steps for Bybit's depth of at most 1000. Bids are stored ascending,
 * asks descending; `dir` (+1 for bids, -1 for asks) turns both into one ascending order of
 * `dir * price`, so one search serves both sides.
 *
 * Invariants: `count` levels in `[0, count)`, prices strictly increasing in `dir * price`, every size
 * greater than zero. Level i counted from the touch (i = 0 is the best) lives at `count - 1 - i`.
 * `total` is the sum of every size: sizes are whole lots, so it is exact (far below 2^53) and equal to
 * the same sum taken in any order.
 */
export class BookLevels {
  readonly side: BookSide;
  private readonly dir: 1 | -1;
  private ticks: Float64Array;
  private lots: Float64Array;
  private n = 0;
  /** Sum of all sizes, in lots; see the invariants. */
  private total = 0;

  constructor(side: BookSide, capacity = INITIAL_CAPACITY) {
    this.side = side;
    this.dir = side === 'bid' ? 1 : -1;
    this.ticks = new Float64Array(capacity);
    this.lots = new Float64Array(capacity);
  }

  get count(): number {
    return this.n;
  }

  /** The best price; 0 when the side is empty (a real level's price is always positive). */
  bestTicks(): number {
    return this.n === 0 ? 0 : this.ticks[this.n - 1];
  }

  /** Size at the best price; 0 when the side is empty. */
  bestLots(): number {
    return this.n === 0 ? 0 : this.lots[this.n - 1];
  }

  /** Price of the i-th level from the touch. The caller checks `0 <= i < count`. */
  ticksAt(i: number): Ticks {
    return this.ticks[this.n - 1 - i] as Ticks;
  }

  lotsAt(i: number): Lots {
    return this.lots[this.n - 1 - i] as Lots;
  }

  /**
   * Sets the size at `price`: a size of 0 deletes the level (absent or not), any other size inserts
   * or replaces it. Sizes are absolute, as in Bybit's deltas.
   */
  set(price: number, size: number): void {
    const i = this.lowerBound(price);
    const found = i < this.n && this.ticks[i] === price;
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
    this.ensureCapacity(count);
    let total = 0;
    for (let k = 0; k < count; k++) {
      this.ticks[count - 1 - k] = prices[k];
      this.lots[count - 1 - k] = sizes[k];
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
    for (let j = 0; j < extra; j++) this.total -= this.lots[j];
    this.ticks.copyWithin(0, extra, this.n);
    this.lots.copyWithin(0, extra, this.n);
    this.n = depth;
    return extra;
  }

  /** Sum of the sizes of the best `levels` levels (all of them if fewer). */
  sumBest(levels: number): number {
    const stop = Math.max(0, this.n - levels);
    let sum = 0;
    for (let j = this.n - 1; j >= stop; j--) sum += this.lots[j];
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
      const narrowest = dir * this.ticks[n - 1] - distances[0];
      // Levels below index `beyond` lie outside the narrowest band (dir * price < its limit).
      const beyond = this.lowerBound(dir * narrowest);
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
    const best = dir * this.ticks[this.n - 1];
    let outside = 0;
    let j = 0;
    for (let k = distances.length - 1; k >= 0; k--) {
      const limit = best - distances[k];
      while (j < beyond && dir * this.ticks[j] < limit) outside += this.lots[j++];
      out[k] = this.total - outside;
    }
  }

  private cumulativeFromTouch(distances: Float64Array, out: Float64Array): void {
    const n = this.n;
    const count = distances.length;
    let k = 0;
    let sum = 0;
    if (n > 0) {
      const dir = this.dir;
      const best = dir * this.ticks[n - 1];
      let limit = best - distances[0];
      for (let j = n - 1; j >= 0; j--) {
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
    const limit = this.dir * this.ticks[this.n - 1] - distance;
    let sum = 0;
    for (let j = this.n - 1; j >= 0 && this.dir * this.ticks[j] >= limit; j--) sum += this.lots[j];
    return sum;
  }

  /**
   * First index whose `dir * price` is >= `dir * price` of the argument. The search has no branch on
   * the comparison (its outcome becomes a mask, `-+(a < b)` being 0 or -1): where an update lands is
   * unpredictable, and without mispredicted branches a search of a 200-level side takes half the time.
   */
  private lowerBound(price: number): number {
    const ticks = this.ticks;
    let len = this.n;
    if (len === 0) return 0;
    let base = 0;
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

  private insertAt(i: number, price: number, size: number): void {
    this.ensureCapacity(this.n + 1);
    const ticks = this.ticks, lots = this.lots;
    if (this.n - i > SHORT_MOVE) {
      ticks.copyWithin(i + 1, i, this.n);
      lots.copyWithin(i + 1, i, this.n);
    } else {
      for (let j = this.n; j > i; j--) {
        ticks[j] = ticks[j - 1];
        lots[j] = lots[j - 1];
      }
    }
    ticks[i] = price;
    lots[i] = size;
    this.n++;
  }

  private removeAt(i: number): void {
    const ticks = this.ticks, lots = this.lots;
    const last = this.n - 1;
    if (last - i > SHORT_MOVE) {
      ticks.copyWithin(i, i + 1, this.n);
      lots.copyWithin(i, i + 1, this.n);
    } else {
      for (let j = i; j < last; j++) {
        ticks[j] = ticks[j + 1];
        lots[j] = lots[j + 1];
      }
    }
    this.n = last;
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.ticks.length) return;
    let capacity = Math.max(1, this.ticks.length) * 2;
    while (capacity < needed) capacity *= 2;
    const ticks = new Float64Array(capacity);
    const lots = new Float64Array(capacity);
    ticks.set(this.ticks.subarray(0, this.n));
    lots.set(this.lots.subarray(0, this.n));
    this.ticks = ticks;
    this.lots = lots;
  }
}
