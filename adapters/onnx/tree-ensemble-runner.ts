import { ModelProtoType, int64ToNumber, type DecodedModel, type Int64 } from './onnx-proto.ts';
import { generateEnsembleCode, type EnsembleCode, type FlatEnsemble } from './tree-ensemble-code.ts';

/**
 * A model that is one ai.onnx.ml `TreeEnsembleRegressor` (what `ladder train` exports, see
 * tree-ensemble-export.ts), evaluated here in the process instead of by onnxruntime. On a backtest a
 * prediction is made at every book frame, and a call into the runtime (tensors in, tensors out, the
 * native boundary) costs some tens of µs where walking a few hundred small trees costs a few.
 *
 * It computes what onnxruntime's CPU kernel computes, bit for bit (onnxruntime
 * core/providers/cpu/ml/tree_ensemble_common.h, float input): inputs rounded to float32, each node
 * `x <= threshold` in float32, trees walked in the order their first node appears, each leaf's
 * weights added to its targets in float32 in that order, the base values added last, no post
 * transform. A graph that is anything else (another operator, another aggregate or post transform,
 * other node modes, missing values tracked as true, double-typed attributes) is left to the runtime:
 * `compileTreeEnsemble` returns null for it. test/adapters/onnx-tree-runner.test.ts compares the
 * two runners' outputs bit for bit on the shipped models.
 */
export interface TreeEnsembleRunner {
  /** Features taken (the input's width). */
  readonly features: number;
  /** Targets returned (the output's width). */
  readonly targets: number;
  /** The name of the graph's one output, which `run` returns. */
  readonly output: string;
  /**
   * Scores the row `values` (rounded to float32 on the way in) into a float32 array the runner reuses:
   * read it before the next call.
   */
  run(values: ArrayLike<number>): Float32Array;
}

interface Attribute {
  readonly name: string;
  readonly f?: number;
  readonly i?: Int64;
  readonly s?: Uint8Array;
  readonly floats?: readonly number[];
  readonly ints?: readonly Int64[];
  readonly strings?: readonly Uint8Array[];
  readonly t?: unknown;
}

interface Node {
  readonly opType: string;
  readonly domain?: string;
  readonly input?: readonly string[];
  readonly output?: readonly string[];
  readonly attribute?: readonly Attribute[];
}

interface Graph {
  readonly node?: readonly Node[];
  readonly input?: readonly { readonly name: string }[];
  readonly output?: readonly { readonly name: string }[];
  readonly initializer?: readonly unknown[];
}

/** The attributes this runner understands; any other (a `*_as_tensor` double variant, say) sends the model to the runtime. */
const KNOWN = new Set([
  'aggregate_function', 'base_values', 'n_targets', 'nodes_falsenodeids', 'nodes_featureids', 'nodes_hitrates', 'nodes_modes',
  'nodes_nodeids', 'nodes_treeids', 'nodes_truenodeids', 'nodes_values', 'post_transform', 'target_ids', 'target_nodeids',
  'target_treeids', 'target_weights', 'nodes_missing_value_tracks_true',
]);

const text = (bytes: Uint8Array | undefined): string => (bytes === undefined ? '' : Buffer.from(bytes).toString('utf8'));

export interface RunnerOptions {
  /**
   * Targets whose scores the caller never reads (an ensemble member weighted 0, see
   * `unreadColumns`): their weights are not added and a tree that adds to nothing else is not walked.
   * Their places in `run`'s array then hold no meaningful score. The read targets' scores are the
   * same bits: a sum only loses terms that belonged to other targets.
   */
  readonly unread?: readonly number[];
  /**
   * Whether the trees are walked by code generated for them (tree-ensemble-code.ts), the default, or
   * by the loop over their arrays: the same bits either way, the first several times faster.
   */
  readonly generated?: boolean;
}

/**
 * The runner of an ONNX model's bytes when the model is a single float `TreeEnsembleRegressor`
 * (SUM, no post transform, BRANCH_LEQ and LEAF nodes) from the graph's one input to its one output;
 * null for any other model, which the runtime then runs.
 */
export function compileTreeEnsemble(bytes: Uint8Array, options: RunnerOptions = {}): TreeEnsembleRunner | null {
  let model: DecodedModel;
  try {
    model = ModelProtoType.decode(bytes) as unknown as DecodedModel;
  } catch {
    return null;
  }
  return treeEnsembleOf(model, options);
}

/**
 * `compileTreeEnsemble` of a model already decoded (`decodeOnnx`), as protobufjs leaves it: absent
 * fields at their defaults, int64 values possibly `Long` objects.
 */
export function treeEnsembleOf(model: DecodedModel, options: RunnerOptions = {}): TreeEnsembleRunner | null {
  const graph = (model.graph ?? undefined) as Graph | undefined;
  const nodes = graph?.node ?? [];
  if (graph === undefined || nodes.length !== 1 || (graph.initializer?.length ?? 0) > 0) return null;
  const [node] = nodes as [Node];
  if (node.opType !== 'TreeEnsembleRegressor' || node.domain !== 'ai.onnx.ml') return null;
  if (graph.input?.length !== 1 || graph.output?.length !== 1) return null;
  if (node.input?.[0] !== graph.input[0]?.name || node.output?.[0] !== graph.output[0]?.name) return null;
  const attrs = new Map<string, Attribute>();
  for (const a of node.attribute ?? []) {
    if (!KNOWN.has(a.name)) return null;
    attrs.set(a.name, a);
  }
  if (text(attrs.get('aggregate_function')?.s) !== '' && text(attrs.get('aggregate_function')?.s) !== 'SUM') return null;
  if (text(attrs.get('post_transform')?.s) !== '' && text(attrs.get('post_transform')?.s) !== 'NONE') return null;
  const ints = (name: string): readonly number[] => (attrs.get(name)?.ints ?? []).map(int64ToNumber);
  if (ints('nodes_missing_value_tracks_true').some((v) => v !== 0)) return null;
  const floats = (name: string): readonly number[] => attrs.get(name)?.floats ?? [];
  return build(graph.output[0]?.name ?? '', options, {
    targets: int64ToNumber(attrs.get('n_targets')?.i),
    treeIds: ints('nodes_treeids'), nodeIds: ints('nodes_nodeids'), featureIds: ints('nodes_featureids'),
    modes: (attrs.get('nodes_modes')?.strings ?? []).map(text), values: floats('nodes_values'),
    trueIds: ints('nodes_truenodeids'), falseIds: ints('nodes_falsenodeids'),
    targetTreeIds: ints('target_treeids'), targetNodeIds: ints('target_nodeids'), targetIds: ints('target_ids'),
    targetWeights: floats('target_weights'), baseValues: floats('base_values'),
  });
}

interface Ensemble {
  readonly targets: number;
  readonly treeIds: readonly number[];
  readonly nodeIds: readonly number[];
  readonly featureIds: readonly number[];
  readonly modes: readonly string[];
  readonly values: readonly number[];
  readonly trueIds: readonly number[];
  readonly falseIds: readonly number[];
  readonly targetTreeIds: readonly number[];
  readonly targetNodeIds: readonly number[];
  readonly targetIds: readonly number[];
  readonly targetWeights: readonly number[];
  readonly baseValues: readonly number[];
}

/** Flattens the trees into arrays indexed by node position; null when the ensemble is malformed or uses what this runner does not. */
function build(output: string, options: RunnerOptions, e: Ensemble): TreeEnsembleRunner | null {
  const n = e.nodeIds.length;
  const { targets } = e;
  if (n === 0 || targets <= 0) return null;
  for (const a of [e.treeIds, e.featureIds, e.modes, e.values, e.trueIds, e.falseIds]) if (a.length !== n) return null;
  const m = e.targetIds.length;
  for (const a of [e.targetTreeIds, e.targetNodeIds, e.targetWeights]) if (a.length !== m) return null;
  if (e.baseValues.length !== 0 && e.baseValues.length !== targets) return null;
  const key = (tree: number, id: number): string => `${tree}:${id}`;
  const position = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const k = key(e.treeIds[i], e.nodeIds[i]);
    if (position.has(k)) return null;
    position.set(k, i);
  }
  const feature = new Int32Array(n);
  const threshold = new Float64Array(n);
  const onTrue = new Int32Array(n);
  const onFalse = new Int32Array(n);
  const leaf = new Uint8Array(n);
  let features = 0;
  for (let i = 0; i < n; i++) {
    const mode = e.modes[i];
    const tree = e.treeIds[i];
    if (mode === 'LEAF') {
      leaf[i] = 1;
      continue;
    }
    if (mode !== 'BRANCH_LEQ') return null;
    const t = position.get(key(tree, e.trueIds[i]));
    const f = position.get(key(tree, e.falseIds[i]));
    const fid = e.featureIds[i];
    if (t === undefined || f === undefined || fid < 0) return null;
    feature[i] = fid;
    features = Math.max(features, fid + 1);
    // Thresholds are float32 in the file; held exactly in a double, compared with float32 inputs exactly.
    threshold[i] = Math.fround(e.values[i]);
    onTrue[i] = t;
    onFalse[i] = f;
  }
  // Each leaf's weights, in the order they appear (onnxruntime sorts them by tree, node, then position).
  const order = Array.from({ length: m }, (_, j) => j);
  const leafOf = order.map((j) => position.get(key(e.targetTreeIds[j], e.targetNodeIds[j])));
  if (leafOf.some((p) => p === undefined || leaf[p] !== 1)) return null;
  if (e.targetIds.some((t) => t < 0 || t >= targets)) return null;
  order.sort((a, b) => (leafOf[a] as number) - (leafOf[b] as number) || a - b);
  const unread = new Set(options.unread ?? []);
  const kept = order.filter((j) => !unread.has(e.targetIds[j]));
  const weightStart = new Int32Array(n + 1);
  for (const j of kept) weightStart[(leafOf[j] as number) + 1]++;
  for (let i = 0; i < n; i++) weightStart[i + 1] = (weightStart[i + 1]) + (weightStart[i]);
  const weightTarget = new Int32Array(kept.length);
  const weight = new Float64Array(kept.length);
  kept.forEach((j, slot) => {
    weightTarget[slot] = e.targetIds[j];
    weight[slot] = Math.fround(e.targetWeights[j]);
  });
  // A tree starts wherever the tree id changes, at the first node listed for it (as onnxruntime reads it).
  // A tree listed in two runs would be walked twice there: such a file is left to the runtime.
  const roots: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    if (i > 0 && e.treeIds[i] === e.treeIds[i - 1]) continue;
    if (seen.has(e.treeIds[i])) return null;
    seen.add(e.treeIds[i]);
    roots.push(i);
  }
  // The trees that add to a read target; the others would be walked for nothing.
  const adding = new Set(kept.map((j) => e.treeIds[leafOf[j] as number]));
  const walked = roots.filter((r) => adding.has(e.treeIds[r]));
  const base = Float64Array.from(e.baseValues, (v) => Math.fround(v));
  const flat: FlatEnsemble = { feature, threshold, onTrue, onFalse, leaf, weightStart, weightTarget, weight, roots: Int32Array.from(walked), base };
  const code = options.generated === false ? null : generateEnsembleCode(flat, targets);
  return code === null ? new FlatTrees(features, targets, output, flat) : new GeneratedTrees(features, targets, output, code);
}

/** The runner of the ensemble's generated code. */
class GeneratedTrees implements TreeEnsembleRunner {
  private readonly scores: Float32Array;

  constructor(
    readonly features: number,
    readonly targets: number,
    readonly output: string,
    private readonly code: EnsembleCode,
  ) {
    this.scores = new Float32Array(targets);
  }

  run(values: ArrayLike<number>): Float32Array {
    this.code(values, this.scores);
    return this.scores;
  }
}

/** The walk over the flattened arrays: for an ensemble the generated code does not take, or when asked. */
class FlatTrees implements TreeEnsembleRunner {
  private readonly row: Float32Array;
  private readonly scores: Float32Array;
  /**
   * Node i's split as three integers at 3i: its feature (-1 for a leaf), then the nodes its true and
   * false branches lead to; its threshold at i of `threshold`. A step of the walk reads one place of
   * each array rather than one of five.
   */
  private readonly links: Int32Array;

  constructor(
    readonly features: number,
    readonly targets: number,
    readonly output: string,
    private readonly t: FlatEnsemble,
  ) {
    this.row = new Float32Array(features);
    this.scores = new Float32Array(targets);
    const n = t.feature.length;
    this.links = new Int32Array(3 * n);
    for (let i = 0; i < n; i++) {
      this.links[3 * i] = t.leaf[i] === 1 ? -1 : t.feature[i];
      this.links[3 * i + 1] = t.onTrue[i];
      this.links[3 * i + 2] = t.onFalse[i];
    }
  }

  run(values: ArrayLike<number>): Float32Array {
    const { row, scores, links } = this;
    const { threshold, weightStart, weightTarget, weight, roots, base } = this.t;
    // Writing into a Float32Array rounds to float32: the row is the model's float input, and each sum
    // of two float32 values rounded there is their float32 sum (a double holds it exactly first).
    for (let f = 0; f < row.length; f++) row[f] = values[f];
    scores.fill(0);
    for (let r = 0; r < roots.length; r++) {
      let i = roots[r];
      // NaN compares false and takes the false branch, as onnxruntime's does without missing-value tracking.
      for (let f = links[3 * i]; f >= 0; f = links[3 * i]) i = row[f] <= threshold[i] ? links[3 * i + 1] : links[3 * i + 2];
      for (let w = weightStart[i], end = weightStart[i + 1]; w < end; w++) {
        const target = weightTarget[w];
        scores[target] += weight[w];
      }
    }
    for (let k = 0; k < base.length; k++) scores[k] += base[k];
    return scores;
  }
}
