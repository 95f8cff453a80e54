/**
 * One regression tree as flat arrays indexed by node id; node 0 is the root. An internal node sends a
 * row left when `Math.fround(x[feature]) <= threshold` (float32 on both sides, as ONNX's BRANCH_LEQ
 * compares), right otherwise. A leaf has feature −1 and holds its value already multiplied by the
 * learning rate and rounded to float32, the number an ONNX tree ensemble stores as its weight.
 */
export interface Tree {
  /** Split feature of each node, −1 for a leaf. */
  readonly feature: Int32Array;
  /** Float32 threshold of each internal node, 0 for a leaf. */
  readonly threshold: Float32Array;
  /** Child node ids of each internal node (x ≤ threshold goes left), −1 for a leaf. */
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Leaf values (shrunk by the learning rate, float32), 0 for an internal node. */
  readonly value: Float32Array;
  /** Split gain of each internal node, 0 for a leaf. */
  readonly gain: Float64Array;
  /** Training rows (of the round's bag) that reached each node. */
  readonly count: Int32Array;
}

/** The leaf a row reaches; the row's features are `values[offset..offset + features)`. */
export function leafOf(tree: Tree, values: ArrayLike<number>, offset: number): number {
  const { feature, threshold, left, right } = tree;
  let node = 0;
  while (feature[node] >= 0) {
    node = Math.fround(values[offset + feature[node]]) <= threshold[node] ? left[node] : right[node];
  }
  return node;
}

export const treeValue = (tree: Tree, values: ArrayLike<number>, offset: number): number =>
  tree.value[leafOf(tree, values, offset)];

export const isLeaf = (tree: Tree, node: number): boolean => tree.feature[node] < 0;

/** Number of leaves of a tree. */
export function leafCount(tree: Tree): number {
  let n = 0;
  for (let i = 0; i < tree.feature.length; i++) if (tree.feature[i] < 0) n++;
  return n;
}
