/**
 * A log-linear histogram of non-negative integer durations (µs): exact below 16, then 16 buckets
 * per power of two (relative error under 1/16 ≈ 6%), up to 2^40 µs. Recording is O(1) and allocates
 * nothing. Negative values (a venue clock ahead of ours) are counted apart and not bucketed.
 */
const SUB_BITS = 4;
const SUB = 1 << SUB_BITS;
const MAX_EXP = 40;
const BUCKETS = SUB + (MAX_EXP - SUB_BITS) * SUB;

export interface LatencySummary {
  readonly count: number;
  readonly negative: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private n = 0;
  private negatives = 0;
  private sum = 0;
  private lo = Infinity;
  private hi = -Infinity;

  record(value: number): void {
    if (value < 0) {
      this.negatives++;
      return;
    }
    const v = Math.floor(value);
    this.counts[bucketOf(v)]++;
    this.n++;
    this.sum += v;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
  }

  /** The value at quantile q in [0, 1]: the upper bound of its bucket, capped by the maximum seen. */
  quantile(q: number): number | null {
    if (this.n === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b];
      if (seen >= rank) return Math.min(upperBound(b), this.hi);
    }
    return this.hi;
  }

  summary(): LatencySummary {
    const empty = this.n === 0;
    return {
      count: this.n,
      negative: this.negatives,
      min: empty ? null : this.lo,
      max: empty ? null : this.hi,
      mean: empty ? null : this.sum / this.n,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
    };
  }
}

function bucketOf(v: number): number {
  if (v < SUB) return v;
  // Below 2^31 (35 minutes in µs), the integer's leading zeros give the power of two without a logarithm.
  if (v < 2 ** 31) {
    const e = 31 - Math.clz32(v);
    return SUB + (e - SUB_BITS) * SUB + ((v >>> (e - SUB_BITS)) - SUB);
  }
  const exp = Math.min(MAX_EXP - 1, Math.floor(Math.log2(v)));
  const sub = Math.min(SUB - 1, Math.floor(v / 2 ** (exp - SUB_BITS)) - SUB);
  return SUB + (exp - SUB_BITS) * SUB + sub;
}

function upperBound(b: number): number {
  if (b < SUB) return b;
  const exp = Math.floor((b - SUB) / SUB) + SUB_BITS;
  const sub = (b - SUB) % SUB;
  return (SUB + sub + 1) * 2 ** (exp - SUB_BITS) - 1;
}
