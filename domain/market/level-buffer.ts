/** Levels a buffer holds before it first grows. */
export const INITIAL_CAPACITY = 256;

/**
 * Levels of one side of a frame, converted to ticks and lots in the frame's order; reused per frame.
 * Whoever fills it keeps the grid's promise: every price a positive whole number of ticks, every size a
 * whole number of lots, zero or more.
 */
export class LevelBuffer {
  prices: Float64Array;
  sizes: Float64Array;
  count = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    this.prices = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  /** Makes room for `count` levels; the old contents are not kept. */
  reserve(count: number): void {
    if (count <= this.prices.length) return;
    this.prices = new Float64Array(count * 2);
    this.sizes = new Float64Array(count * 2);
  }

  /** Doubles the room, keeping every level held so far: for a writer that learns the count as it reads. */
  grow(): void {
    const prices = new Float64Array(this.prices.length * 2);
    const sizes = new Float64Array(this.sizes.length * 2);
    prices.set(this.prices);
    sizes.set(this.sizes);
    this.prices = prices;
    this.sizes = sizes;
  }

  /** A buffer of exactly `count` levels holding these: for an event that outlives the reused buffer. */
  copy(): LevelBuffer {
    const to = new LevelBuffer(this.count);
    to.prices.set(this.prices.subarray(0, this.count));
    to.sizes.set(this.sizes.subarray(0, this.count));
    to.count = this.count;
    return to;
  }
}
