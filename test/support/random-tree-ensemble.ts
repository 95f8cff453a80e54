import { fc } from '@fast-check/vitest';
import { encodeOnnxModel, type AttributeSpec } from '../../adapters/onnx/onnx-writer.ts';
import { tensorValue } from '../../adapters/onnx/onnx-types.ts';

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
/** The float32 one representable value above (steps 1) or below (−1) the finite, nonzero float32 `x`. */
export function nextFloat(x: number, steps: number): number {
  f32[0] = x;
  i32[0] = i32[0] + (x > 0 ? steps : -steps);
  return f32[0];
}

/** Values a feature may take near the thresholds `ts`: on one, a float32 step either side, a double that rounds to one, and the odd ones. */
export function featureValue(ts: readonly number[]): fc.Arbitrary<number> {
  const odd = fc.constantFrom(Number.NaN, 0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3.4e38, -1e-45);
  if (ts.length === 0) return fc.oneof(odd, fc.double());
  const t = fc.constantFrom(...ts);
  return fc.oneof(
    t,
    t.map((x) => (x === 0 || !Number.isFinite(x) ? x : nextFloat(x, 1))),
    t.map((x) => (x === 0 || !Number.isFinite(x) ? x : nextFloat(x, -1))),
    t.map((x) => x + Math.abs(x) * 2 ** -30),
    odd,
    fc.double(),
  );
}

/** A random tree: a leaf adds its weights ([target, weight] pairs) to the scores; a split branches on `x[feature] <= threshold`. */
export type RandomTree =
  | { readonly weights: readonly (readonly [number, number])[] }
  | { readonly split: { readonly feature: number; readonly threshold: number; readonly onTrue: RandomTree; readonly onFalse: RandomTree } };

/** Thresholds and weights from a small set, so that rows meet them exactly, with signed zeros and float32 extremes. */
export const THRESHOLDS = [0, -0, 1, -1, 0.1, 2.5, 1e-40, -3.4e38, 16777217, Math.fround(0.3)];
export const WEIGHTS = [0, -0, 0.1, -0.1, 1e-7, 3.4e38, -3.4e38, 1e-45, 16777216, 1];

export function randomEnsemble(features: number, targets: number): fc.Arbitrary<RandomTree[]> {
  const leaf = fc.record({
    weights: fc.array(fc.tuple(fc.integer({ min: 0, max: targets - 1 }), fc.oneof(fc.constantFrom(...WEIGHTS), fc.float({ noNaN: true }))), { maxLength: 3 }),
  });
  const { tree } = fc.letrec<{ tree: RandomTree }>((self) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({
        split: fc.record({
          feature: fc.integer({ min: 0, max: features - 1 }),
          threshold: fc.oneof(fc.constantFrom(...THRESHOLDS), fc.float({ noNaN: true })),
          onTrue: self('tree'),
          onFalse: self('tree'),
        }),
      }),
    ),
  }));
  return fc.array(tree, { minLength: 1, maxLength: 12 });
}

export function ensembleAndRows(): fc.Arbitrary<{ bytes: Uint8Array; rows: number[][] }> {
  return fc.record({ features: fc.integer({ min: 1, max: 6 }), targets: fc.integer({ min: 1, max: 3 }) }).chain(({ features, targets }) =>
    fc.record({
      trees: randomEnsemble(features, targets),
      base: fc.oneof(fc.constant([]), fc.array(fc.constantFrom(...WEIGHTS), { minLength: targets, maxLength: targets })),
      rows: fc.array(fc.array(featureValue(THRESHOLDS), { minLength: features, maxLength: features }), { minLength: 1, maxLength: 20 }),
    }).map(({ trees, base, rows }) => ({ bytes: encodeEnsemble(trees, features, targets, base), rows })),
  );
}

/** The trees as one TreeEnsembleRegressor file; node ids count down, so the id order is not the listing order. */
export function encodeEnsemble(trees: readonly RandomTree[], features: number, targets: number, base: readonly number[]): Uint8Array {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const weights = { treeIds: [] as number[], nodeIds: [] as number[], targetIds: [] as number[], weights: [] as number[] };
  trees.forEach((tree, t) => {
    let next = 1000;
    const add = (node: RandomTree): number => {
      const id = next--;
      const at = treeIds.length;
      treeIds.push(t);
      nodeIds.push(id);
      if ('weights' in node) {
        featureIds.push(0);
        modes.push('LEAF');
        values.push(0);
        trueIds.push(0);
        falseIds.push(0);
        for (const [target, w] of node.weights) {
          weights.treeIds.push(t);
          weights.nodeIds.push(id);
          weights.targetIds.push(target);
          weights.weights.push(w);
        }
        return id;
      }
      featureIds.push(node.split.feature);
      modes.push('BRANCH_LEQ');
      values.push(node.split.threshold);
      trueIds.push(0);
      falseIds.push(0);
      trueIds[at] = add(node.split.onTrue);
      falseIds[at] = add(node.split.onFalse);
      return id;
    };
    add(tree);
  });
  // The weights listed last tree first: the runner orders them by leaf, as onnxruntime does.
  const order = weights.treeIds.map((_, j) => j).reverse();
  return encode(treeIds, nodeIds, featureIds, modes, values, trueIds, falseIds, {
    treeIds: order.map((j) => weights.treeIds[j]), nodeIds: order.map((j) => weights.nodeIds[j]),
    targetIds: order.map((j) => weights.targetIds[j]), weights: order.map((j) => weights.weights[j]),
  }, features, targets, base);
}

function encode(
  treeIds: number[], nodeIds: number[], featureIds: number[], modes: string[], values: number[], trueIds: number[], falseIds: number[],
  w: { treeIds: number[]; nodeIds: number[]; targetIds: number[]; weights: number[] },
  features: number, targets: number, base: readonly number[],
): Uint8Array {
  const attributes: AttributeSpec[] = [
    { name: 'aggregate_function', type: 'string', value: 'SUM' },
    ...(base.length === 0 ? [] : [{ name: 'base_values', type: 'floats', value: base } as const]),
    { name: 'n_targets', type: 'int', value: targets },
    { name: 'nodes_falsenodeids', type: 'ints', value: falseIds },
    { name: 'nodes_featureids', type: 'ints', value: featureIds },
    { name: 'nodes_modes', type: 'strings', value: modes },
    { name: 'nodes_nodeids', type: 'ints', value: nodeIds },
    { name: 'nodes_treeids', type: 'ints', value: treeIds },
    { name: 'nodes_truenodeids', type: 'ints', value: trueIds },
    { name: 'nodes_values', type: 'floats', value: values },
    { name: 'post_transform', type: 'string', value: 'NONE' },
    { name: 'target_ids', type: 'ints', value: w.targetIds },
    { name: 'target_nodeids', type: 'ints', value: w.nodeIds },
    { name: 'target_treeids', type: 'ints', value: w.treeIds },
    { name: 'target_weights', type: 'floats', value: w.weights },
  ];
  return encodeOnnxModel({
    graphName: 'random-trees',
    opsets: [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: 3 }],
    inputs: [tensorValue('features', 'float', ['N', features])],
    outputs: [tensorValue('scores', 'float', ['N', targets])],
    nodes: [{ opType: 'TreeEnsembleRegressor', domain: 'ai.onnx.ml', name: 'trees', inputs: ['features'], outputs: ['scores'], attributes }],
  });
}
