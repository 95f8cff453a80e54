/**
 * Scores of a model's predictions against realized moves. Arrays are of equal length, row for row;
 * `score` is the prediction (bps of mid over the horizon, sign is direction) and `realized` the move
 * that happened over the same horizon (bps). Unequal lengths and non-finite values are bugs in the
 * caller (rows whose label was never reached must be dropped first) and throw.
 */

function checkPair(a: ArrayLike<number>, b: ArrayLike<number>, names: readonly [string, string]): void {
  if (a.length !== b.length) throw new RangeError(`${names[0]} and ${names[1]} must have equal lengths, got ${a.length} and ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new RangeError(`${names[0]}[${i}] must be finite, got ${a[i]}`);
    if (!Number.isFinite(b[i])) throw new RangeError(`${names[1]}[${i}] must be finite, got ${b[i]}`);
  }
}

function pearsonUnchecked(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n < 2) return NaN;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i];
    meanB += b[i];
  }
  meanA /= n;
  meanB /= n;
  // Two passes: sums of centred products do not cancel catastrophically as raw sums of squares can.
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - meanA;
    const db = b[i] - meanB;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return NaN;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/** Pearson's correlation; NaN when n < 2 or a side is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPair(a, b, ['a', 'b']);
  return pearsonUnchecked(a, b);
}

/** Ranks 1..n, tied values sharing the average of the ranks they span. */
export function averageRanks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  // A native numeric sort of the values, then two binary searches a row: the values equal to v[i]
  // take sorted places [lo, hi), ranks lo + 1..hi, whose average is (lo + 1 + hi) / 2.
  const sorted = Float64Array.from(v).sort();
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lo = lowerBound(sorted, v[i], false);
    const hi = lowerBound(sorted, v[i], true);
    ranks[i] = (lo + 1 + hi) / 2;
  }
  return ranks;
}

/** The first index of a sorted array whose value is ≥ x (or > x when `strict`); its length if none. */
function lowerBound(sorted: Float64Array, x: number, strict: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] > x || (!strict && sorted[mid] === x)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Spearman's rank correlation (the information coefficient): Pearson on average ranks; NaN when n < 2 or a side is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPair(a, b, ['a', 'b']);
  return pearsonUnchecked(averageRanks(a), averageRanks(b));
}

/**
 * The share of rows with a nonzero score (and, when a mask is given, mask true) whose realized move
 * has the score's sign; a zero realized move is a miss. NaN when no row counts.
 */
export function hitRate(score: ArrayLike<number>, realized: ArrayLike<number>, mask?: ArrayLike<boolean>): number {
  checkPair(score, realized, ['score', 'realized']);
  if (mask && mask.length !== score.length) throw new RangeError(`mask must have the length of score (${score.length}), got ${mask.length}`);
  let rows = 0;
  let hits = 0;
  for (let i = 0; i < score.length; i++) {
    if (score[i] === 0 || (mask && !mask[i])) continue;
    rows++;
    if (realized[i] !== 0 && Math.sign(realized[i]) === Math.sign(score[i])) hits++;
  }
  return rows === 0 ? NaN : hits / rows;
}

/**
 * Whether a signal paid: the realized move has the score's sign and is larger than the round-trip
 * cost (bps). A zero score is no signal and never right.
 */
export function isRightSignal(score: number, realized: number, costBps: number): boolean {
  return score !== 0 && Math.sign(realized) === Math.sign(score) && Math.abs(realized) > costBps;
}

export interface SignalStats {
  /** Rows with confidence ≥ threshold and a nonzero score. */
  readonly signals: number;
  /** Signals that are not right (wrong sign, or a move that does not cover the cost). */
  readonly falseSignals: number;
  /** falseSignals / signals; NaN when there is no signal. */
  readonly falseSignalRate: number;
  /** Share of signals whose realized move has the score's sign, costs aside; NaN when there is no signal. */
  readonly hitRate: number;
}

/** The signals a threshold on confidence lets through, and how many of them were false. */
export function signalStats(
  score: ArrayLike<number>,
  confidence: ArrayLike<number>,
  realized: ArrayLike<number>,
  threshold: number,
  costBps: number,
): SignalStats {
  checkPair(score, realized, ['score', 'realized']);
  checkPair(score, confidence, ['score', 'confidence']);
  let signals = 0;
  let falseSignals = 0;
  let hits = 0;
  for (let i = 0; i < score.length; i++) {
    if (score[i] === 0 || !(confidence[i] >= threshold)) continue;
    signals++;
    if (!isRightSignal(score[i], realized[i], costBps)) falseSignals++;
    if (realized[i] !== 0 && Math.sign(realized[i]) === Math.sign(score[i])) hits++;
  }
  return {
    signals,
    falseSignals,
    falseSignalRate: signals === 0 ? NaN : falseSignals / signals,
    hitRate: signals === 0 ? NaN : hits / signals,
  };
}

/**
 * The area under the ROC curve of `score` as a predictor of an up move, over the rows that moved
 * (realized ≠ 0): the chance that a randomly drawn up row scores above a randomly drawn down row, ties
 * counting half (Mann–Whitney U from average ranks). 0.5 is no skill; NaN when either class is empty.
 */
export function auc(score: ArrayLike<number>, realized: ArrayLike<number>): number {
  checkPair(score, realized, ['score', 'realized']);
  const moved: number[] = [];
  for (let i = 0; i < score.length; i++) if (realized[i] !== 0) moved.push(i);
  const ranks = averageRanks(moved.map((i) => score[i]));
  let ups = 0;
  let rankSum = 0;
  for (let k = 0; k < moved.length; k++) {
    if (realized[moved[k]] > 0) {
      ups++;
      rankSum += ranks[k];
    }
  }
  const downs = moved.length - ups;
  if (ups === 0 || downs === 0) return NaN;
  return (rankSum - (ups * (ups + 1)) / 2) / (ups * downs);
}

/**
 * The mean move in the signal's direction net of the round-trip cost, bps, over the rows with a nonzero
 * score and (when given) mask true: Σ sign(score)·realized / n − cost. NaN when no row counts.
 */
export function edgeBps(score: ArrayLike<number>, realized: ArrayLike<number>, costBps: number, mask?: ArrayLike<boolean>): number {
  checkPair(score, realized, ['score', 'realized']);
  let rows = 0;
  let sum = 0;
  for (let i = 0; i < score.length; i++) {
    if (score[i] === 0 || (mask && !mask[i])) continue;
    rows++;
    sum += Math.sign(score[i]) * realized[i];
  }
  return rows === 0 ? NaN : sum / rows - costBps;
}
