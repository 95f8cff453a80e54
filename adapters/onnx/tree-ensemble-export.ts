import type { GbdtModel } from '../../domain/model/gbdt/model.ts';
import type { Tree } from '../../domain/model/gbdt/tree.ts';
import { tensorValue } from './onnx-types.ts';
import { encodeOnnxModel, type AttributeSpec, type ModelSpec } from './onnx-writer.ts';

/** Names and descriptions of an exported tree ensemble. */
export interface TreeEnsembleExport {
  readonly graphName: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly docString?: string;
  readonly metadata?: readonly (readonly [string, string])[];
}

/**
 * ai.onnx.ml 3 is the last opset whose TreeEnsembleRegressor takes thresholds and weights as float
 * lists (opset 5 replaces it by TreeEnsemble); onnxruntime runs it with float32 thresholds, inputs and
 * accumulator, which `predictRow` reproduces.
 */
const ML_OPSET = 3;
const ONNX_OPSET = 17;

/**
 * One `TreeEnsembleRegressor` node computing every model at once: input float [N, features], output
 * float [N, models.length] whose column t is model t's prediction (its base value plus the sum of its
 * trees' leaf weights). Rows go to the true branch when `x <= threshold` (BRANCH_LEQ); a NaN input
 * goes to the false branch, as in `predictRow`. Tree ids run on across the models, so each is unique.
 * Throws when there is no model or the models disagree on the number of features.
 */
export function treeEnsembleModelSpec(models: readonly GbdtModel[], opts: TreeEnsembleExport): ModelSpec {
  if (models.length === 0) throw new Error('a tree ensemble export needs at least one model');
  const features = models[0].features;
  models.forEach((m, t) => {
    if (m.features !== features) throw new Error(`model ${t} takes ${m.features} features but model 0 takes ${features}`);
  });
  return {
    graphName: opts.graphName,
    docString: opts.docString,
    metadata: opts.metadata,
    opsets: [{ domain: '', version: ONNX_OPSET }, { domain: 'ai.onnx.ml', version: ML_OPSET }],
    inputs: [tensorValue(opts.inputName, 'float', ['N', features])],
    outputs: [tensorValue(opts.outputName, 'float', ['N', models.length])],
    nodes: [{
      opType: 'TreeEnsembleRegressor',
      domain: 'ai.onnx.ml',
      name: 'trees',
      inputs: [opts.inputName],
      outputs: [opts.outputName],
      attributes: ensembleAttributes(models),
    }],
  };
}

/** `treeEnsembleModelSpec` encoded as ONNX bytes. */
export function encodeTreeEnsemble(models: readonly GbdtModel[], opts: TreeEnsembleExport): Uint8Array {
  return encodeOnnxModel(treeEnsembleModelSpec(models, opts));
}

const SINGLE_ZERO_LEAF: Tree = {
  feature: Int32Array.of(-1),
  threshold: Float32Array.of(0),
  left: Int32Array.of(-1),
  right: Int32Array.of(-1),
  value: Float32Array.of(0),
  gain: Float64Array.of(0),
  count: Int32Array.of(0),
};

/** The node and target lists, with every tree of model 0 first, then model 1's, ... */
function ensembleAttributes(models: readonly GbdtModel[]): AttributeSpec[] {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const targetTreeIds: number[] = [];
  const targetNodeIds: number[] = [];
  const targetIds: number[] = [];
  const targetWeights: number[] = [];
  let treeId = 0;
  models.forEach((model, target) => {
    // A model without trees predicts its base value; onnxruntime wants at least one tree a target, so it
    // gets a single leaf of weight 0, which leaves the float32 sum unchanged.
    const trees = model.trees.length > 0 ? model.trees : [SINGLE_ZERO_LEAF];
    for (const tree of trees) {
      for (let node = 0; node < tree.feature.length; node++) {
        const leaf = tree.feature[node] < 0;
        treeIds.push(treeId);
        nodeIds.push(node);
        featureIds.push(leaf ? 0 : tree.feature[node]);
        modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
        values.push(leaf ? 0 : tree.threshold[node]);
        trueIds.push(leaf ? 0 : tree.left[node]);
        falseIds.push(leaf ? 0 : tree.right[node]);
        if (!leaf) continue;
        targetTreeIds.push(treeId);
        targetNodeIds.push(node);
        targetIds.push(target);
        targetWeights.push(tree.value[node]);
      }
      treeId++;
    }
  });
  return [
    { name: 'aggregate_function', type: 'string', value: 'SUM' },
    { name: 'base_values', type: 'floats', value: models.map((m) => m.baseScore) },
    { name: 'n_targets', type: 'int', value: models.length },
    { name: 'nodes_falsenodeids', type: 'ints', value: falseIds },
    { name: 'nodes_featureids', type: 'ints', value: featureIds },
    { name: 'nodes_modes', type: 'strings', value: modes },
    { name: 'nodes_nodeids', type: 'ints', value: nodeIds },
    { name: 'nodes_treeids', type: 'ints', value: treeIds },
    { name: 'nodes_truenodeids', type: 'ints', value: trueIds },
    { name: 'nodes_values', type: 'floats', value: values },
    { name: 'post_transform', type: 'string', value: 'NONE' },
    { name: 'target_ids', type: 'ints', value: targetIds },
    { name: 'target_nodeids', type: 'ints', value: targetNodeIds },
    { name: 'target_treeids', type: 'ints', value: targetTreeIds },
    { name: 'target_weights', type: 'floats', value: targetWeights },
  ];
}
