/**
 * A tree ensemble, flattened into arrays indexed by node position (see tree-ensemble-runner.ts, which
 * builds it from the model file).
 */
export interface FlatEnsemble {
  readonly feature: Int32Array;
  /** Each split's float32 threshold, held exactly in a double. */
  readonly threshold: Float64Array;
  readonly onTrue: Int32Array;
  readonly onFalse: Int32Array;
  readonly leaf: Uint8Array;
  /** Leaf i's weights are weightTarget/weight[weightStart[i] .. weightStart[i + 1]), in the order they are added. */
  readonly weightStart: Int32Array;
  readonly weightTarget: Int32Array;
  readonly weight: Float64Array;
  /** The trees walked, by their first node, in the order they are walked. */
  readonly roots: Int32Array;
  readonly base: Float64Array;
}

/** Adds the leaves of some trees, reached from the float32 row `x`, to the float32 scores `s`. */
export type TreesPart = (x: Float32Array, s: Float32Array) => void;

/**
 * Nodes a generated function holds at most. TurboFan's time to compile a function grows faster than
 * its size: on synthetic-gbdt (some 900 nodes walked) parts of 600 nodes compiled in a fraction of the
 * time one part of 1500 took, and ran as fast (250 nodes: as fast, more calls). A larger ensemble
 * becomes more parts, called in turn.
 */
const PART_NODES = 600;

/** Deeper trees are walked through the arrays: nested blocks that deep would strain the parser. */
const MAX_DEPTH = 64;

/**
 * The trees as JavaScript functions, one if/else nest a tree, thresholds and weights written in as
 * literals: a walk then compares locals with constants, where walking the arrays loads a node's
 * feature, threshold and next node at every step (about 0.27 µs against 0.85 µs a row on
 * synthetic-gbdt's walked trees, once compiled).
 *
 * The same operations on the same values, in the same order: each split is `x_f <= threshold` on the
 * row's float32 value; each leaf weight is added to its target's float32 sum and rounded to float32
 * (`fround`, what a Float32Array store does); trees in root order, a leaf's weights in theirs. A
 * double's shortest decimal form reads back as the same double, and -0, NaN and the infinities are
 * written so that they do too. Null when a tree is deeper than MAX_DEPTH, or where code cannot be
 * generated from strings (node --disallow-code-generation-from-strings): the caller walks the arrays.
 */
export function generateTreeParts(t: FlatEnsemble, features: number, targets: number): TreesPart[] | null {
  if (!proper(t)) return null;
  const parts: TreesPart[] = [];
  /** Each part's node count, which sets how many calls it takes before V8 records its feedback. */
  const sizes: number[] = [];
  let code = '';
  let nodes = 0;
  /** The features the part reads and the targets it adds to, each loaded once into a local. */
  const read = new Set<number>();
  const added = new Set<number>();
  const emit = (): boolean => {
    if (code === '') return true;
    const load = [...read].sort((a, b) => a - b).map((f) => `const x${f}=x[${f}];\n`).join('');
    const sums = [...added].sort((a, b) => a - b);
    const open = sums.map((k) => `let s${k}=s[${k}];\n`).join('');
    const close = sums.map((k) => `s[${k}]=s${k};\n`).join('');
    // A loop run once: its jump back charges V8's tiering budget with the whole body at every call,
    // where forward jumps charge nothing, so the part is optimized after some calls, not thousands.
    const body = `let v=0;\nfor(let once=0;once<1;once++){\n${code}}\n`;
    try {
      // The source holds only numbers and fixed names (see `tree`), never text read from the file. The
      // function is named (a profile shows `treesPart0`, not `anonymous`) by returning a function expression.
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      const make = new Function('fround', `'use strict';\nreturn function treesPart${parts.length}(x, s) {\n${load}${open}${body}${close}};`) as (f: typeof Math.fround) => TreesPart;
      parts.push(make(Math.fround));
      sizes.push(nodes);
    } catch {
      return false;
    }
    code = '';
    nodes = 0;
    read.clear();
    added.clear();
    return true;
  };
  for (let r = 0; r < t.roots.length; r++) {
    const lines: string[] = [];
    const treeReads = new Set<number>();
    const treeAdds = new Set<number>();
    const k = singleTarget(t, t.roots[r]);
    const size = tree(t, t.roots[r], 0, lines, treeReads, treeAdds, k);
    if (size < 0) return null;
    if (k >= 0) {
      // The leaf reached set `v`; its one add comes after the tree, where the next tree's adds follow it as before.
      treeAdds.add(k);
      lines.push(`s${k}=fround(s${k}+v);\n`);
    }
    if (nodes > 0 && nodes + size > PART_NODES && !emit()) return null;
    code += lines.join('');
    nodes += size;
    for (const f of treeReads) read.add(f);
    for (const k of treeAdds) added.add(k);
  }
  if (!emit()) return null;
  prime(t, parts, sizes, features, targets);
  return parts;
}

/** Writes the walk of the (sub)tree at node `i` to `out`; returns its node count, or -1 when it is deeper than MAX_DEPTH. */
function tree(t: FlatEnsemble, i: number, depth: number, out: string[], read: Set<number>, added: Set<number>, single: number): number {
  if (depth > MAX_DEPTH) return -1;
  if (t.leaf[i] === 1) {
    if (single >= 0) {
      // Adding -0 leaves every float32 sum as it was (NaN too): a leaf without a weight adds that.
      out.push(`v=${t.weightStart[i] === t.weightStart[i + 1] ? '-0' : literal(t.weight[t.weightStart[i]])};`);
      return 1;
    }
    for (let w = t.weightStart[i]; w < t.weightStart[i + 1]; w++) {
      const k = t.weightTarget[w];
      added.add(k);
      out.push(`s${k}=fround(s${k}+${literal(t.weight[w])});`);
    }
    return 1;
  }
  // NaN compares false and takes the else branch, as the array walk (and onnxruntime without missing-value tracking) does.
  read.add(t.feature[i]);
  out.push(`if(x${t.feature[i]}<=${literal(t.threshold[i])}){`);
  const yes = tree(t, t.onTrue[i], depth + 1, out, read, added, single);
  if (yes < 0) return -1;
  out.push('}else{');
  const no = tree(t, t.onFalse[i], depth + 1, out, read, added, single);
  if (no < 0) return -1;
  out.push('}\n');
  return 1 + yes + no;
}

/**
 * Whether every walked tree is a tree: no node reached twice, from its own root or another's. A file
 * whose nodes share a subtree or loop back would make generated code of exponential size (or none):
 * it is walked through the arrays, as before.
 */
function proper(t: FlatEnsemble): boolean {
  const seen = new Uint8Array(t.feature.length);
  for (let r = 0; r < t.roots.length; r++) {
    const stack = [t.roots[r]];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (seen[i] === 1) return false;
      seen[i] = 1;
      if (t.leaf[i] !== 1) stack.push(t.onTrue[i], t.onFalse[i]);
    }
  }
  return true;
}

/**
 * The one target every leaf of the tree at `root` adds to, each with at most one weight (a regressor's
 * tree, one a target); -1 for a tree whose leaves add more or elsewhere, or deeper than MAX_DEPTH.
 * Such a tree's walk only picks its leaf's weight, and one add after it does the sum: the optimizing
 * compiler then has one add a tree to compile instead of one a leaf.
 */
function singleTarget(t: FlatEnsemble, root: number): number {
  let target = -1;
  const stack = [root];
  const depth = [0];
  while (stack.length > 0) {
    const i = stack.pop()!;
    const d = depth.pop()!;
    if (d > MAX_DEPTH) return -1;
    if (t.leaf[i] !== 1) {
      stack.push(t.onTrue[i], t.onFalse[i]);
      depth.push(d + 1, d + 1);
      continue;
    }
    const n = t.weightStart[i + 1] - t.weightStart[i];
    if (n > 1) return -1;
    if (n === 0) continue;
    const k = t.weightTarget[t.weightStart[i]];
    if (target >= 0 && k !== target) return -1;
    target = k;
  }
  return target;
}

/** A double as a literal that reads back as the same double; String() writes -0 as 0, and NaN and ±Infinity by name. */
function literal(v: number): string {
  if (Object.is(v, -0)) return '-0';
  if (Number.isNaN(v)) return '(0/0)';
  if (v === Infinity) return '(1/0)';
  if (v === -Infinity) return '(-1/0)';
  return String(v);
}

/** What a walk's path asks of one feature: above `lo` (exclusive), at most `hi`, or NaN. */
interface Bounds {
  lo: number | null;
  hi: number | null;
  /** A split's false branch at threshold +Infinity is reached by NaN alone. */
  nan: boolean;
  /** A true branch was taken: the value is not NaN. */
  number: boolean;
  /** A true branch at a NaN threshold was taken: no value reaches it. */
  never: boolean;
}

/** A leaf a row can reach, and what its path asks of each feature it splits on. */
interface Leaf {
  readonly node: number;
  readonly needs: ReadonlyMap<number, Bounds>;
}

/**
 * Runs the generated parts on rows that reach every leaf a row can reach. V8 optimizes a function on
 * the types each of its comparisons and accesses has seen, and a branch never taken before has seen
 * none: taking it later throws the optimized code away (a deopt) and compiles the function again,
 * which for a function of a thousand nodes costs the better part of a second. Rows are made tree by
 * tree, each leading one more tree to a leaf not reached yet when it can, until each reachable leaf
 * has been (or `PRIME_ROWS` rows have run). Priming writes into its own scores, never the runner's.
 */
function prime(t: FlatEnsemble, parts: readonly TreesPart[], sizes: readonly number[], features: number, targets: number): void {
  // Each tree's leaves not reached yet, in node order.
  let pending: Leaf[][] = [];
  for (let r = 0; r < t.roots.length; r++) {
    const leaves: Leaf[] = [];
    const walk = (i: number, needs: Map<number, Bounds>): void => {
      if (t.leaf[i] === 1) {
        if (possible(needs)) leaves.push({ node: i, needs });
        return;
      }
      for (const yes of [true, false]) {
        const next = new Map<number, Bounds>();
        for (const [f, b] of needs) next.set(f, { ...b });
        ask(next, t.feature[i], t.threshold[i], yes);
        walk(yes ? t.onTrue[i] : t.onFalse[i], next);
      }
    };
    walk(t.roots[r], new Map());
    pending.push(leaves);
  }
  const reached = new Uint8Array(t.feature.length);
  const row = new Float32Array(features);
  const scores = new Float32Array(targets);
  // A function records what it sees only once it has run for a while (V8 allocates its feedback
  // lazily): on synthetic-gbdt's parts of 600 nodes, branches first taken after 32 calls still threw
  // the optimized code away, after 64 none did. Twice that, more for a larger part, comes first.
  parts.forEach((part, p) => {
    for (let warm = 0; warm < Math.max(128, sizes[p] / 4); warm++) part(row, scores);
  });
  for (let rows = 0; rows < PRIME_ROWS; rows++) {
    const bounds = new Map<number, Bounds>();
    for (const leaves of pending) {
      const leaf = leaves.find((l) => fits(bounds, l.needs));
      if (leaf !== undefined) for (const [f, b] of leaf.needs) merge(bounds, f, b);
    }
    row.fill(0);
    for (const [f, b] of bounds) row[f] = valueIn(b);
    for (const part of parts) part(row, scores);
    let fresh = false;
    for (let r = 0; r < t.roots.length; r++) {
      let i = t.roots[r];
      while (t.leaf[i] !== 1) i = row[t.feature[i]] <= t.threshold[i] ? t.onTrue[i] : t.onFalse[i];
      if (reached[i] === 0) fresh = true;
      reached[i] = 1;
    }
    if (!fresh) return;
    pending = pending.map((leaves) => leaves.filter((l) => reached[l.node] === 0));
  }
}

/** Rows `prime` runs at most: enough for every leaf of hundreds of trees of a few dozen leaves. */
const PRIME_ROWS = 2048;

/** Adds a split's branch to what a path asks of feature `f`. */
function ask(needs: Map<number, Bounds>, f: number, threshold: number, yes: boolean): void {
  // A NaN threshold sends every value to the false branch, and asks nothing of it.
  if (Number.isNaN(threshold) && !yes) return;
  merge(needs, f, yes
    ? { lo: null, hi: Number.isNaN(threshold) ? Number.NEGATIVE_INFINITY : threshold, nan: false, number: true, never: Number.isNaN(threshold) }
    : threshold === Infinity ? { lo: null, hi: null, nan: true, number: false, never: false } : { lo: threshold, hi: null, nan: false, number: false, never: false });
}

/** `bounds`'s asks of `f`, narrowed by `b`'s. */
function merge(bounds: Map<number, Bounds>, f: number, b: Bounds): void {
  const a = bounds.get(f);
  if (a === undefined) {
    bounds.set(f, { ...b });
    return;
  }
  if (b.lo !== null && (a.lo === null || b.lo > a.lo)) a.lo = b.lo;
  if (b.hi !== null && (a.hi === null || b.hi < a.hi)) a.hi = b.hi;
  a.nan ||= b.nan;
  a.number ||= b.number;
  a.never ||= b.never;
}

/** Whether a value meets every ask: NaN meets every false branch and no true one; a number needs room above `lo` and at most `hi`. */
function possible(needs: ReadonlyMap<number, Bounds>): boolean {
  for (const b of needs.values()) if (!meetable(b.lo, b.hi, b.nan, b.number, b.never)) return false;
  return true;
}

function meetable(lo: number | null, hi: number | null, nan: boolean, number: boolean, never: boolean): boolean {
  if (never) return false;
  return nan ? !number : lo === null || hi === null || hi > lo;
}

/** Whether the asks `needs` can be met together with `bounds`, without changing either. */
function fits(bounds: ReadonlyMap<number, Bounds>, needs: ReadonlyMap<number, Bounds>): boolean {
  for (const [f, b] of needs) {
    const a = bounds.get(f);
    if (a === undefined) continue;
    const lo = a.lo === null ? b.lo : b.lo === null ? a.lo : Math.max(a.lo, b.lo);
    const hi = a.hi === null ? b.hi : b.hi === null ? a.hi : Math.min(a.hi, b.hi);
    if (!meetable(lo, hi, a.nan || b.nan, a.number || b.number, a.never || b.never)) return false;
  }
  return true;
}

/** A float32 value within `b` (thresholds are float32 values, so `hi` itself is one). */
function valueIn(b: Bounds): number {
  if (b.nan) return Number.NaN;
  if (b.hi !== null) return b.hi;
  return b.lo === null ? 0 : Infinity;
}
