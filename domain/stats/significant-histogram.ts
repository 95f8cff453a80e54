/**
 * A weighted histogram of values kept to `digits` significant digits (any sign): the weight of each
 * rounded value. Rounding to significant digits is monotone, so a quantile read from it is exactly the
 * quantile of the values themselves rounded to those digits: the relative error is at most half a unit
 * of the last digit (5e-4 of the value at four digits). Its size is bounded by the distinct rounded
 * values (9 × 10^(digits − 1) a power of ten and sign), not by how many were recorded. Domain-pure.
 */
export class SignificantHistogram {
  private readonly weights = new Map<number, number>();
  private total = 0;

  constructor(readonly digits: number) {
    if (!Number.isInteger(digits) || digits < 1 || digits > 15) throw new Error(`significant digits are 1 to 15, not ${digits}`);
  }

  /** Records `value` (finite) with `weight` (> 0); anything else is ignored. */
  record(value: number, weight = 1): void {
    if (!Number.isFinite(value) || !(weight > 0)) return;
    // `+ 0` makes −0 the key 0 (a Map tells them apart only in its keys' printing, not its lookups).
    const key = Number(value.toPrecision(this.digits)) + 0;
    this.weights.set(key, (this.weights.get(key) ?? 0) + weight);
    this.total += weight;
  }

  /** Adds every weight of `other` (kept to the same digits) to this one. */
  merge(other: SignificantHistogram): void {
    if (other.digits !== this.digits) throw new Error(`histograms of ${other.digits} and ${this.digits} significant digits do not merge`);
    for (const [key, weight] of other.weights) this.weights.set(key, (this.weights.get(key) ?? 0) + weight);
    this.total += other.total;
  }

  /** The distinct rounded values held. */
  get size(): number {
    return this.weights.size;
  }

  /** The total weight recorded. */
  get weight(): number {
    return this.total;
  }

  /**
   * The smallest rounded value with at least `q` of the weight at or below it; null when empty. The
   * same rule as `weightedQuantile` and `quantile` over the values themselves.
   */
  quantile(q: number): number | null {
    if (this.weights.size === 0) return null;
    const keys = [...this.weights.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const key of keys) {
      seen += this.weights.get(key) ?? 0;
      if (seen >= q * this.total) return key;
    }
    return keys[keys.length - 1];
  }
}
