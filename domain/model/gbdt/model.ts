import type { Dataset } from './params.ts';
import { treeValue, type Tree } from './tree.ts';

/** A trained ensemble of regression trees for one target; its prediction is baseScore + Σ tree values. */
export interface GbdtModel {
  readonly features: number;
  /** The training labels' mean, rounded to float32 (the ONNX base value). */
  readonly baseScore: number;
  /** The trees kept: up to the best validation round when early stopping ran. */
  readonly trees: readonly Tree[];
  /** Number of trees kept. */
  readonly bestIteration: number;
  /** Mean squared errors after each round run, including rounds after the best one. */
  readonly history: readonly { readonly round: number; readonly trainLoss: number; readonly validLoss: number | null }[];
  /** Total split gain of each feature over the kept trees. */
  readonly featureGain: Float64Array;
}

/**
 * The prediction for the row at `values[offset..offset + features)`, computed as onnxruntime's
 * TreeEnsembleRegressor computes it in float32: the input rounded to float32, leaf weights summed in a
 * float32 accumulator in tree order, and the base value added last.
 */
export function predictRow(model: GbdtModel, values: Float64Array, offset = 0): number {
  const trees = model.trees;
  let sum = 0;
  for (let t = 0; t < trees.length; t++) sum = Math.fround(sum + treeValue(trees[t], values, offset));
  return Math.fround(sum + model.baseScore);
}

/** `predictRow` for every row of a dataset; throws when its feature count is not the model's. */
export function predictDataset(model: GbdtModel, data: Dataset): Float64Array {
  if (data.features !== model.features) {
    throw new Error(`the dataset has ${data.features} features but the model takes ${model.features}`);
  }
  const out = new Float64Array(data.rows);
  for (let i = 0; i < data.rows; i++) out[i] = predictRow(model, data.values, i * data.features);
  return out;
}
