import type { BinnedData } from './binning.ts';
import { bestSplit, buildHistogram, subtractHistogram, type HistogramLayout, type Split, type SplitRules } from './histogram.ts';
import type { Tree } from './tree.ts';

/** Buffers shared by every tree of a training run, allocated once. */
export interface GrowContext {
  readonly data: BinnedData;
  readonly layout: HistogramLayout;
  readonly rules: SplitRules;
  readonly numLeaves: number;
  readonly learningRate: number;
  /** Gradient of every training row (prediction − label). */
  readonly grad: Float64Array;
  /** The round's bagged rows in `idx[0..bagSize)`, ascending; partitioned in place leaf by leaf. */
  readonly idx: Uint32Array;
  /** Scratch of `rows` entries for partitioning and for gathered gradients. */
  readonly scratch: Uint32Array;
  readonly ordered: Float64Array;
  /** `numLeaves` histogram buffers. */
  readonly histPool: Float64Array[];
}

/** A grown tree, with the bin thresholds of its splits and the range of `idx` each leaf holds. */
export interface GrownTree {
  readonly tree: Tree;
  /** Bin threshold of each internal node (rows with bin ≤ it go left), −1 for a leaf. */
  readonly binThreshold: Int32Array;
  readonly leaves: readonly { readonly node: number; readonly start: number; readonly end: number }[];
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  sumGrad: number;
  hist: Float64Array;
  split: Split | null;
}

/** Mutable node arrays of the tree being grown. */
class NodeArrays {
  readonly feature: Int32Array;
  readonly binThreshold: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float32Array;
  readonly gain: Float64Array;
  readonly count: Int32Array;
  size = 1;

  constructor(capacity: number) {
    this.feature = new Int32Array(capacity).fill(-1);
    this.binThreshold = new Int32Array(capacity).fill(-1);
    this.left = new Int32Array(capacity).fill(-1);
    this.right = new Int32Array(capacity).fill(-1);
    this.value = new Float32Array(capacity);
    this.gain = new Float64Array(capacity);
    this.count = new Int32Array(capacity);
  }
}

/**
 * Grows one tree leaf-wise on the bagged rows `idx[0..bagSize)` using only `features`: the leaf whose
 * best split gains most is split next, until `numLeaves` leaves or no leaf has a split worth making.
 * The smaller child's histograms are built from its rows and the larger's by subtraction from the
 * parent's. Returns null when even the root cannot be split.
 */
export function growTree(ctx: GrowContext, bagSize: number, features: Int32Array): GrownTree | null {
  const { layout, rules, idx, grad, histPool } = ctx;
  const pool = [...histPool];
  const nodes = new NodeArrays(2 * ctx.numLeaves - 1);
  let sumGrad = 0;
  for (let k = 0; k < bagSize; k++) sumGrad += grad[idx[k]];
  const rootHist = pool.pop()!;
  buildHistogram(layout, rootHist, features, idx, 0, bagSize, grad, ctx.ordered);
  const root: Leaf = { node: 0, start: 0, end: bagSize, sumGrad, hist: rootHist, split: null };
  root.split = bestSplit(layout, rootHist, features, sumGrad, bagSize, rules);
  if (root.split === null) return null;
  nodes.count[0] = bagSize;
  const leaves: Leaf[] = [root];
  while (leaves.length < ctx.numLeaves) {
    let pick = -1;
    for (let l = 0; l < leaves.length; l++) {
      const s = leaves[l].split;
      if (s !== null && (pick < 0 || s.gain > leaves[pick].split!.gain)) pick = l;
    }
    if (pick < 0) break;
    const [left, right] = splitLeaf(ctx, nodes, leaves[pick], features, pool);
    leaves[pick] = left;
    leaves.push(right);
  }
  for (const leaf of leaves) {
    const n = leaf.end - leaf.start;
    nodes.value[leaf.node] = Math.fround((-leaf.sumGrad / (n + rules.lambdaL2)) * ctx.learningRate);
  }
  return {
    tree: toTree(ctx.data, nodes),
    binThreshold: nodes.binThreshold.slice(0, nodes.size),
    leaves: leaves.map((l) => ({ node: l.node, start: l.start, end: l.end })),
  };
}

function splitLeaf(ctx: GrowContext, nodes: NodeArrays, leaf: Leaf, features: Int32Array, pool: Float64Array[]): [Leaf, Leaf] {
  const split = leaf.split!;
  const mid = partition(ctx, leaf.start, leaf.end, split.feature, split.bin);
  const p = leaf.node;
  const l = nodes.size;
  const r = nodes.size + 1;
  nodes.size += 2;
  nodes.feature[p] = split.feature;
  nodes.binThreshold[p] = split.bin;
  nodes.left[p] = l;
  nodes.right[p] = r;
  nodes.gain[p] = split.gain;
  nodes.count[l] = mid - leaf.start;
  nodes.count[r] = leaf.end - mid;
  const leftLeaf: Leaf = { node: l, start: leaf.start, end: mid, sumGrad: split.leftGrad, hist: leaf.hist, split: null };
  const rightLeaf: Leaf = { node: r, start: mid, end: leaf.end, sumGrad: leaf.sumGrad - split.leftGrad, hist: leaf.hist, split: null };
  const [small, large] = mid - leaf.start <= leaf.end - mid ? [leftLeaf, rightLeaf] : [rightLeaf, leftLeaf];
  small.hist = pool.pop()!;
  buildHistogram(ctx.layout, small.hist, features, ctx.idx, small.start, small.end, ctx.grad, ctx.ordered);
  subtractHistogram(ctx.layout, large.hist, small.hist, features);
  for (const child of [leftLeaf, rightLeaf]) {
    child.split = bestSplit(ctx.layout, child.hist, features, child.sumGrad, child.end - child.start, ctx.rules);
  }
  return [leftLeaf, rightLeaf];
}

/**
 * Stable in-place partition of `idx[start..end)`: rows whose bin of `feature` is ≤ `bin` first. Keeping
 * the rows ascending keeps the histogram passes' reads of each bin column moving forward. Returns the
 * first index of the right part.
 */
function partition(ctx: GrowContext, start: number, end: number, feature: number, bin: number): number {
  const { idx, scratch } = ctx;
  const bins = ctx.data.bins;
  const col = feature * ctx.data.rows;
  let l = start;
  let r = 0;
  for (let k = start; k < end; k++) {
    const row = idx[k];
    if (bins[col + row] <= bin) idx[l++] = row;
    else scratch[r++] = row;
  }
  idx.set(scratch.subarray(0, r), l);
  return l;
}

function toTree(data: BinnedData, nodes: NodeArrays): Tree {
  const n = nodes.size;
  const threshold = new Float32Array(n);
  for (let i = 0; i < n; i++) if (nodes.feature[i] >= 0) threshold[i] = data.edges[nodes.feature[i]][nodes.binThreshold[i]];
  return {
    feature: nodes.feature.slice(0, n),
    threshold,
    left: nodes.left.slice(0, n),
    right: nodes.right.slice(0, n),
    value: nodes.value.slice(0, n),
    gain: nodes.gain.slice(0, n),
    count: nodes.count.slice(0, n),
  };
}
