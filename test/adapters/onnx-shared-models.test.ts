import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatManifest, type ClassLabel, type Manifest } from '../../adapters/onnx/manifest.ts';
import { inspectOnnx, opsetVersion } from '../../adapters/onnx/onnx-inspect.ts';
import { loadOnnxModel } from '../../adapters/onnx/onnx-model.ts';
import { createSchema } from '../../domain/features/feature-vector.ts';
import { unwrap } from '../../domain/result.ts';
import type { Micros } from '../../domain/values/units.ts';

const models = fileURLToPath(new URL('../../../shared/models/', import.meta.url));
const classifierDir = join(models, 'tract-xgboost-classifier');
const regressorDir = join(models, 'onnxmltools-xgb-regressor');
const present = existsSync(join(classifierDir, 'model.onnx')) && existsSync(join(regressorDir, 'model.onnx'));
if (!present) console.warn(`skipping the shared ONNX model tests: ${models} is absent (it is not part of the repository)`);

const micros = (n: number): Micros => n as Micros;

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

  describe('the classifier through the adapter', () => {
    const featureNames = Array.from({ length: 13 }, (_, i) => `f${i}`);
    const schemaId = createSchema(featureNames).id;
    const classifierManifest = (classes: ClassLabel[]): Manifest => ({
      id: 'tract-xgboost-classifier',
      description: 'third-party XGBoost classifier; its classes 0, 1, 2 read as market moves for this test',
      featureNames,
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
        const expected = JSON.parse(await readFile(join(classifierDir, 'expected.json'), 'utf8')) as {
          input: number[][];
          probabilities: number[][];
        };
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
    const featureNames = ['x0', 'x1', 'x2', 'x3'];
    let dir = '';
    beforeAll(async () => {
      dir = await withManifest(regressorDir, {
        id: 'onnxmltools-xgb-regressor',
        description: 'third-party XGBoost regressor without a confidence output',
        featureNames,
        schemaId: createSchema(featureNames).id,
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
