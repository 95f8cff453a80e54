/**
 * A tree ensemble turned into JavaScript: each split an `if` on a local variable against its
 * threshold written as a literal, each leaf the additions of its weights. A backtest predicts at every
 * book frame, and the walk over the flattened arrays (tree-ensemble-runner.ts) paid for its array
 * reads, bounds and map checks at every step of every tree: some 60 machine instructions a step, where
 * the generated code takes a handful.
 *
 * It computes the same bits as that walk, step for step: each input rounded to float32 once
 * (`Math.fround`, what the walk's Float32Array row does), `x <= t` against the same float32 threshold
 * (a literal of the double that holds it prints and reads back exactly; NaN compares false and takes
 * the false branch), the trees in the same order, each leaf's weights added in the same order and each
 * sum rounded to float32 at once, the base values last. test/adapters/onnx-tree-code.prop.test.ts
 * holds the two to it.
 *
 * Only numbers reach the generated text: feature indices and targets are checked integers, and
 * thresholds, weights and base values are printed by `String` of a number (or `-0`).
 */

/**
 * An ensemble flattened into arrays indexed by node position. A split reads `feature`, `threshold`
 * (a float32 value held exactly) and goes to `onTrue` or `onFalse`; a leaf (`leaf` 1) adds
 * `weight[w]` to target `weightTarget[w]` for w in `[weightStart[i], weightStart[i + 1])`. Trees are
 * walked from `roots`, in order; `base` is added last (empty: nothing is added).
 */
export interface FlatEnsemble {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly onTrue: Int32Array;
  readonly onFalse: Int32Array;
  readonly leaf: Uint8Array;
  readonly weightStart: Int32Array;
  readonly weightTarget: Int32Array;
  readonly weight: Float64Array;
  readonly roots: Int32Array;
  readonly base: Float64Array;
}

/** Scores `values` into `scores` (float32, one place a target), as the whole ensemble does. */
export type EnsembleCode = (values: ArrayLike<number>, scores: Float32Array) => void;

/**
 * Nodes and weights a generated function holds at most, so that V8 optimizes it: it leaves a function
 * of more than 60 KB of bytecode to the interpreter, and a node costs some 10 to 20 bytes.
 */
const CHUNK_BUDGET = 2_000;
/** Deeper trees are left to the array walk: the generated `if`s nest as deep as the tree. */
const MAX_DEPTH = 64;
/** More targets are left to the array walk: each is a local variable of every generated function. */
const MAX_TARGETS = 64;

type Chunk = (values: ArrayLike<number>, scores: Float32Array) => void;

/**
 * The generated code of `flat` (`targets` wide); null where the array walk should stay: a tree too
 * large or too deep, too many targets, or a process that forbids code from strings
 * (`--disallow-code-generation-from-strings`).
 */
export function generateEnsembleCode(flat: FlatEnsemble, targets: number): EnsembleCode | null {
  if (!Number.isInteger(targets) || targets < 1 || targets > MAX_TARGETS) return null;
  const groups: number[][] = [];
  let group: number[] = [];
  let size = 0;
  for (const root of flat.roots) {
    const tree = measure(flat, root);
    if (tree === null || tree.size > CHUNK_BUDGET) return null;
    if (size + tree.size > CHUNK_BUDGET && group.length > 0) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(root);
    size += tree.size;
  }
  groups.push(group);
  const chunks: Chunk[] = [];
  try {
    groups.forEach((roots, c) => {
      const chunk = chunkCode(flat, targets, roots, c === 0, c === groups.length - 1);
      warm(flat, roots, chunk, targets);
      chunks.push(chunk);
    });
  } catch (e) {
    if (e instanceof EvalError) return null;
    throw e;
  }
  if (chunks.length === 1) return chunks[0];
  return (values, scores) => {
    for (let c = 0; c < chunks.length; c++) chunks[c](values, scores);
  };
}

/** A tree's nodes and weights, or null when it is deeper than MAX_DEPTH or reads a feature index that is not a whole number. */
function measure(flat: FlatEnsemble, root: number): { size: number } | null {
  let size = 0;
  const stack = [root, 0];
  while (stack.length > 0) {
    const depth = stack.pop() as number;
    const i = stack.pop() as number;
    if (depth > MAX_DEPTH) return null;
    size++;
    if (flat.leaf[i] === 1) {
      size += flat.weightStart[i + 1] - flat.weightStart[i];
      continue;
    }
    if (!Number.isInteger(flat.feature[i]) || flat.feature[i] < 0) return null;
    stack.push(flat.onTrue[i], depth + 1, flat.onFalse[i], depth + 1);
  }
  return { size };
}

/** A number as a literal that reads back as the same double (`String` drops the sign of -0). */
function literal(v: number): string {
  return Object.is(v, -0) ? '(-0)' : `(${String(v)})`;
}

/**
 * One function walking the trees of `roots`: it reads the scores so far from `scores` (or starts at
 * 0 when `first`), adds the base values when `last`, and writes the scores back.
 */
function chunkCode(flat: FlatEnsemble, targets: number, roots: readonly number[], first: boolean, last: boolean): Chunk {
  const read = new Set<number>();
  const node = (i: number): string => {
    if (flat.leaf[i] === 1) {
      let adds = '';
      for (let w = flat.weightStart[i]; w < flat.weightStart[i + 1]; w++) {
        const s = `s${flat.weightTarget[w]}`;
        adds += `${s} = F(${s} + ${literal(flat.weight[w])});`;
      }
      return adds;
    }
    const f = flat.feature[i];
    read.add(f);
    return `if (x${f} <= ${literal(flat.threshold[i])}) {${node(flat.onTrue[i])}} else {${node(flat.onFalse[i])}}`;
  };
  const trees = roots.map(node).join('\n');
  const lines = ['"use strict";', 'const F = Math.fround;'];
  for (const f of [...read].sort((a, b) => a - b)) lines.push(`const x${f} = F(v[${f}]);`);
  for (let k = 0; k < targets; k++) lines.push(`let s${k} = ${first ? '0' : `out[${k}]`};`);
  lines.push(trees);
  for (let k = 0; k < targets; k++) {
    lines.push(last && k < flat.base.length ? `out[${k}] = F(s${k} + ${literal(flat.base[k])});` : `out[${k}] = s${k};`);
  }
  // Only numbers and the names above are in the text (see the top of this file).
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('v', 'out', lines.join('\n')) as Chunk;
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The float32 value one step from the float32 `x` toward +infinity (up) or -infinity (down); x finite. */
function step32(x: number, up: boolean): number {
  f32[0] = x;
  if (x === 0) {
    i32[0] = 1;
    return up ? f32[0] : -f32[0];
  }
  i32[0] += x > 0 === up ? 1 : -1;
  return f32[0];
}

/**
 * Runs the chunk once on a row that reaches each of its leaves. V8 optimizes a function for what it
 * has seen run: a comparison or an addition that never ran is compiled as a bail-out, and the first
 * row to reach it throws the optimized code away. A leaf no row can reach (its path contradicts
 * itself) is skipped. The rows' values are not whole numbers where they can help it, so the
 * comparisons are seen on doubles, as the features will be.
 */
function warm(flat: FlatEnsemble, roots: readonly number[], chunk: Chunk, targets: number): void {
  let width = 0;
  for (let i = 0; i < flat.feature.length; i++) if (flat.leaf[i] !== 1) width = Math.max(width, flat.feature[i] + 1);
  // Per feature, the open interval (above, atMost] the path so far allows.
  const above = new Float64Array(width).fill(-Infinity);
  const atMost = new Float64Array(width).fill(Infinity);
  const row = new Float64Array(width);
  const scores = new Float32Array(targets);
  const visit = (i: number): void => {
    if (flat.leaf[i] === 1) {
      for (let f = 0; f < width; f++) {
        const lo = above[f];
        const hi = atMost[f];
        if (!(hi > lo)) return;
        if (hi === Infinity) row[f] = lo === -Infinity ? 0.5 : step32(lo, true);
        else if (hi === -Infinity) row[f] = -Infinity;
        else {
          const below = step32(hi, false);
          row[f] = below > lo ? below : hi;
        }
      }
      chunk(row, scores);
      return;
    }
    const f = flat.feature[i];
    const t = flat.threshold[i];
    const lo = above[f];
    const hi = atMost[f];
    // NaN never compares true: only the false branch is reachable, and it bounds nothing.
    if (!Number.isNaN(t)) {
      atMost[f] = Math.min(hi, t);
      visit(flat.onTrue[i]);
      atMost[f] = hi;
      above[f] = Math.max(lo, t);
    }
    visit(flat.onFalse[i]);
    above[f] = lo;
  };
  for (const root of roots) visit(root);
}
