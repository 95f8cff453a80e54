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
import { ModelLoadError, ZIPMAP_ADVICE } from '../../adapters/onnx/model-load-problem.ts';
import { tensorValue, type ValueSpec } from '../../adapters/onnx/onnx-types.ts';
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

const zipMapType: ValueSpec['type'] = {
  kind: 'sequence',
  elem: { kind: 'map', keyType: 'int64', value: { kind: 'tensor', elemType: 'float', shape: null } },
};

/** A 4-feature softmax classifier whose probabilities go out through ZipMap, optionally also as a tensor. */
function zipMapClassifier(alsoTensor: boolean, mlOpset = 1): Uint8Array {
  const outputs = [{ name: 'output_probability', type: zipMapType }];
  return encodeOnnxModel({
    graphName: 'zipmap',
    opsets: [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: mlOpset }],
    inputs: [tensorValue('input', 'float', ['N', 4])],
    outputs: alsoTensor ? [tensorValue('probabilities', 'float', ['N', 3]), ...outputs] : outputs,
    initializers: [{ name: 'W', dims: [4, 3], values: [1, 0, -1, 0, 1, 0, -1, 0, 1, 0.5, 0.5, 0.5] }],
    nodes: [
      { opType: 'MatMul', inputs: ['input', 'W'], outputs: ['logits'] },
      { opType: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: [{ name: 'axis', type: 'int', value: 1 }] },
      {
        opType: 'ZipMap', domain: 'ai.onnx.ml', inputs: ['probabilities'], outputs: ['output_probability'],
        attributes: [{ name: 'classlabels_int64s', type: 'ints', value: [0, 1, 2] }],
      },
    ],
  });
}

const classifierManifest = (tensor: string): Manifest => ({
  ...baselineManifest(),
  id: 'zipmap',
  output: { kind: 'classProbabilities', tensor, classes: ['down', 'flat', 'up'] },
  baseline: false,
});

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

  it('a ZipMap output, pointing at the tensor output the model also has', async () => {
    const dir = await modelDir(zipMapClassifier(true), classifierManifest('output_probability'));
    const error = await refusal(dir);
    expect(error.problem.kind).toBe('OutputNotTensor');
    expect(error.message).toBe(
      `${join(dir, 'model.onnx')}: output 'output_probability' is sequence<map<int64,float[?]>> (a ZipMap-style output), `
        + "not a tensor, and onnxruntime-node cannot return it; name its tensor output 'probabilities' in the manifest instead",
    );
  });

  it('a ZipMap output with no tensor alternative, saying how to re-export', async () => {
    const error = await refusal(await modelDir(zipMapClassifier(false), classifierManifest('output_probability')));
    expect(error.message).toMatch(/not a tensor, and onnxruntime-node cannot return it; re-export without ZipMap/);
    expect(error.message.endsWith(ZIPMAP_ADVICE)).toBe(true);
  });

  it('an ai.onnx.ml opset above 4', async () => {
    const dir = await modelDir(zipMapClassifier(true, 5), classifierManifest('probabilities'));
    expect((await refusal(dir)).message).toBe(
      `${join(dir, 'model.onnx')}: imports ai.onnx.ml opset 5, above the 4 this adapter accepts; re-export with a lower target opset`,
    );
  });

  it('a file that is not an ONNX model', async () => {
    const dir = await modelDir(new Uint8Array([0x3a, 0x64, 0x01]), baselineManifest());
    expect((await refusal(dir)).problem.kind).toBe('ModelUndecodable');
  });
});

describe('a classifier whose manifest names its tensor output', () => {
  it('loads beside a ZipMap output and reads score and confidence from the probabilities', async () => {
    const model = await loadOnnxModel(await modelDir(zipMapClassifier(true), classifierManifest('probabilities')));
    try {
      // logits = x·W = [1, 1, -1] + 0.5 for x = [1, 1, 0, 1]: softmax gives down = flat > up.
      const p = await model.predict(vector(model.info.schemaId, [1, 1, 0, 1]));
      const z = [Math.exp(1.5), Math.exp(1.5), Math.exp(-0.5)];
      const sum = z[0] + z[1] + z[2];
      expect(p.score).toBeCloseTo((z[2] - z[0]) / sum, 6);
      expect(p.confidence).toBeCloseTo(z[0] / sum, 6);
    } finally {
      await model.close();
    }
  });
});
