import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BASELINE_BIAS,
  BASELINE_CONFIDENCE_SCALE,
  BASELINE_THRESHOLD,
  BASELINE_FEATURES,
  BASELINE_WEIGHTS,
  baselineManifest,
  baselineModelBytes,
  writeBaselineModel,
} from '../../adapters/onnx/baseline.ts';
import { buildLinearScorer, linearScore } from '../../adapters/onnx/linear-scorer.ts';
import { formatManifest, type Manifest } from '../../adapters/onnx/manifest.ts';
import { ModelLoadError } from '../../adapters/onnx/model-load-problem.ts';
import { tensorValue } from '../../adapters/onnx/onnx-types.ts';
import { encodeOnnxModel } from '../../adapters/onnx/onnx-writer.ts';
import { loadOnnxModel, PredictionError } from '../../adapters/onnx/onnx-model.ts';
import { createSchema, type FeatureVector } from '../../domain/features/feature-vector.ts';
import type { Micros } from '../../domain/values/units.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A fresh directory holding the given model bytes and manifest (either may be left out). */
async function modelDir(model: Uint8Array | undefined, manifest: Manifest | string | undefined): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-onnx-'));
  dirs.push(dir);
  if (model !== undefined) await writeFile(join(dir, 'model.onnx'), model);
  if (manifest !== undefined) {
    await writeFile(join(dir, 'manifest.json'), typeof manifest === 'string' ? manifest : formatManifest(manifest));
  }
  return dir;
}

async function refusal(dir: string, expected?: { schemaId: string }): Promise<ModelLoadError> {
  const error: unknown = await loadOnnxModel(dir, expected).then(
    async (m) => { await m.close(); return undefined; },
    (e: unknown) => e,
  );
  if (!(error instanceof ModelLoadError)) throw new Error(`expected a ModelLoadError, got ${String(error)}`);
  return error;
}

const vector = (schemaId: string, values: readonly number[]): FeatureVector =>
  ({ schemaId, ts: 0 as Micros, values: Float64Array.from(values) });

/** The baseline's manifest for other feature names, at the versions given (1 each by default). */
function manifestFor(featureNames: readonly string[], featureVersions?: readonly number[]): Manifest {
  return {
    ...baselineManifest(),
    featureNames,
    featureVersions: featureVersions ?? featureNames.map(() => 1),
    schemaId: createSchema(featureNames, featureVersions).id,
  };
}

describe('loadOnnxModel with the baseline', () => {
  const schemaId = createSchema(BASELINE_FEATURES).id;

  it('loads with the feature engine schema and predicts what linearScore computes', async () => {
    const model = await loadOnnxModel(await modelDir(baselineModelBytes(), baselineManifest()), { schemaId });
    try {
      expect(model.info).toEqual({
        id: 'baseline-linear-v1',
        featureNames: [...BASELINE_FEATURES],
        schemaId,
        scoreMeaning: baselineManifest().scoreMeaning,
        horizonMs: 1000,
        threshold: BASELINE_THRESHOLD,
      });
      for (const values of [[1, 0.2, -0.1, 0.4], [3, -1, 0.5, -2.5], [1, 0, 0, 0]]) {
        const p = await model.predict(vector(schemaId, values));
        const twin = linearScore(values, BASELINE_WEIGHTS, BASELINE_BIAS, BASELINE_CONFIDENCE_SCALE);
        expect(Math.abs(p.score - twin.score)).toBeLessThanOrEqual(1e-6);
        expect(Math.abs(p.confidence - twin.confidence)).toBeLessThanOrEqual(1e-6);
      }
    } finally {
      await model.close();
    }
  });

  it('rejects a vector of another schema, and one of the wrong length', async () => {
    const model = await loadOnnxModel(await modelDir(baselineModelBytes(), baselineManifest()));
    try {
      const other = createSchema(['imbalance_l1', 'spread_ticks', 'wmid_offset_ticks', 'ofi_1s_norm']).id;
      await expect(model.predict(vector(other, [1, 0, 0, 0]))).rejects.toThrow(
        `feature vector of schema ${other}, but the model takes schema ${schemaId}`,
      );
      await expect(model.predict(vector(schemaId, [1, 0, 0]))).rejects.toBeInstanceOf(PredictionError);
    } finally {
      await model.close();
    }
  });

  it('rejects rather than invent a prediction when the output is not finite', async () => {
    const model = await loadOnnxModel(await modelDir(baselineModelBytes(), baselineManifest()));
    try {
      await expect(model.predict(vector(schemaId, [0, NaN, 0, 0]))).rejects.toThrow(/non-finite score/);
    } finally {
      await model.close();
    }
  });

  it('keeps concurrent predictions apart although they share an input buffer', async () => {
    const model = await loadOnnxModel(await modelDir(baselineModelBytes(), baselineManifest()));
    try {
      const rows = Array.from({ length: 8 }, (_, i) => [1, i / 10 - 0.4, 0, (3 - i) / 5]);
      const predictions = await Promise.all(rows.map((r) => model.predict(vector(schemaId, r))));
      predictions.forEach((p, i) => {
        expect(p.score).toBeCloseTo(linearScore(rows[i], BASELINE_WEIGHTS, BASELINE_BIAS, 1).score, 6);
      });
    } finally {
      await model.close();
    }
  });

  it('writes the same bytes on every call, and the committed models/baseline is up to date', async () => {
    const a = await modelDir(undefined, undefined);
    const b = await modelDir(undefined, undefined);
    await writeBaselineModel(a);
    await writeBaselineModel(join(b, 'nested'));
    const committed = fileURLToPath(new URL('../../models/baseline/', import.meta.url));
    for (const file of ['model.onnx', 'manifest.json']) {
      const first = await readFile(join(a, file));
      expect(first.equals(await readFile(join(b, 'nested', file)))).toBe(true);
      expect(first.equals(await readFile(join(committed, file)))).toBe(true);
    }
  });
});

describe('loadOnnxModel refuses', () => {
  it('a directory without its files, naming the file', async () => {
    const noManifest = await modelDir(baselineModelBytes(), undefined);
    expect((await refusal(noManifest)).message).toBe(`${join(noManifest, 'manifest.json')} is missing`);
    const noModel = await modelDir(undefined, baselineManifest());
    expect((await refusal(noModel)).message).toBe(`${join(noModel, 'model.onnx')} is missing`);
  });

  it('a manifest with a missing field', async () => {
    const { threshold: _threshold, ...rest } = baselineManifest();
    const dir = await modelDir(baselineModelBytes(), JSON.stringify(rest));
    expect((await refusal(dir)).message).toBe(`${join(dir, 'manifest.json')}: manifest.threshold is missing`);
  });

  it("a schema other than the feature engine's", async () => {
    const dir = await modelDir(baselineModelBytes(), baselineManifest());
    const engine = createSchema(['spread_ticks', 'imbalance_l1']).id;
    const error = await refusal(dir, { schemaId: engine });
    expect(error.problem.kind).toBe('SchemaMismatch');
    expect(error.message).toContain(engine);
    expect(error.message).toContain(baselineManifest().schemaId);
  });

  it('a model whose input width is not the number of features', async () => {
    const three = buildLinearScorer({ featureNames: ['a', 'b', 'c'], weights: [1, 1, 1], bias: 0, confidenceScale: 1, modelId: 'x' });
    const dir = await modelDir(three, baselineManifest());
    expect((await refusal(dir)).message).toBe(
      `${join(dir, 'model.onnx')}: input 'features' is float[batch,3]; expected one float input of shape `
        + "[N or 1, 4] (the manifest's 4 features)",
    );
  });

  it('a manifest output the model lacks', async () => {
    const manifest: Manifest = { ...baselineManifest(), output: { kind: 'score', score: 'prediction', confidence: 'confidence' } };
    const error = await refusal(await modelDir(baselineModelBytes(), manifest));
    expect(error.message).toMatch(/names output 'prediction', which the model lacks \(outputs: score, confidence\)$/);
  });

  it('an ai.onnx.ml opset above 4', async () => {
    const model = encodeOnnxModel({
      graphName: 'ml5',
      opsets: [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: 5 }],
      inputs: [tensorValue('features', 'float', ['N', 4])],
      outputs: [tensorValue('score', 'float', ['N', 1])],
      initializers: [{ name: 'W', dims: [4, 1], values: [1, 1, 1, 1] }],
      nodes: [{ opType: 'MatMul', inputs: ['features', 'W'], outputs: ['score'] }],
    });
    const dir = await modelDir(model, { ...baselineManifest(), output: { kind: 'score', score: 'score', confidence: { kind: 'tanh', scale: 1 } } });
    expect((await refusal(dir)).message).toBe(
      `${join(dir, 'model.onnx')}: imports ai.onnx.ml opset 5, above the 4 this adapter accepts; re-export with a lower target opset`,
    );
  });

  it('a file that is not an ONNX model', async () => {
    const dir = await modelDir(new Uint8Array([0x3a, 0x64, 0x01]), baselineManifest());
    expect((await refusal(dir)).problem.kind).toBe('ModelUndecodable');
  });

  it('a JSON file in place of the model, naming the file', async () => {
    const dir = await modelDir(new TextEncoder().encode(formatManifest(baselineManifest())), baselineManifest());
    const message = (await refusal(dir)).message;
    expect(message.startsWith(`${join(dir, 'model.onnx')}: not an ONNX model (protobuf decoding failed: `)).toBe(true);
  });

  it('a feature name the registry does not know, naming it and the near matches', async () => {
    const dir = await modelDir(baselineModelBytes(), manifestFor(['spread_ticks', 'depth_imbalance_l', 'wmid_offset_ticks', 'ofi_1s_norm']));
    const error = await refusal(dir);
    expect(error.problem).toMatchObject({ kind: 'FeatureUnknown', index: 1, name: 'depth_imbalance_l' });
    expect(error.message).toMatch(
      new RegExp(`^${join(dir, 'manifest.json')}: featureNames\\[1\\] 'depth_imbalance_l' is not a feature of the registry \\(did you mean depth_imbalance_1[,?]`),
    );
  });

  it('a feature trained at another definition version than the registry has', async () => {
    const error = await refusal(await modelDir(baselineModelBytes(), manifestFor([...BASELINE_FEATURES], [1, 1, 2, 1])));
    expect(error.problem).toMatchObject({ kind: 'FeatureVersionMismatch', index: 2, name: 'wmid_offset_ticks', version: 2, current: 1 });
    expect(error.message).toMatch(/feature 'wmid_offset_ticks' \(featureNames\[2\]\) was trained at definition version 2, but the registry's definition is version 1/);
  });

  it('a manifest of 5 features for a model of 4, naming both', async () => {
    const dir = await modelDir(baselineModelBytes(), manifestFor([...BASELINE_FEATURES, 'spread_bps']));
    expect((await refusal(dir)).message).toBe(
      `${join(dir, 'model.onnx')}: input 'features' is float[batch,4]; expected one float input of shape `
        + "[N or 1, 5] (the manifest's 5 features)",
    );
  });
});

describe('a horizons ensemble', () => {
  // scores = x · W with W picking the first three features: one column per horizon, bps.
  const W = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0];
  const ensemble = {
    horizonsMs: [1000, 5000, 30000],
    weights: [1, 1, 2],
    calibration: [
      { kind: 'isotonic', x: [1, 3], y: [0.5, 0.7] },
      { kind: 'platt', a: -1, b: 0 },
      { kind: 'platt', a: -1, b: 1 },
    ],
  } as const;
  const model = encodeOnnxModel({
    graphName: 'horizons',
    opsets: [{ domain: '', version: 17 }],
    inputs: [tensorValue('features', 'float', ['N', 4])],
    outputs: [tensorValue('scores', 'float', ['N', 3])],
    initializers: [{ name: 'W', dims: [4, 3], values: W }],
    nodes: [{ opType: 'MatMul', inputs: ['features', 'W'], outputs: ['scores'] }],
  });

  it('reads the [1, 3] scores through combineHorizons', async () => {
    const manifest: Manifest = { ...baselineManifest(), id: 'horizons', output: { kind: 'horizons', tensor: 'scores', ensemble } };
    const loaded = await loadOnnxModel(await modelDir(model, manifest));
    try {
      const p = await loaded.predict(vector(loaded.info.schemaId, [2, -1, 3, 9]));
      // Members 2, −1, 3 bps with weights 1, 1, 2: score 7 / 4; the −1 member disagrees and adds nothing
      // to the confidence; 2 bps reads 0.6 on the isotonic curve, 3 bps 1 / (1 + e^(−2)) on Platt.
      expect(p.score).toBeCloseTo(1.75, 6);
      expect(p.confidence).toBeCloseTo((0.6 + 2 / (1 + Math.exp(-2))) / 4, 6);
    } finally {
      await loaded.close();
    }
  });

  it('refuses a scores tensor narrower than the horizons', async () => {
    const manifest: Manifest = {
      ...baselineManifest(),
      output: { kind: 'horizons', tensor: 'scores', ensemble: { ...ensemble, horizonsMs: [1, 2, 3, 4], weights: [1, 1, 1, 1], calibration: [...ensemble.calibration, ensemble.calibration[0]] } },
    };
    const dir = await modelDir(model, manifest);
    expect((await refusal(dir)).message).toBe(`${join(dir, 'model.onnx')}: output 'scores' is float[N,3]; expected a float tensor [N, 4]`);
  });
});
