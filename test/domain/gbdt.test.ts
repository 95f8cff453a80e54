import { describe, expect, it } from 'vitest';
import { trainGbdt } from '../../domain/model/gbdt/boost.ts';
import { predictDataset, predictRow } from '../../domain/model/gbdt/model.ts';
import { checkGbdtParams, DEFAULT_GBDT_PARAMS, type Dataset, type GbdtParams } from '../../domain/model/gbdt/params.ts';
import { mulberry32 } from '../../domain/model/gbdt/rng.ts';
import { isLeaf, leafCount, type Tree } from '../../domain/model/gbdt/tree.ts';

/** Parameters with no sampling and no early stopping, so a case's arithmetic can be followed by hand. */
const exact: GbdtParams = {
  ...DEFAULT_GBDT_PARAMS,
  featureFraction: 1,
  baggingFraction: 1,
  earlyStoppingRounds: 0,
};

/** `rows` rows of `features` uniform values in [-1, 1), labelled by `label(row)` plus uniform noise of ±noise. */
function randomData(rows: number, features: number, seed: number, label: (x: Float64Array, o: number) => number, noise = 0): Dataset {
  const rng = mulberry32(seed);
  const values = new Float64Array(rows * features);
  for (let k = 0; k < values.length; k++) values[k] = 2 * rng.next() - 1;
  const labels = new Float64Array(rows);
  for (let i = 0; i < rows; i++) labels[i] = label(values, i * features) + noise * (2 * rng.next() - 1);
  return { rows, features, values, labels };
}

const splitFeatures = (t: Tree): Set<number> => new Set([...t.feature].filter((j) => j >= 0));
const variance = (xs: Float64Array): number => {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
};
const mse = (a: Float64Array, b: Float64Array): number => a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0) / a.length;

describe('trainGbdt, by hand', () => {
  it('learns a step of one feature with one split at the step and shrunk leaf means', () => {
    // Feature 0 is 0..199, feature 1 a constant; the label steps from 0 to 10 between x = 99 and 100.
    const rows = 200;
    const values = new Float64Array(rows * 2);
    const labels = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      values[2 * i] = i;
      values[2 * i + 1] = 3;
      labels[i] = i < 100 ? 0 : 10;
    }
    const model = trainGbdt({ rows, features: 2, values, labels }, null, { ...exact, rounds: 1, numLeaves: 2, learningRate: 0.5, lambdaL2: 1, minDataInLeaf: 10 });
    // The base score is the mean label, 5. Gradients are prediction − label: +5 on the 100 rows left of the
    // step, −5 on the 100 rows right of it, so G_L = 500, G_R = −500, H_L = H_R = 100, and with λ = 1 and
    // a learning rate of 0.5 the leaves are −G/(H + λ)·lr = ∓500/101·0.5 = ∓2.4752475…
    expect(model.baseScore).toBe(5);
    expect(model.trees).toHaveLength(1);
    const [t] = model.trees;
    expect([...t.feature]).toEqual([0, -1, -1]);
    // 200 distinct values fit in 255 bins, so the edge is halfway between 99 and 100.
    expect(t.threshold[0]).toBe(99.5);
    expect(t.value[t.left[0]]).toBe(Math.fround((-500 / 101) * 0.5));
    expect(t.value[t.right[0]]).toBe(Math.fround((500 / 101) * 0.5));
    expect([t.count[t.left[0]], t.count[t.right[0]]]).toEqual([100, 100]);
    // The gain is G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ) = 2·250000/101 − 0.
    expect(t.gain[0]).toBeCloseTo(500000 / 101, 9);
    expect([...model.featureGain]).toEqual([t.gain[0], 0]);
    expect(predictRow(model, Float64Array.of(99, 3))).toBe(Math.fround(5 + t.value[t.left[0]]));
    expect(predictRow(model, Float64Array.of(99.5, 3))).toBe(Math.fround(5 + t.value[t.left[0]]));
    expect(predictRow(model, Float64Array.of(99.50001, 3))).toBe(Math.fround(5 + t.value[t.right[0]]));
  });

  it('leaves at least minDataInLeaf rows in every leaf, even when a smaller leaf would fit better', () => {
    // The label steps after the first 5 of 200 rows; with 30 rows a leaf the split has to take more.
    const data = randomData(200, 1, 3, (x, o) => (x[o] < -0.95 ? 50 : 0));
    const model = trainGbdt(data, null, { ...exact, rounds: 20, numLeaves: 8, minDataInLeaf: 30 });
    expect(model.trees.length).toBeGreaterThan(0);
    for (const t of model.trees) {
      for (let node = 0; node < t.feature.length; node++) if (isLeaf(t, node)) expect(t.count[node]).toBeGreaterThanOrEqual(30);
    }
  });

  it('grows leaf-wise up to numLeaves leaves, and every row reaches a leaf that counted it', () => {
    const data = randomData(2000, 4, 5, (x, o) => Math.sin(3 * x[o]) + x[o + 1] * x[o + 2]);
    const model = trainGbdt(data, null, { ...exact, rounds: 5, numLeaves: 7, minDataInLeaf: 20 });
    for (const t of model.trees) {
      expect(leafCount(t)).toBe(7);
      const reached = new Int32Array(t.feature.length);
      for (let i = 0; i < data.rows; i++) {
        let node = 0;
        while (!isLeaf(t, node)) node = Math.fround(data.values[i * 4 + t.feature[node]]) <= t.threshold[node] ? t.left[node] : t.right[node];
        reached[node]++;
      }
      for (let node = 0; node < t.feature.length; node++) if (isLeaf(t, node)) expect(reached[node]).toBe(t.count[node]);
    }
  });

  it('splits each tree only on the features sampled for it when featureFraction < 1', () => {
    // Every feature carries signal, so a tree of 15 leaves would use most of the 10 if it could.
    const data = randomData(3000, 10, 7, (x, o) => x.subarray(o, o + 10).reduce((s, v, j) => s + (j + 1) * v, 0));
    const model = trainGbdt(data, null, { ...exact, rounds: 20, numLeaves: 15, minDataInLeaf: 20, featureFraction: 0.3 });
    const used = new Set<number>();
    for (const t of model.trees) {
      const features = splitFeatures(t);
      expect(features.size).toBeLessThanOrEqual(3);
      features.forEach((j) => used.add(j));
    }
    expect(used.size).toBeGreaterThan(3);
  });

  it('gives the same model for the same seed and another when the seed of a sampled run changes', () => {
    const data = randomData(1500, 5, 11, (x, o) => x[o] - 2 * x[o + 3], 0.5);
    const params = { ...exact, rounds: 10, numLeaves: 6, minDataInLeaf: 20, featureFraction: 0.6, baggingFraction: 0.7, seed: 42 };
    const a = trainGbdt(data, null, params);
    const b = trainGbdt(data, null, params);
    expect(b).toEqual(a);
    const c = trainGbdt(data, null, { ...params, seed: 43 });
    expect(c.trees).not.toEqual(a.trees);
  });

  it('stops after earlyStoppingRounds rounds without a better validation loss and keeps the best trees', () => {
    // Few noisy rows and small leaves: the trees soon fit noise, and the validation loss turns upward.
    const label = (x: Float64Array, o: number): number => 3 * x[o];
    const train = randomData(300, 3, 13, label, 4);
    const valid = randomData(300, 3, 14, label, 4);
    const patience = 7;
    const model = trainGbdt(train, valid, { ...exact, rounds: 500, numLeaves: 31, minDataInLeaf: 3, learningRate: 0.3, earlyStoppingRounds: patience });
    const losses = model.history.map((h) => h.validLoss!);
    const best = losses.indexOf(Math.min(...losses)) + 1;
    expect(model.history.length).toBeLessThan(500);
    expect(model.bestIteration).toBe(best);
    expect(model.trees).toHaveLength(best);
    expect(model.history).toHaveLength(best + patience);
    expect(model.history.map((h) => h.round)).toEqual(losses.map((_, i) => i + 1));
    // The kept trees predict the validation set as well as the best round reported.
    expect(mse(predictDataset(model, valid), valid.labels)).toBeCloseTo(losses[best - 1], 4);
  });

  it('fits a noisy linear target better than the mean, on the training rows and on new rows', () => {
    const label = (x: Float64Array, o: number): number => 2 * x[o] - x[o + 1];
    const train = randomData(4000, 3, 17, label, 0.5);
    const test = randomData(2000, 3, 18, label, 0.5);
    const progress: number[] = [];
    const model = trainGbdt(train, null, { ...DEFAULT_GBDT_PARAMS, rounds: 100, minDataInLeaf: 20 }, (p) => progress.push(p.trainLoss));
    expect(progress).toHaveLength(100);
    expect(progress[99]).toBeLessThan(progress[0]);
    // The noise alone has variance 0.5²/3 ≈ 0.083 against about 1.67 for the target.
    expect(progress[99]).toBeLessThan(0.2 * variance(train.labels));
    expect(mse(predictDataset(model, test), test.labels)).toBeLessThan(0.2 * variance(test.labels));
    expect(model.featureGain[0]).toBeGreaterThan(model.featureGain[1]);
    expect(model.featureGain[1]).toBeGreaterThan(model.featureGain[2]);
  });

  it('stops without a tree when no split leaves minDataInLeaf rows on both sides', () => {
    const data = randomData(50, 2, 19, (x, o) => x[o]);
    const model = trainGbdt(data, null, { ...exact, minDataInLeaf: 30 });
    expect(model.trees).toHaveLength(0);
    expect(model.bestIteration).toBe(0);
    expect(predictRow(model, Float64Array.of(0.3, 0.1))).toBe(model.baseScore);
  });
});

describe('trainGbdt, refusals', () => {
  it('throws on a non-finite feature value, naming row and feature', () => {
    const data = randomData(20, 4, 23, () => 1);
    data.values[3 * 4 + 2] = Number.NaN;
    expect(() => trainGbdt(data, null, exact)).toThrow(/row 3, feature 2 is NaN/);
    data.values[3 * 4 + 2] = 0;
    data.values[7 * 4 + 1] = -Infinity;
    expect(() => trainGbdt(data, null, exact)).toThrow(/row 7, feature 1 is -Infinity/);
  });

  it('throws on a NaN label or a validation set of another width', () => {
    const data = randomData(20, 4, 29, () => 1);
    const other = randomData(20, 3, 29, () => 1);
    expect(() => trainGbdt(data, other, exact)).toThrow(/validation set has 3 features but the training set has 4/);
    data.labels[5] = Number.NaN;
    expect(() => trainGbdt(data, null, exact)).toThrow(/row 5 has label NaN/);
  });

  it('names the bad field of the parameters', () => {
    expect(checkGbdtParams(DEFAULT_GBDT_PARAMS)).toBeNull();
    expect(checkGbdtParams({ ...DEFAULT_GBDT_PARAMS, numLeaves: 1 })).toBe('numLeaves must be an integer ≥ 2, got 1');
    expect(checkGbdtParams({ ...DEFAULT_GBDT_PARAMS, featureFraction: 0 })).toMatch(/^featureFraction /);
    expect(checkGbdtParams({ ...DEFAULT_GBDT_PARAMS, baggingFraction: 1.5 })).toMatch(/^baggingFraction /);
    expect(checkGbdtParams({ ...DEFAULT_GBDT_PARAMS, maxBins: 256 })).toMatch(/^maxBins /);
    expect(checkGbdtParams({ ...DEFAULT_GBDT_PARAMS, learningRate: Number.NaN })).toMatch(/^learningRate /);
    expect(checkGbdtParams({ ...DEFAULT_GBDT_PARAMS, earlyStoppingRounds: -1 })).toMatch(/^earlyStoppingRounds /);
    expect(checkGbdtParams({ ...DEFAULT_GBDT_PARAMS, lambdaL2: -1 })).toMatch(/^lambdaL2 /);
    expect(checkGbdtParams({ ...DEFAULT_GBDT_PARAMS, minDataInLeaf: 0.5 })).toMatch(/^minDataInLeaf /);
    expect(() => trainGbdt(randomData(10, 1, 1, () => 0), null, { ...exact, rounds: 0 })).toThrow(/rounds must be an integer ≥ 1, got 0/);
  });
});
