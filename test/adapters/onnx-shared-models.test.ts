import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatManifest, type ClassLabel, type Manifest } from '../../adapters/onnx/manifest.ts';
import { inspectOnnx, opsetVersion } from '../../adapters/onnx/onnx-inspect.ts';
import { loadOnnxModel, openOnnxModel } from '../../adapters/onnx/onnx-model.ts';
import { openRawModel } from '../../adapters/onnx/raw-model.ts';
import { FEATURES } from '../../domain/features/definitions.ts';
import { createSchema } from '../../domain/features/feature-vector.ts';
import { schemaForNames } from '../../domain/features/registry.ts';
import { unwrap } from '../../domain/result.ts';
import type { Micros } from '../../domain/values/units.ts';

const models = fileURLToPath(new URL('../../../shared/models/', import.meta.url));
const classifierDir = join(models, 'tract-xgboost-classifier');
const regressorDir = join(models, 'onnxmltools-xgb-regressor');
const present = existsSync(join(classifierDir, 'model.onnx')) && existsSync(join(regressorDir, 'model.onnx'));
if (!present) console.warn(`skipping the shared ONNX model tests: ${models} is absent (it is not part of the repository)`);

const micros = (n: number): Micros => n as Micros;

interface Expected {
  readonly input: number[][];
  readonly probabilities: number[][];
}
const readExpected = async (): Promise<Expected> => JSON.parse(await readFile(join(classifierDir, 'expected.json'), 'utf8')) as Expected;

/** The first `n` registry features: a trading run feeds a model only registry features. */
function registryFeatures(n: number): { featureNames: string[]; featureVersions: number[]; schemaId: string } {
  const featureNames = FEATURES.slice(0, n).map((f) => f.name);
  const schema = unwrap(schemaForNames(featureNames));
  return { featureNames, featureVersions: [...schema.versions], schemaId: schema.id };
}

/** Copies a shared model into a fresh directory beside a manifest written for it. */
async function withManifest(sourceDir: string, manifest: Manifest): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-onnx-'));
  await copyFile(join(sourceDir, 'model.onnx'), join(dir, 'model.onnx'));
  await writeFile(join(dir, 'manifest.json'), formatManifest(manifest));
  return dir;
}

describe.skipIf(!present)('the shared third-party models', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('inspects the onnxmltools XGBoost classifier: TreeEnsembleClassifier with tensor outputs', async () => {
    const m = unwrap(inspectOnnx(await readFile(join(classifierDir, 'model.onnx'))));
    expect(m.opTypes).toEqual(['TreeEnsembleClassifier']);
    expect(opsetVersion(m, 'ai.onnx.ml')).toBe(1);
    expect(m.inputs).toEqual([{ name: 'input', type: { kind: 'tensor', elemType: 'float', shape: [null, 13] } }]);
    expect(m.outputs).toEqual([
      { name: 'label', type: { kind: 'tensor', elemType: 'int64', shape: [null] } },
      { name: 'probabilities', type: { kind: 'tensor', elemType: 'float', shape: [null, 3] } },
    ]);
  });

  it('inspects the onnxmltools XGBoost regressor: input X [N, 4], output variable [N, 1]', async () => {
    const m = unwrap(inspectOnnx(await readFile(join(regressorDir, 'model.onnx'))));
    expect(m.opTypes).toEqual(['TreeEnsembleRegressor']);
    expect(m.inputs).toEqual([{ name: 'X', type: { kind: 'tensor', elemType: 'float', shape: [null, 4] } }]);
    expect(m.outputs).toEqual([{ name: 'variable', type: { kind: 'tensor', elemType: 'float', shape: [null, 1] } }]);
  });

  it('reproduces expected.json through a raw model, and refuses rows of the wrong width naming the row', async () => {
    const expected = await readExpected();
    const raw = unwrap(await openRawModel(join(classifierDir, 'model.onnx')));
    try {
      expect(raw.input).toEqual({ name: 'input', width: 13 });
      expect(raw.outputs).toEqual(['label', 'probabilities']);
      const out = unwrap(await raw.run(expected.input));
      expected.probabilities[0].forEach((p, j) => expect(Math.abs(out.get('probabilities')![0][j] - p)).toBeLessThanOrEqual(1e-5));
      expect(out.get('label')).toEqual([[0]]);
      const short = await raw.run([expected.input[0], expected.input[0].slice(1)]);
      expect(!short.ok && short.error).toEqual({ kind: 'RowWidth', row: 1, expected: 13, actual: 12 });
    } finally {
      await raw.close();
    }
  });

  it('runs the regressor on a batch through a raw model: output variable, one value a row', async () => {
    const raw = unwrap(await openRawModel(join(regressorDir, 'model.onnx')));
    try {
      const rows = [[0, 0, 0, 0], [5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]];
      const out = unwrap(await raw.run(rows));
      expect([...out.keys()]).toEqual(['variable']);
      const variable = out.get('variable')!;
      expect(variable.map((r) => r.length)).toEqual([1, 1, 1]);
      expect(variable.every(([v]) => Number.isFinite(v))).toBe(true);
      // The batch gives what rows run one by one give.
      for (let i = 0; i < rows.length; i++) expect(unwrap(await raw.run([rows[i]])).get('variable')).toEqual([variable[i]]);
    } finally {
      await raw.close();
    }
  });

  it('is refused for trading under names the feature registry does not know (f0..f12)', async () => {
    const featureNames = Array.from({ length: 13 }, (_, i) => `f${i}`);
    const dir = await withManifest(classifierDir, {
      id: 'tract', description: '', featureNames, schemaId: createSchema(featureNames).id, horizonMs: 1000,
      output: { kind: 'classProbabilities', tensor: 'probabilities', classes: ['down', 'flat', 'up'] }, scoreMeaning: 'p', threshold: 0.5,
    });
    dirs.push(dir);
    const loaded = await openOnnxModel(dir);
    expect(!loaded.ok && loaded.error).toMatchObject({ kind: 'FeatureUnknown', index: 0, name: 'f0' });
  });

  describe('the classifier through the adapter', () => {
    const { featureNames, featureVersions, schemaId } = registryFeatures(13);
    const classifierManifest = (classes: ClassLabel[]): Manifest => ({
      id: 'tract-xgboost-classifier',
      description: 'third-party XGBoost classifier; its classes 0, 1, 2 read as market moves for this test',
      featureNames,
      featureVersions,
      schemaId,
      horizonMs: 1000,
      output: { kind: 'classProbabilities', tensor: 'probabilities', classes },
      scoreMeaning: 'P(up) - P(down)',
      threshold: 0.5,
    });

    // Each order maps the three probability columns differently, so together they check every column.
    it.each<[ClassLabel[]]>([[['down', 'flat', 'up']], [['up', 'flat', 'down']], [['flat', 'up', 'down']]])(
      "returns the original model's probabilities from expected.json as score and confidence, classes %j",
      async (classes) => {
        const expected = await readExpected();
        const probabilities = expected.probabilities[0];
        const dir = await withManifest(classifierDir, classifierManifest(classes));
        dirs.push(dir);
        const model = await loadOnnxModel(dir, { schemaId });
        try {
          const p = await model.predict({ schemaId, ts: micros(0), values: Float64Array.from(expected.input[0]) });
          const up = probabilities[classes.indexOf('up')];
          const down = probabilities[classes.indexOf('down')];
          expect(Math.abs(p.score - (up - down))).toBeLessThanOrEqual(1e-5);
          expect(Math.abs(p.confidence - Math.max(...probabilities))).toBeLessThanOrEqual(1e-5);
        } finally {
          await model.close();
        }
      },
    );
  });

  describe('the regressor through the adapter', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await withManifest(regressorDir, {
        id: 'onnxmltools-xgb-regressor',
        description: 'third-party XGBoost regressor without a confidence output',
        ...registryFeatures(4),
        horizonMs: 1000,
        output: { kind: 'score', score: 'variable', confidence: { kind: 'tanh', scale: 2 } },
        scoreMeaning: 'regression target, unitless',
        threshold: 0.5,
      });
      dirs.push(dir);
    });

    it('predicts finite scores with confidence |tanh(score / scale)| computed here', async () => {
      const model = await loadOnnxModel(dir);
      try {
        for (const values of [[0, 0, 0, 0], [5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [-100, 1e3, 0.5, 7]]) {
          const p = await model.predict({ schemaId: model.info.schemaId, ts: micros(0), values: Float64Array.from(values) });
          expect(Number.isFinite(p.score)).toBe(true);
          expect(p.confidence).toBeCloseTo(Math.abs(Math.tanh(p.score / 2)), 12);
        }
        const a = await model.predict({ schemaId: model.info.schemaId, ts: micros(0), values: Float64Array.from([5.1, 3.5, 1.4, 0.2]) });
        const b = await model.predict({ schemaId: model.info.schemaId, ts: micros(0), values: Float64Array.from([6.7, 3.0, 5.2, 2.3]) });
        // 100 trees over distinct inputs: a regressor that ignored its input would give equal scores.
        expect(a.score).not.toBe(b.score);
      } finally {
        await model.close();
      }
    });
  });
});
