import { InferenceSession, Tensor } from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectOnnx, opsetVersion } from '../../adapters/onnx/onnx-inspect.ts';
import { encodeTreeEnsemble, treeEnsembleModelSpec, type TreeEnsembleExport } from '../../adapters/onnx/tree-ensemble-export.ts';
import { trainGbdt } from '../../domain/model/gbdt/boost.ts';
import { predictRow, type GbdtModel } from '../../domain/model/gbdt/model.ts';
import { DEFAULT_GBDT_PARAMS, type Dataset } from '../../domain/model/gbdt/params.ts';
import { mulberry32 } from '../../domain/model/gbdt/rng.ts';
import { unwrap } from '../../domain/result.ts';

const F = 8;
const names: TreeEnsembleExport = {
  graphName: 'gbdt',
  inputName: 'features',
  outputName: 'returns_bps',
  docString: 'two horizons',
  metadata: [['feature_names', 'f0,f1,f2,f3,f4,f5,f6,f7']],
};

// As the project's model adapter opens sessions: one thread, so the trees are summed in order.
const SESSION_OPTIONS: InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
};

/** 5,000 rows of mixed features (continuous, few-valued, large) and two bps-like targets. */
function dataset(seed: number): { readonly x: Float64Array; readonly y: readonly Float64Array[] } {
  const rng = mulberry32(seed);
  const rows = 5000;
  const x = new Float64Array(rows * F);
  const y = [new Float64Array(rows), new Float64Array(rows)];
  for (let i = 0; i < rows; i++) {
    const o = i * F;
    for (let j = 0; j < F; j++) x[o + j] = j === 2 ? Math.floor(rng.next() * 5) : j === 7 ? 1e4 * (rng.next() - 0.5) : 2 * rng.next() - 1;
    y[0][i] = 3 * x[o] + 2 * Math.sin(4 * x[o + 1]) + x[o + 2] + 2 * (rng.next() - 0.5);
    y[1][i] = -2 * x[o + 3] * x[o + 4] + (x[o + 7] > 1000 ? 3 : 0) + x[o + 5] + 2 * (rng.next() - 0.5);
  }
  return { x, y };
}

async function runOrt(bytes: Uint8Array, x: Float64Array, targets: number): Promise<Float32Array> {
  const session = await InferenceSession.create(bytes, SESSION_OPTIONS);
  try {
    const rows = x.length / F;
    const out = await session.run({ features: new Tensor('float32', Float32Array.from(x), [rows, F]) });
    expect(out.returns_bps.dims).toEqual([rows, targets]);
    return out.returns_bps.data as Float32Array;
  } finally {
    await session.release();
  }
}

/**
 * Rows built around every split of the first trees: the feature exactly at its float32 threshold, a
 * double just above it that rounds to it in float32, and the next float32 above and below.
 */
function thresholdRows(models: readonly GbdtModel[], base: Float64Array): Float64Array {
  const rows: number[] = [];
  const ulp = (t: number): number => Math.max(Math.abs(t) * 2 ** -23, 2 ** -149);
  for (const m of models) {
    for (const tree of m.trees.slice(0, 20)) {
      for (let node = 0; node < tree.feature.length; node++) {
        if (tree.feature[node] < 0) continue;
        const t = tree.threshold[node];
        for (const v of [t, t + ulp(t) / 4, t - ulp(t) / 4, Math.fround(t + ulp(t)), Math.fround(t - ulp(t))]) {
          // The other features come from the first 100 rows of the data, in turn.
          const from = ((rows.length / F) % 100) * F;
          const row = Array.from(base.subarray(from, from + F));
          row[tree.feature[node]] = v;
          rows.push(...row);
        }
      }
    }
  }
  return Float64Array.from(rows);
}

describe('encodeTreeEnsemble against onnxruntime', () => {
  const { x, y } = dataset(101);
  let models: readonly GbdtModel[] = [];
  let bytes: Uint8Array = new Uint8Array();

  beforeAll(() => {
    const params = { ...DEFAULT_GBDT_PARAMS, rounds: 300, learningRate: 0.1, minDataInLeaf: 20, earlyStoppingRounds: 0 };
    models = y.map((labels, t): GbdtModel => {
      const data: Dataset = { rows: labels.length, features: F, values: x, labels };
      return trainGbdt(data, null, { ...params, seed: 7 + t });
    });
    bytes = encodeTreeEnsemble(models, names);
  });

  it('trains 300 trees a target, with outputs of a few units', () => {
    expect(models.map((m) => m.trees.length)).toEqual([300, 300]);
    const ys = y.flatMap((col) => [...col]);
    expect(Math.max(...ys.map(Math.abs))).toBeGreaterThan(3);
  });

  it('gives every training row predictRow’s value within 1e-5, for both targets', async () => {
    const out = await runOrt(bytes, x, 2);
    let worst = 0;
    for (let i = 0; i < x.length / F; i++) {
      for (let t = 0; t < 2; t++) worst = Math.max(worst, Math.abs(out[2 * i + t] - predictRow(models[t], x, i * F)));
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('agrees on rows at, just beside and within float32 rounding of the thresholds', async () => {
    const rows = thresholdRows(models, x);
    expect(rows.length / F).toBeGreaterThan(1000);
    const out = await runOrt(bytes, rows, 2);
    let worst = 0;
    for (let i = 0; i < rows.length / F; i++) {
      for (let t = 0; t < 2; t++) worst = Math.max(worst, Math.abs(out[2 * i + t] - predictRow(models[t], rows, i * F)));
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('declares one TreeEnsembleRegressor of ai.onnx.ml 3, input float [N, 8] and output float [N, 2]', () => {
    const m = unwrap(inspectOnnx(bytes));
    expect(m.graphName).toBe('gbdt');
    expect(m.opTypes).toEqual(['TreeEnsembleRegressor']);
    expect(opsetVersion(m, 'ai.onnx.ml')).toBe(3);
    expect(opsetVersion(m, '')).toBe(17);
    expect(m.inputs).toEqual([{ name: 'features', type: { kind: 'tensor', elemType: 'float', shape: ['N', F] } }]);
    expect(m.outputs).toEqual([{ name: 'returns_bps', type: { kind: 'tensor', elemType: 'float', shape: ['N', 2] } }]);
    expect(m.metadata.get('feature_names')).toBe('f0,f1,f2,f3,f4,f5,f6,f7');
  });

  it('numbers trees uniquely across targets and points each leaf weight at its own target', () => {
    const node = treeEnsembleModelSpec(models, names).nodes[0];
    const attr = (name: string): readonly (number | string)[] => {
      const a = node.attributes!.find((x) => x.name === name)!;
      return a.value as readonly (number | string)[];
    };
    const treeIds = attr('target_treeids') as readonly number[];
    const targets = attr('target_ids') as readonly number[];
    expect(new Set(attr('nodes_treeids')).size).toBe(600);
    treeIds.forEach((id, k) => expect(targets[k]).toBe(id < 300 ? 0 : 1));
    expect(attr('base_values')).toEqual(models.map((m) => m.baseScore));
  });
});

describe('encodeTreeEnsemble, edge cases', () => {
  it('exports a model without trees as its base value', async () => {
    const { x, y } = dataset(5);
    const small = x.subarray(0, 40 * F);
    const model = trainGbdt({ rows: 40, features: F, values: small, labels: y[0].subarray(0, 40) }, null, { ...DEFAULT_GBDT_PARAMS, minDataInLeaf: 30 });
    expect(model.trees).toHaveLength(0);
    const out = await runOrt(encodeTreeEnsemble([model], names), small, 1);
    expect([...out]).toEqual(new Array(40).fill(model.baseScore));
  });

  it('refuses no models, and models of different widths', () => {
    expect(() => treeEnsembleModelSpec([], names)).toThrow(/at least one model/);
    const m = (features: number): GbdtModel => ({ features, baseScore: 0, trees: [], bestIteration: 0, history: [], featureGain: new Float64Array(features) });
    expect(() => treeEnsembleModelSpec([m(8), m(9)], names)).toThrow(/model 1 takes 9 features but model 0 takes 8/);
  });
});
