import { binDataset, checkFinite, type BinnedData } from './binning.ts';
import { growTree, type GrowContext, type GrownTree } from './grow.ts';
import type { GbdtModel } from './model.ts';
import { checkGbdtParams, type Dataset, type GbdtParams } from './params.ts';
import { mulberry32, sampleIndices, type Rng } from './rng.ts';
import { treeValue, type Tree } from './tree.ts';

/** Reported after every boosting round; losses are mean squared errors. */
export interface TrainProgress {
  readonly round: number;
  readonly rounds: number;
  readonly trainLoss: number;
  readonly validLoss: number | null;
}

/**
 * Gradient-boosted regression trees on squared error, grown leaf-wise on histograms of binned features.
 * Each round samples rows (`baggingFraction`) and the tree's features (`featureFraction`), grows a tree on
 * the gradients and adds it. With a validation set and `earlyStoppingRounds` > 0, training stops once the
 * validation loss has not improved for that many rounds and keeps the trees up to the best round.
 * Training also stops early when no split is worth making.
 *
 * Invalid parameters, datasets whose arrays do not match their sizes, and non-finite feature values or
 * labels are bugs in the caller and throw, naming the field or the row and feature.
 */
export function trainGbdt(train: Dataset, valid: Dataset | null, params: GbdtParams, onProgress?: (p: TrainProgress) => void): GbdtModel {
  checkInputs(train, valid, params);
  const n = train.rows;
  const data = binDataset(train, params.maxBins);
  const baseScore = Math.fround(mean(train.labels));
  const scores = new Float64Array(n).fill(baseScore);
  const validScores = valid === null ? null : new Float64Array(valid.rows).fill(baseScore);
  const ctx = growContext(data, params);
  const rng = mulberry32(params.seed);
  const outOfBag = new Uint32Array(n);
  const featureCount = Math.max(1, Math.round(train.features * params.featureFraction));
  const stopping = valid !== null && params.earlyStoppingRounds > 0;
  const trees: Tree[] = [];
  const history: { round: number; trainLoss: number; validLoss: number | null }[] = [];
  let best = { round: 0, loss: Infinity };
  for (let round = 1; round <= params.rounds; round++) {
    const bagSize = bag(rng, params.baggingFraction, ctx.idx, outOfBag, n);
    const features = sampleIndices(rng, train.features, featureCount);
    for (let i = 0; i < n; i++) ctx.grad[i] = scores[i] - train.labels[i];
    const grown = growTree(ctx, bagSize, features);
    if (grown === null) break;
    trees.push(grown.tree);
    addTree(ctx, grown, scores, outOfBag.subarray(0, n - bagSize));
    const trainLoss = meanSquaredError(scores, train.labels);
    let validLoss: number | null = null;
    if (valid !== null && validScores !== null) {
      for (let i = 0; i < valid.rows; i++) validScores[i] += treeValue(grown.tree, valid.values, i * valid.features);
      validLoss = meanSquaredError(validScores, valid.labels);
      if (validLoss < best.loss) best = { round, loss: validLoss };
    }
    history.push({ round, trainLoss, validLoss });
    onProgress?.({ round, rounds: params.rounds, trainLoss, validLoss });
    if (stopping && round - best.round >= params.earlyStoppingRounds) break;
  }
  const kept = stopping ? trees.slice(0, best.round) : trees;
  return { features: train.features, baseScore, trees: kept, bestIteration: kept.length, history, featureGain: featureGain(kept, train.features) };
}

function checkInputs(train: Dataset, valid: Dataset | null, params: GbdtParams): void {
  const problem = checkGbdtParams(params);
  if (problem !== null) throw new Error(`invalid GBDT parameters: ${problem}`);
  checkShape(train, 'training');
  if (train.rows === 0) throw new Error('the training set has no rows');
  if (valid !== null) {
    checkShape(valid, 'validation');
    if (valid.features !== train.features) {
      throw new Error(`the validation set has ${valid.features} features but the training set has ${train.features}`);
    }
    checkFinite(valid, 'validation');
  }
  checkFinite(train, 'training');
}

function checkShape(d: Dataset, what: string): void {
  if (!Number.isSafeInteger(d.rows) || d.rows < 0) throw new Error(`${what} set: rows must be a non-negative integer, got ${d.rows}`);
  if (!Number.isSafeInteger(d.features) || d.features < 1) throw new Error(`${what} set: features must be an integer ≥ 1, got ${d.features}`);
  if (d.values.length !== d.rows * d.features) {
    throw new Error(`${what} set: ${d.rows} rows × ${d.features} features need ${d.rows * d.features} values, got ${d.values.length}`);
  }
  if (d.labels.length !== d.rows) throw new Error(`${what} set: ${d.rows} rows need as many labels, got ${d.labels.length}`);
}

function growContext(data: BinnedData, params: GbdtParams): GrowContext {
  let stride = 1;
  const binCounts = new Int32Array(data.features);
  data.edges.forEach((e, j) => {
    binCounts[j] = e.length + 1;
    stride = Math.max(stride, e.length + 1);
  });
  const histPool: Float64Array[] = [];
  for (let l = 0; l < params.numLeaves; l++) histPool.push(new Float64Array(2 * stride * data.features));
  return {
    data,
    layout: { rows: data.rows, bins: data.bins, stride, binCounts },
    rules: params,
    numLeaves: params.numLeaves,
    learningRate: params.learningRate,
    grad: new Float64Array(data.rows),
    idx: new Uint32Array(data.rows),
    scratch: new Uint32Array(data.rows),
    ordered: new Float64Array(data.rows),
    histPool,
  };
}

/** Draws each row into the bag with probability `fraction`; returns the bag's size. Both lists ascend. */
function bag(rng: Rng, fraction: number, inBag: Uint32Array, outOfBag: Uint32Array, n: number): number {
  let size = 0;
  let out = 0;
  for (let i = 0; i < n; i++) {
    if (fraction >= 1 || rng.next() < fraction) inBag[size++] = i;
    else outOfBag[out++] = i;
  }
  return size;
}

/** Adds a new tree's values to the training scores: bagged rows by their leaf ranges, the rest by bins. */
function addTree(ctx: GrowContext, grown: GrownTree, scores: Float64Array, outOfBag: Uint32Array): void {
  const { idx } = ctx;
  const { feature, left, right, value } = grown.tree;
  for (const leaf of grown.leaves) {
    const v = value[leaf.node];
    for (let k = leaf.start; k < leaf.end; k++) scores[idx[k]] += v;
  }
  const { bins, rows } = ctx.data;
  const thr = grown.binThreshold;
  for (let k = 0; k < outOfBag.length; k++) {
    const i = outOfBag[k];
    let node = 0;
    while (feature[node] >= 0) node = bins[feature[node] * rows + i] <= thr[node] ? left[node] : right[node];
    scores[i] += value[node];
  }
}

function mean(xs: Float64Array): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

function meanSquaredError(scores: Float64Array, labels: Float64Array): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const d = scores[i] - labels[i];
    s += d * d;
  }
  return labels.length === 0 ? 0 : s / labels.length;
}

function featureGain(trees: readonly Tree[], features: number): Float64Array {
  const gain = new Float64Array(features);
  for (const t of trees) for (let i = 0; i < t.feature.length; i++) if (t.feature[i] >= 0) gain[t.feature[i]] += t.gain[i];
  return gain;
}
