/**
 * Gradient histograms of one leaf: for every feature and bin, the sum of the rows' gradients and the
 * number of rows (the hessian of squared error is 1 a row, so the count is the hessian sum). Layout:
 * `hist[2 * (j * stride + b)]` is the gradient sum and `hist[2 * (j * stride + b) + 1]` the count of
 * feature j, bin b; `stride` is the largest bin count of any feature.
 */
export interface HistogramLayout {
  readonly rows: number;
  /** Column-major bins, `bins[j * rows + i]`. */
  readonly bins: Uint8Array;
  readonly stride: number;
  /** Number of bins of each feature. */
  readonly binCounts: Int32Array;
}

/** The best split of a leaf: rows with bin ≤ `bin` of `feature` go left. */
export interface Split {
  readonly gain: number;
  readonly feature: number;
  readonly bin: number;
  readonly leftGrad: number;
  readonly leftCount: number;
}

/**
 * Fills the histograms of `features` from rows `idx[start..end)`. The rows' gradients are first gathered
 * into `ordered` so the passes read them sequentially; features are then taken four a pass, which reads
 * each row index and gradient once for four histograms and lets the four independent read-add-write
 * chains overlap (more than twice as fast as one feature a pass).
 */
export function buildHistogram(
  layout: HistogramLayout,
  hist: Float64Array,
  features: Int32Array,
  idx: Uint32Array,
  start: number,
  end: number,
  grad: Float64Array,
  ordered: Float64Array,
): void {
  const len = end - start;
  for (let k = 0; k < len; k++) ordered[k] = grad[idx[start + k]];
  const width = 2 * layout.stride;
  for (let f = 0; f < features.length; f++) hist.fill(0, features[f] * width, (features[f] + 1) * width);
  let f = 0;
  for (; f + 4 <= features.length; f += 4) accumulate4(layout, hist, features, f, idx, start, len, ordered);
  for (; f < features.length; f++) accumulate1(layout, hist, features[f], idx, start, len, ordered);
}

function accumulate4(
  layout: HistogramLayout, hist: Float64Array, features: Int32Array, f: number,
  idx: Uint32Array, start: number, len: number, ordered: Float64Array,
): void {
  const { rows, bins, stride } = layout;
  const [j0, j1, j2, j3] = [features[f], features[f + 1], features[f + 2], features[f + 3]];
  const h0 = 2 * j0 * stride;
  const h1 = 2 * j1 * stride;
  const h2 = 2 * j2 * stride;
  const h3 = 2 * j3 * stride;
  const c0 = j0 * rows;
  const c1 = j1 * rows;
  const c2 = j2 * rows;
  const c3 = j3 * rows;
  for (let k = 0; k < len; k++) {
    const r = idx[start + k];
    const g = ordered[k];
    const b0 = h0 + (bins[c0 + r] << 1);
    const b1 = h1 + (bins[c1 + r] << 1);
    const b2 = h2 + (bins[c2 + r] << 1);
    const b3 = h3 + (bins[c3 + r] << 1);
    hist[b0] += g;
    hist[b0 + 1] += 1;
    hist[b1] += g;
    hist[b1 + 1] += 1;
    hist[b2] += g;
    hist[b2 + 1] += 1;
    hist[b3] += g;
    hist[b3 + 1] += 1;
  }
}

function accumulate1(
  layout: HistogramLayout, hist: Float64Array, j: number,
  idx: Uint32Array, start: number, len: number, ordered: Float64Array,
): void {
  const { rows, bins, stride } = layout;
  const h0 = 2 * j * stride;
  const col = j * rows;
  for (let k = 0; k < len; k++) {
    const b = h0 + (bins[col + idx[start + k]] << 1);
    hist[b] += ordered[k];
    hist[b + 1] += 1;
  }
}

/** Turns the parent's histograms into the larger child's: parent − smaller child, for `features`. */
export function subtractHistogram(layout: HistogramLayout, parent: Float64Array, child: Float64Array, features: Int32Array): void {
  const width = 2 * layout.stride;
  for (let f = 0; f < features.length; f++) {
    const h0 = features[f] * width;
    for (let b = h0; b < h0 + width; b++) parent[b] -= child[b];
  }
}

export interface SplitRules {
  readonly minDataInLeaf: number;
  readonly lambdaL2: number;
  readonly minGainToSplit: number;
}

/**
 * The split of largest gain over `features`, or null when none leaves `minDataInLeaf` rows on both sides
 * and gains more than `minGainToSplit` and 0. With G the gradient sum and H the row count of a side,
 *
 *   gain = G_L² / (H_L + λ) + G_R² / (H_R + λ) − G² / (H + λ),
 *
 * twice the drop in squared-error loss that leaf values −G/(H + λ) bring. Ties keep the lowest feature
 * of `features` and the lowest bin.
 */
export function bestSplit(
  layout: HistogramLayout,
  hist: Float64Array,
  features: Int32Array,
  sumGrad: number,
  count: number,
  rules: SplitRules,
): Split | null {
  const { minDataInLeaf, lambdaL2 } = rules;
  if (count < 2 * minDataInLeaf) return null;
  const parentScore = (sumGrad * sumGrad) / (count + lambdaL2);
  let bestGain = Math.max(0, rules.minGainToSplit);
  let best: Split | null = null;
  for (let f = 0; f < features.length; f++) {
    const j = features[f];
    const h0 = 2 * j * layout.stride;
    const last = layout.binCounts[j] - 1;
    let gl = 0;
    let cl = 0;
    for (let b = 0; b < last; b++) {
      gl += hist[h0 + 2 * b];
      cl += hist[h0 + 2 * b + 1];
      if (cl < minDataInLeaf) continue;
      const cr = count - cl;
      if (cr < minDataInLeaf) break;
      const gr = sumGrad - gl;
      const gain = (gl * gl) / (cl + lambdaL2) + (gr * gr) / (cr + lambdaL2) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        best = { gain, feature: j, bin: b, leftGrad: gl, leftCount: cl };
      }
    }
  }
  return best;
}
