/**
 * A training set for the gradient-boosted trees: `rows` × `features` values, row-major
 * (`values[i * features + j]`), and one label a row. Feature values must be finite; labels must be
 * finite (the caller drops rows whose label is unknown).
 */
export interface Dataset {
  readonly rows: number;
  readonly features: number;
  readonly values: Float64Array;
  readonly labels: Float64Array;
}

/** Hyper-parameters of `trainGbdt`, named as LightGBM names them. */
export interface GbdtParams {
  /** Maximum boosting rounds, one tree a round. */
  readonly rounds: number;
  /** Shrinkage applied to every leaf value. */
  readonly learningRate: number;
  /** Maximum leaves a tree; trees grow leaf-wise, always splitting the leaf of largest gain. */
  readonly numLeaves: number;
  /** Minimum (bagged) training rows in a leaf. */
  readonly minDataInLeaf: number;
  /** L2 penalty on leaf values: a leaf's value is −G/(H + lambdaL2) before shrinkage. */
  readonly lambdaL2: number;
  /** Share of features, in (0, 1], sampled for each tree. */
  readonly featureFraction: number;
  /** Share of rows, in (0, 1], sampled for each round. */
  readonly baggingFraction: number;
  /** Maximum histogram bins a feature, at most 255 so a bin fits in a byte. */
  readonly maxBins: number;
  /** Stop when the validation loss has not improved for this many rounds; 0 turns early stopping off. */
  readonly earlyStoppingRounds: number;
  /** A split must gain more than this (and more than 0) to be made. */
  readonly minGainToSplit: number;
  /** Seeds row and feature sampling; the same seed and data give the same model. */
  readonly seed: number;
}

export const DEFAULT_GBDT_PARAMS: GbdtParams = {
  rounds: 300,
  learningRate: 0.05,
  numLeaves: 31,
  minDataInLeaf: 100,
  lambdaL2: 1,
  featureFraction: 0.8,
  baggingFraction: 0.8,
  maxBins: 255,
  earlyStoppingRounds: 30,
  minGainToSplit: 0,
  seed: 1,
};

const isInt = (v: number, min: number): boolean => Number.isSafeInteger(v) && v >= min;
const isFraction = (v: number): boolean => Number.isFinite(v) && v > 0 && v <= 1;

/** Why the parameters cannot be used, naming the field and its value; null when they can. */
export function checkGbdtParams(p: GbdtParams): string | null {
  if (!isInt(p.rounds, 1)) return `rounds must be an integer ≥ 1, got ${p.rounds}`;
  if (!(Number.isFinite(p.learningRate) && p.learningRate > 0)) return `learningRate must be positive, got ${p.learningRate}`;
  if (!isInt(p.numLeaves, 2)) return `numLeaves must be an integer ≥ 2, got ${p.numLeaves}`;
  if (!isInt(p.minDataInLeaf, 1)) return `minDataInLeaf must be an integer ≥ 1, got ${p.minDataInLeaf}`;
  if (!(Number.isFinite(p.lambdaL2) && p.lambdaL2 >= 0)) return `lambdaL2 must be ≥ 0, got ${p.lambdaL2}`;
  if (!isFraction(p.featureFraction)) return `featureFraction must be in (0, 1], got ${p.featureFraction}`;
  if (!isFraction(p.baggingFraction)) return `baggingFraction must be in (0, 1], got ${p.baggingFraction}`;
  if (!(isInt(p.maxBins, 2) && p.maxBins <= 255)) return `maxBins must be an integer in [2, 255], got ${p.maxBins}`;
  if (!isInt(p.earlyStoppingRounds, 0)) return `earlyStoppingRounds must be an integer ≥ 0, got ${p.earlyStoppingRounds}`;
  if (!(Number.isFinite(p.minGainToSplit) && p.minGainToSplit >= 0)) return `minGainToSplit must be ≥ 0, got ${p.minGainToSplit}`;
  if (!Number.isSafeInteger(p.seed)) return `seed must be an integer, got ${p.seed}`;
  return null;
}
