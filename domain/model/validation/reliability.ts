/**
 * A reliability table: predicted against realized hit rate per confidence bucket. A calibrated model's
 * rows have hitRate ≈ meanConfidence.
 */
export interface ReliabilityRow {
  /** The bucket's lower bound, included. */
  readonly from: number;
  /** The bucket's upper bound, excluded except for the last bucket. */
  readonly to: number;
  readonly count: number;
  /** NaN when the bucket is empty. */
  readonly meanConfidence: number;
  /** The share of right outcomes; NaN when the bucket is empty. */
  readonly hitRate: number;
}

/**
 * Buckets rows by confidence into `buckets` equal-width buckets on [0, 1] (default 10), the last
 * closed so that confidence 1 counts. `right` holds 1 for a right outcome and 0 for a wrong one.
 * Empty buckets are kept, with count 0 and NaN rates, so tables of different models line up.
 */
export function reliabilityTable(confidence: ArrayLike<number>, right: ArrayLike<number>, buckets = 10): readonly ReliabilityRow[] {
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be an integer ≥ 1, got ${buckets}`);
  if (confidence.length !== right.length) throw new RangeError(`confidence and right must have equal lengths, got ${confidence.length} and ${right.length}`);
  const count = new Float64Array(buckets);
  const sumConfidence = new Float64Array(buckets);
  const sumRight = new Float64Array(buckets);
  for (let i = 0; i < confidence.length; i++) {
    const c = confidence[i];
    if (!(c >= 0 && c <= 1)) throw new RangeError(`confidence[${i}] must be in [0, 1], got ${c}`);
    if (!(right[i] >= 0 && right[i] <= 1)) throw new RangeError(`right[${i}] must be in [0, 1] (1 right, 0 wrong), got ${right[i]}`);
    const b = Math.min(buckets - 1, Math.floor(c * buckets));
    count[b]++;
    sumConfidence[b] += c;
    sumRight[b] += right[i];
  }
  return Array.from({ length: buckets }, (_, b) => ({
    from: b / buckets,
    to: (b + 1) / buckets,
    count: count[b],
    meanConfidence: count[b] === 0 ? NaN : sumConfidence[b] / count[b],
    hitRate: count[b] === 0 ? NaN : sumRight[b] / count[b],
  }));
}
