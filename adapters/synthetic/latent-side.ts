/** Ticks a side's ring of sizes covers: far more than its reach plus the largest move of one step. */
const RING = 1 << 15;
const MASK = RING - 1;

/** Fills of one step, one entry per price level a market order took from: ticks and lots. */
export class FillBuffer {
  prices = new Float64Array(256);
  lots = new Float64Array(256);
  count = 0;

  push(price: number, lots: number): void {
    if (this.count === this.prices.length) {
      const prices = new Float64Array(this.count * 2);
      const sizes = new Float64Array(this.count * 2);
      prices.set(this.prices);
      sizes.set(this.lots);
      this.prices = prices;
      this.lots = sizes;
    }
    this.prices[this.count] = price;
    this.lots[this.count] = lots;
    this.count++;
  }
}

/**
 * One side of the simulator's full book, deeper than the published window: the resting size (lots) at
 * every tick, held in a ring indexed by the price's low bits, so that a price is found without search
 * and the book can wander any distance. `dir` points away from the touch: -1 for bids (worse is
 * lower), +1 for asks.
 *
 * Invariants: every tick with size lies between `best` and `far` (both included, `far` at or beyond
 * `best` in `dir`), and `far - best` stays below the ring's size because `trim` keeps it within
 * `reach` ticks after every step. When the side is empty, `best` keeps its last price so that new
 * orders can still be placed relative to it.
 */
export class LatentSide {
  private readonly sizes = new Float64Array(RING);
  private bestPrice: number;
  private farPrice: number;
  private isEmpty = true;

  constructor(
    readonly dir: 1 | -1,
    readonly reach: number,
    start: number,
  ) {
    this.bestPrice = start;
    this.farPrice = start;
  }

  get best(): number {
    return this.bestPrice;
  }

  get empty(): boolean {
    return this.isEmpty;
  }

  sizeAt(price: number): number {
    return this.sizes[price & MASK];
  }

  /** Adds resting size; a price better than the best becomes the best. The caller keeps it uncrossed. */
  add(price: number, lots: number): void {
    this.sizes[price & MASK] += lots;
    if (this.isEmpty) {
      this.isEmpty = false;
      this.bestPrice = price;
      this.farPrice = price;
      return;
    }
    if ((price - this.bestPrice) * this.dir < 0) this.bestPrice = price;
    if ((price - this.farPrice) * this.dir > 0) this.farPrice = price;
  }

  /** Removes up to `lots` at `price` and returns what it removed; emptying the best moves the best. */
  remove(price: number, lots: number): number {
    const i = price & MASK;
    const held = this.sizes[i];
    const taken = held < lots ? held : lots;
    this.sizes[i] = held - taken;
    if (held === taken && price === this.bestPrice && taken > 0) this.advanceBest();
    return taken;
  }

  /**
   * A market order taking `lots` from this side, best price first, writing one fill per level into
   * `fills`. Returns the lots filled: less than asked only when the side runs out within its reach,
   * the rest of the order then lapses like an immediate-or-cancel order.
   */
  sweep(lots: number, fills: FillBuffer): number {
    let left = lots;
    while (left > 0 && !this.isEmpty) {
      const price = this.bestPrice;
      const i = price & MASK;
      const held = this.sizes[i];
      const taken = held < left ? held : left;
      fills.push(price, taken);
      left -= taken;
      this.sizes[i] = held - taken;
      if (held === taken) this.advanceBest();
    }
    return lots - left;
  }

  /** Drops every level more than `reach` ticks from the best, so the ring never wraps onto itself. */
  trim(): void {
    if (this.isEmpty) return;
    const edge = this.bestPrice + this.dir * this.reach;
    while ((this.farPrice - edge) * this.dir > 0) {
      this.sizes[this.farPrice & MASK] = 0;
      this.farPrice -= this.dir;
    }
  }

  /**
   * Writes the best `n` occupied levels, best first, into `prices` and `lots`; returns how many there
   * are (fewer than `n` when the side holds fewer within its reach).
   */
  window(n: number, prices: Float64Array, lots: Float64Array): number {
    if (this.isEmpty) return 0;
    let count = 0;
    const dir = this.dir;
    const far = this.farPrice;
    for (let p = this.bestPrice; count < n && (far - p) * dir >= 0; p += dir) {
      const size = this.sizes[p & MASK];
      if (size > 0) {
        prices[count] = p;
        lots[count] = size;
        count++;
      }
    }
    return count;
  }

  /** After the best level emptied: the next occupied price outwards, or an empty side. */
  private advanceBest(): void {
    const dir = this.dir;
    const far = this.farPrice;
    for (let p = this.bestPrice + dir; (far - p) * dir >= 0; p += dir) {
      if (this.sizes[p & MASK] > 0) {
        this.bestPrice = p;
        return;
      }
    }
    this.isEmpty = true;
    this.farPrice = this.bestPrice;
  }
}
