// One piece (about 580 lines): every insert, delete, trim and move of a side's sorted arrays rewrites the
// price index's entries in the same loop, so the arrays, the index and the moves that keep them in step
// are one invariant; the level conversion at the top is the side's input and small.
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
 * Slots of the price index at the least (4 KiB a side); it grows to twice the side's span at least.
 * Small, since the simulator copies the book (adapters/sim/book-copy.ts) while an order is on its way.
 */
const MIN_WINDOW = 1024;
/**
 * The widest price index a side keeps (1 MiB of slots): a side spread wider than half of it (a book
 * kept without a depth window, a stray far level) is searched instead, as without an index.
 */
const MAX_WINDOW = 1 << 18;
/** Steps `placeOf` takes through the index before it searches instead. */
const NEAR_STEPS = 8;
/** Without an index, the side tries to make one again after this many updates (and at each snapshot). */
const RETRY_AFTER = 4096;

/**
 * One side of an L2 book as two parallel typed arrays, ticks and lots, sorted from the worst price to
 * the best: the touch is the LAST level. The levels sit in the middle of the arrays, in `[lo, lo + n)`,
 * with free room at both ends, so an insert or delete shifts whichever part is shorter, the levels
 * behind it toward the touch or those before it toward the far end: Bybit's updates land mostly near
 * the touch, a synthetic book's mostly deep, and either way few levels move. Bids are stored
 * ascending, asks descending; `dir` (+1 for bids, -1 for asks) turns both into one ascending order of
 * `dir * price`, so one search serves both sides.
 *
 * A price index beside the arrays finds a level by its price in one step: `index[price - base]` holds
 * the level's slot plus one, 0 where no level rests. Most updates of a delta change the size of a
 * level already held (two in three over the synthetic hour), and those need no search at all; a
 * delete needs none either, and an insert finds its place a few steps through the index away, at the
 * next worse level (or by the binary search when that is far). The index covers a window
 * of prices about the levels, at least twice their span; a price outside it moves the window (a
 * `reindex`), which a drifting market does now and then. A side too wide for the largest window is
 * kept without the index, every level searched for as before, until it narrows again. Reads (level i
 * from the touch, sums, bands) use the sorted arrays alone, as they did before the index.
 *
 * Invariants: `n` levels in `[lo, lo + n)`, prices strictly increasing in `dir * price`, every size
 * greater than zero. Level i counted from the touch (i = 0 is the best) lives at `lo + n - 1 - i`.
 * `total` is the sum of every size: sizes are whole lots, so it is exact (far below 2^53) and equal to
 * the same sum taken in any order. When `indexed`, every level's price lies in `[base, base +
 * index.length)` with `index[price - base]` = its slot + 1, and every other slot of the index is 0.
 */
export class BookLevels {
  readonly side: BookSide;
  private readonly dir: 1 | -1;
  private ticks: Float64Array;
  private lots: Float64Array;
  /** Index of the worst level (where the first level goes when the side is empty). */
  private lo: number;
  private n = 0;
  /** Sum of all sizes, in lots; see the invariants. */
  private total = 0;
  /** Slot + 1 of the level at each price of the window, 0 for none; empty until the first level. */
  private index = new Int32Array(0);
  /** Price (ticks) of the index's first slot. */
  private base = 0;
  /** The index holds every level; false while the side is too wide for it. */
  private indexed = true;
  /** Updates searched for since the index was given up; see RETRY_AFTER. */
  private searchedSets = 0;

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
   * Sets the size at `price` (whole ticks, as a `LevelBuffer` holds them): a size of 0 deletes the
   * level (absent or not), any other size inserts or replaces it. Sizes are absolute, as in Bybit's
   * deltas.
   */
  set(price: number, size: number): void {
    if (this.indexed) {
      const at = price - this.base;
      // One test for a whole, non-negative offset inside the window.
      if (at >>> 0 === at && at < this.index.length) {
        this.setAt(at, price, size);
        return;
      }
      if (this.reindex(price)) {
        this.setAt(price - this.base, price, size);
        return;
      }
    } else if (++this.searchedSets >= RETRY_AFTER && this.reindex(price)) {
      this.setAt(price - this.base, price, size);
      return;
    }
    this.setSearched(price, size);
  }

  /** `set` through the index: `at` is the price's offset in the window. */
  private setAt(at: number, price: number, size: number): void {
    const entry = this.index[at];
    if (entry !== 0) {
      const i = entry - 1;
      if (size === 0) {
        this.total -= this.lots[i];
        this.index[at] = 0;
        this.removeAt(i);
      } else {
        this.total += size - this.lots[i];
        this.lots[i] = size;
      }
    } else if (size !== 0) {
      this.total += size;
      this.insertAt(this.placeOf(at, price), price, size);
    }
  }

  /**
   * Where a level not held goes (as `lowerBound`), from the index: one past the nearest level worse
   * than it, found by stepping through the index toward worse prices. Levels of a book rest a few
   * ticks apart, so a few steps find it; a new best or worst level needs none, and a gap wider than
   * NEAR_STEPS is left to the binary search.
   */
  private placeOf(at: number, price: number): number {
    const n = this.n;
    if (n === 0) return this.lo;
    const dir = this.dir;
    if (dir * price > dir * this.ticks[this.lo + n - 1]) return this.lo + n;
    if (dir * price < dir * this.ticks[this.lo]) return this.lo;
    const index = this.index;
    // The worst level lies inside the window, so every step stays inside it.
    for (let k = 1; k <= NEAR_STEPS; k++) {
      const entry = index[at - dir * k];
      if (entry !== 0) return entry;
    }
    return this.lowerBound(price);
  }

  /** `set` by a search of the arrays, for a side without the index. */
  private setSearched(price: number, size: number): void {
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
    const prices = input.prices, sizes = input.sizes;
    for (let k = 0; k < input.count; k++) this.set(prices[k], sizes[k]);
  }

  /**
   * Replaces the side with a snapshot's levels. Bybit sends them best first and strictly ordered, and
   * then they are written straight into place; any other order (or a zero size) is applied level by
   * level instead, so the result is the same whatever the input's order.
   */
  replaceWith(input: LevelBuffer): void {
    this.clearIndex();
    if (this.loadBestFirst(input.prices, input.sizes, input.count)) {
      this.indexAll();
      return;
    }
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
    for (let j = this.lo; j < this.lo + extra; j++) {
      this.total -= this.lots[j];
      if (this.indexed) this.index[this.ticks[j] - this.base] = 0;
    }
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
    if (this.indexed) {
      // As below, each moved level's index entry following it to its new slot (entry = slot + 1).
      const index = this.index, base = this.base;
      if (i - lo < end - i) {
        for (let j = lo; j < i; j++) {
          const t = ticks[j];
          ticks[j - 1] = t;
          lots[j - 1] = lots[j];
          index[t - base] = j;
        }
        this.lo = lo - 1;
        i--;
      } else {
        for (let j = end; j > i; j--) {
          const t = ticks[j - 1];
          ticks[j] = t;
          lots[j] = lots[j - 1];
          index[t - base] = j + 1;
        }
      }
      index[price - base] = i + 1;
    } else if (i - lo < end - i) {
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

  /** Removes the level at index `i`, moving the shorter part of the side; its index entry is the caller's. */
  private removeAt(i: number): void {
    const ticks = this.ticks, lots = this.lots;
    const lo = this.lo, last = lo + this.n - 1;
    if (this.indexed) {
      const index = this.index, base = this.base;
      if (i - lo < last - i) {
        for (let j = i; j > lo; j--) {
          const t = ticks[j - 1];
          ticks[j] = t;
          lots[j] = lots[j - 1];
          index[t - base] = j + 1;
        }
        this.lo = lo + 1;
      } else {
        for (let j = i; j < last; j++) {
          const t = ticks[j + 1];
          ticks[j] = t;
          lots[j] = lots[j + 1];
          index[t - base] = j + 1;
        }
      }
    } else if (i - lo < last - i) {
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
    if (this.indexed) this.writeIndex();
  }

  /** Empties the index for a side about to be emptied; a side without one gets an empty one back. */
  private clearIndex(): void {
    if (this.indexed) {
      for (let j = this.lo; j < this.lo + this.n; j++) this.index[this.ticks[j] - this.base] = 0;
    } else {
      this.index = new Int32Array(0);
      this.indexed = true;
    }
  }

  /** Indexes a snapshot just loaded into an empty index, moving the window when the levels leave it. */
  private indexAll(): void {
    if (this.n === 0) return;
    const first = this.ticks[this.lo] - this.base, last = this.ticks[this.lo + this.n - 1] - this.base;
    if (Math.min(first, last) >= 0 && Math.max(first, last) < this.index.length) this.writeIndex();
    else this.reindex(this.ticks[this.lo]);
  }

  /** Writes every level's entry (slot + 1) into the index. */
  private writeIndex(): void {
    const index = this.index, ticks = this.ticks, base = this.base;
    for (let j = this.lo; j < this.lo + this.n; j++) index[ticks[j] - base] = j + 1;
  }

  /**
   * Places the window over the levels and `price` (whole ticks), centred, at least twice as wide as
   * their span, and indexes every level: true when done, false (the side left without the index,
   * searched instead) when they are too wide for the largest window or a price is not a whole number.
   */
  private reindex(price: number): boolean {
    let low = price, high = price;
    if (this.n > 0) {
      const a = this.ticks[this.lo], b = this.ticks[this.lo + this.n - 1];
      low = Math.min(low, a, b);
      high = Math.max(high, a, b);
    }
    const span = high - low + 1;
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || 2 * span > MAX_WINDOW) {
      this.indexed = false;
      this.searchedSets = 0;
      return false;
    }
    let size = MIN_WINDOW;
    while (size < 2 * span) size *= 2;
    if (size === this.index.length) this.index.fill(0);
    else this.index = new Int32Array(size);
    this.base = low - ((size - span) >> 1);
    this.indexed = true;
    this.writeIndex();
    return true;
  }
}
