import type { Dataset } from './params.ts';

/**
 * Feature values reduced to histogram bins. Bin `b` of feature `j` holds the values `x` with
 * `edges[j][b - 1] < fround(x) <= edges[j][b]` (the last bin is open above), so a split "bin ≤ t" is the
 * test `Math.fround(x) <= edges[j][t]`: the float32 comparison an ONNX tree ensemble makes.
 */
export interface BinnedData {
  readonly rows: number;
  readonly features: number;
  /** Column-major: bin of row i, feature j at `bins[j * rows + i]`. */
  readonly bins: Uint8Array;
  /** Float32 upper edges a feature, ascending; a feature of one value has none (and one bin). */
  readonly edges: readonly Float32Array[];
}

/** Rows read to choose the edges: enough for 255 quantiles, cheap for a million rows. */
const EDGE_SAMPLE_ROWS = 200_000;

/**
 * Throws when a value is not finite, naming row and feature: the caller cleans its data first, so such a
 * value is a bug there, not an expected outcome.
 */
export function checkFinite(data: Dataset, what: string): void {
  const { values, features } = data;
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k])) {
      throw new Error(`${what} row ${Math.floor(k / features)}, feature ${k % features} is ${values[k]}: feature values must be finite`);
    }
  }
  for (let i = 0; i < data.rows; i++) {
    if (!Number.isFinite(data.labels[i])) throw new Error(`${what} row ${i} has label ${data.labels[i]}: labels must be finite`);
  }
}

/** Bins every value of `data` against edges chosen from (a sample of) its own values. */
export function binDataset(data: Dataset, maxBins: number): BinnedData {
  const { rows, features, values } = data;
  const edges: Float32Array[] = [];
  const padded: Float32Array[] = [];
  for (let j = 0; j < features; j++) {
    edges.push(featureEdges(data, j, maxBins));
    padded.push(paddedEdges(edges[j]));
  }
  const bins = new Uint8Array(rows * features);
  for (let j = 0; j < features; j++) {
    const p = padded[j];
    const col = j * rows;
    for (let i = 0; i < rows; i++) bins[col + i] = binOfPadded(p, values[i * features + j]);
  }
  return { rows, features, bins, edges };
}

/** Edges padded to 256 entries with +∞, the table `binOfPadded` searches. */
export function paddedEdges(edges: Float32Array): Float32Array {
  if (edges.length > 255) throw new Error(`a feature has at most 255 edges, got ${edges.length}`);
  const p = new Float32Array(256).fill(Infinity);
  p.set(edges);
  return p;
}

/**
 * The bin of x: the number of edges below fround(x), so the first bin whose upper edge is at least
 * fround(x), or the last bin. A binary search without branches over the 256 padded entries: the
 * comparisons of bins of random values are unpredictable, and turning each into an addend instead of
 * a branch makes binning a million rows of 60 features about four times faster.
 */
export function binOfPadded(p: Float32Array, x: number): number {
  const fx = Math.fround(x);
  let pos = 0;
  pos += 128 * +(p[pos + 127] < fx);
  pos += 64 * +(p[pos + 63] < fx);
  pos += 32 * +(p[pos + 31] < fx);
  pos += 16 * +(p[pos + 15] < fx);
  pos += 8 * +(p[pos + 7] < fx);
  pos += 4 * +(p[pos + 3] < fx);
  pos += 2 * +(p[pos + 1] < fx);
  pos += +(p[pos] < fx);
  return pos;
}

/**
 * Upper edges of one feature's bins, from the float32 values of up to `EDGE_SAMPLE_ROWS` evenly spaced
 * rows. With few distinct values each gets a bin; otherwise bins hold about equal shares of the sample,
 * and a value frequent enough to fill a share alone gets a bin of its own. Edges sit halfway between
 * neighbouring sample values (rounded to float32), so an unseen value between them falls near the
 * middle.
 */
export function featureEdges(data: Dataset, j: number, maxBins: number): Float32Array {
  const m = Math.min(data.rows, EDGE_SAMPLE_ROWS);
  const sample = new Float32Array(m);
  for (let s = 0; s < m; s++) sample[s] = data.values[Math.floor((s * data.rows) / m) * data.features + j];
  sortFloat32(sample);
  let distinct = 0;
  for (let s = 0; s < m; s++) if (s === 0 || sample[s] !== sample[s - 1]) distinct++;
  const out: number[] = [];
  if (distinct <= maxBins) {
    for (let s = 1; s < m; s++) if (sample[s] !== sample[s - 1]) out.push(midpoint(sample[s - 1], sample[s]));
    return Float32Array.from(out);
  }
  // After each edge the remaining sample is shared anew among the remaining bins, so a heavy value
  // that fills more than one share leaves no run of near-empty bins behind it. An edge can only fall
  // where the value changes, after the last copy of a value.
  let target = m / maxBins;
  for (let s = 1; s < m && out.length < maxBins - 1; s++) {
    if (s < target || sample[s] === sample[s - 1]) continue;
    out.push(midpoint(sample[s - 1], sample[s]));
    target = s + (m - s) / (maxBins - out.length);
  }
  return Float32Array.from(out);
}

/** A float32 value in [a, b) between float32 values a < b: their midpoint, or a when none lies between. */
function midpoint(a: number, b: number): number {
  const m = Math.fround((a + b) / 2);
  return m < b ? m : a;
}

/**
 * Sorts finite float32 values ascending by a two-pass radix sort of their bits, mapped so that unsigned
 * order is numeric order (negative values have all bits flipped, others the sign bit set). Several times
 * faster than the built-in sort on 200,000 values. −0 sorts before +0, which compare equal.
 */
export function sortFloat32(values: Float32Array): void {
  const n = values.length;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const b = bits[i];
    keys[i] = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
  }
  const tmp = new Uint32Array(n);
  radixPass(keys, tmp, 0);
  radixPass(tmp, keys, 16);
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    bits[i] = k & 0x80000000 ? (k & 0x7fffffff) >>> 0 : ~k >>> 0;
  }
}

/** One stable counting pass of 16 bits of `from` (starting at `shift`) into `to`. */
function radixPass(from: Uint32Array, to: Uint32Array, shift: number): void {
  const counts = new Uint32Array(65537);
  for (let i = 0; i < from.length; i++) counts[((from[i] >>> shift) & 0xffff) + 1]++;
  for (let d = 1; d <= 65536; d++) counts[d] += counts[d - 1];
  for (let i = 0; i < from.length; i++) to[counts[(from[i] >>> shift) & 0xffff]++] = from[i];
}
