import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baselineManifest } from '../../adapters/onnx/baseline.ts';
import { formatManifest, type Manifest } from '../../adapters/onnx/manifest.ts';
import { describeModelLoadProblem, ZIPMAP_ADVICE } from '../../adapters/onnx/model-load-problem.ts';
import { openOnnxModel } from '../../adapters/onnx/onnx-model.ts';
import { tensorValue, type ValueSpec } from '../../adapters/onnx/onnx-types.ts';
import { encodeOnnxModel, type NodeSpec } from '../../adapters/onnx/onnx-writer.ts';
import { openRawModel } from '../../adapters/onnx/raw-model.ts';
import { unwrap } from '../../domain/result.ts';
import type { Micros } from '../../domain/values/units.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const zipMapType: ValueSpec['type'] = { kind: 'sequence', elem: { kind: 'map', keyType: 'int64', value: { kind: 'tensor', elemType: 'float', shape: null } } };
const ZIPMAP = { name: 'output_probability', type: zipMapType };

/** Leaf probabilities of the one tree: depth_imbalance_1 < 0 gives LEFT, else RIGHT (classes 0, 1, 2). */
const LEFT = [0.7, 0.2, 0.1];
const RIGHT = [0.1, 0.2, 0.7];

/**
 * A one-split TreeEnsembleClassifier over the baseline's four features, as skl2onnx exports one: label
 * and probabilities, the probabilities then zipped into a sequence of maps. `outputs` picks which
 * values the graph returns; `extra` adds nodes after the classifier.
 */
function treeClassifier(outputs: readonly ValueSpec[], extra: readonly NodeSpec[] = []): Uint8Array {
  return encodeOnnxModel({
    graphName: 'tree-zipmap',
    producerName: 'skl2onnx-like',
    opsets: [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: 1 }],
    inputs: [tensorValue('input', 'float', ['N', 4])],
    outputs: [tensorValue('label', 'int64', ['N']), ...outputs],
    nodes: [
      {
        opType: 'TreeEnsembleClassifier', domain: 'ai.onnx.ml', inputs: ['input'], outputs: ['label', 'probabilities'],
        attributes: [
          { name: 'nodes_treeids', type: 'ints', value: [0, 0, 0] },
          { name: 'nodes_nodeids', type: 'ints', value: [0, 1, 2] },
          { name: 'nodes_featureids', type: 'ints', value: [1, 0, 0] },
          { name: 'nodes_values', type: 'floats', value: [0, 0, 0] },
          { name: 'nodes_modes', type: 'strings', value: ['BRANCH_LT', 'LEAF', 'LEAF'] },
          { name: 'nodes_truenodeids', type: 'ints', value: [1, 0, 0] },
          { name: 'nodes_falsenodeids', type: 'ints', value: [2, 0, 0] },
          { name: 'class_treeids', type: 'ints', value: [0, 0, 0, 0, 0, 0] },
          { name: 'class_nodeids', type: 'ints', value: [1, 1, 1, 2, 2, 2] },
          { name: 'class_ids', type: 'ints', value: [0, 1, 2, 0, 1, 2] },
          { name: 'class_weights', type: 'floats', value: [...LEFT, ...RIGHT] },
          { name: 'classlabels_int64s', type: 'ints', value: [0, 1, 2] },
          { name: 'post_transform', type: 'string', value: 'NONE' },
        ],
      },
      {
        opType: 'ZipMap', domain: 'ai.onnx.ml', inputs: ['probabilities'], outputs: ['output_probability'],
        attributes: [{ name: 'classlabels_int64s', type: 'ints', value: [0, 1, 2] }],
      },
      ...extra,
    ],
  });
}

const probabilities = tensorValue('probabilities', 'float', ['N', 3]);
const identity = (to: string): NodeSpec => ({ opType: 'Identity', inputs: ['probabilities'], outputs: [to] });

const manifestFor = (tensor: string): Manifest => ({
  ...baselineManifest(),
  id: 'tree-zipmap',
  output: { kind: 'classProbabilities', tensor, classes: ['down', 'flat', 'up'] },
  baseline: false,
});

async function modelDir(model: Uint8Array, manifest: Manifest): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ladder-zipmap-'));
  dirs.push(dir);
  await writeFile(join(dir, 'model.onnx'), model);
  await writeFile(join(dir, 'manifest.json'), formatManifest(manifest));
  return dir;
}

const row = (imbalance: number) => ({ ts: 0 as Micros, values: Float64Array.from([1, imbalance, 0, 0]) });

describe('a manifest naming a ZipMap output', () => {
  it('loads when the model also returns the ZipMap input as a tensor, reads that tensor and says so', async () => {
    const dir = await modelDir(treeClassifier([probabilities, ZIPMAP]), manifestFor('output_probability'));
    const model = unwrap(await openOnnxModel(dir));
    try {
      expect(model.warnings).toEqual([
        `${join(dir, 'model.onnx')}: output 'output_probability' is sequence<map<int64,float[?]>> (a ZipMap-style output), `
          + "which onnxruntime-node cannot return; reading the tensor output 'probabilities' instead",
      ]);
      // The run fetches only the tensor: fetching the ZipMap output would make onnxruntime-node throw.
      const down = await model.predict({ schemaId: model.info.schemaId, ...row(-0.5) });
      expect(down.score).toBeCloseTo(LEFT[2] - LEFT[0], 6);
      expect(down.confidence).toBeCloseTo(LEFT[0], 6);
      const up = await model.predict({ schemaId: model.info.schemaId, ...row(0.5) });
      expect(up.score).toBeCloseTo(RIGHT[2] - RIGHT[0], 6);
    } finally {
      await model.close();
    }
  });

  it('loads without a warning when the manifest names the tensor itself', async () => {
    const model = unwrap(await openOnnxModel(await modelDir(treeClassifier([probabilities, ZIPMAP]), manifestFor('probabilities'))));
    expect(model.warnings).toEqual([]);
    await model.close();
  });

  it('reads the only fitting tensor output when the ZipMap input itself is not returned', async () => {
    const dir = await modelDir(treeClassifier([ZIPMAP, tensorValue('copy', 'float', ['N', 3])], [identity('copy')]), manifestFor('output_probability'));
    const model = unwrap(await openOnnxModel(dir));
    try {
      expect(model.warnings[0]).toMatch(/reading the tensor output 'copy' instead$/);
      const p = await model.predict({ schemaId: model.info.schemaId, ...row(-1) });
      expect(p.confidence).toBeCloseTo(LEFT[0], 6);
    } finally {
      await model.close();
    }
  });

  it('is refused, saying how to export without ZipMap, when the probabilities exist only as a ZipMap', async () => {
    const dir = await modelDir(treeClassifier([ZIPMAP]), manifestFor('output_probability'));
    const loaded = await openOnnxModel(dir);
    if (loaded.ok) throw new Error('expected a refusal');
    expect(loaded.error).toMatchObject({ kind: 'OutputNotTensor', output: 'output_probability', candidates: [] });
    const message = describeModelLoadProblem(loaded.error);
    expect(message).toBe(
      `${join(dir, 'model.onnx')}: output 'output_probability' is sequence<map<int64,float[?]>> (a ZipMap-style output), `
        + `not a tensor, and onnxruntime-node cannot return it; ${ZIPMAP_ADVICE}`,
    );
    expect(message).toContain("options={id(model): {'zipmap': False}}");
    expect(message).toContain('zipmap=False');
  });

  it('is refused, listing them, when several tensors could hold the probabilities', async () => {
    const outputs = [ZIPMAP, tensorValue('a', 'float', ['N', 3]), tensorValue('b', 'float', ['N', 3])];
    const loaded = await openOnnxModel(await modelDir(treeClassifier(outputs, [identity('a'), identity('b')]), manifestFor('output_probability')));
    if (loaded.ok) throw new Error('expected a refusal');
    expect(describeModelLoadProblem(loaded.error)).toMatch(/name the tensor output that holds its values in the manifest instead \(one of a, b\)$/);
  });
});

describe('a raw model with a ZipMap output', () => {
  it('runs its tensor outputs and lists the ZipMap as skipped', async () => {
    const dir = await modelDir(treeClassifier([probabilities, ZIPMAP]), manifestFor('probabilities'));
    const raw = unwrap(await openRawModel(join(dir, 'model.onnx')));
    try {
      expect(raw.outputs).toEqual(['label', 'probabilities']);
      expect(raw.skipped).toEqual([{ name: 'output_probability', type: 'sequence<map<int64,float[?]>>' }]);
      const out = unwrap(await raw.run([[0, -1, 0, 0], [0, 1, 0, 0], [5, -0.1, 5, 5]]));
      expect(out.get('label')).toEqual([[0], [2], [0]]);
      const p = out.get('probabilities')!;
      [LEFT, RIGHT, LEFT].forEach((want, i) => want.forEach((v, j) => expect(p[i][j]).toBeCloseTo(v, 6)));
    } finally {
      await raw.close();
    }
  });
});
