import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { openNativeSession } from '../../adapters/onnx/native-session.ts';
import { ModelProtoType } from '../../adapters/onnx/onnx-proto.ts';
import { compileTreeEnsemble } from '../../adapters/onnx/tree-ensemble-runner.ts';
import { mulberry32 } from '../../domain/model/gbdt/rng.ts';

const repoModels = fileURLToPath(new URL('../../models/', import.meta.url));
const sharedModels = fileURLToPath(new URL('../../../shared/models/', import.meta.url));

interface Split {
  readonly feature: number;
  readonly threshold: number;
}

/** Every split of a TreeEnsembleRegressor file: its feature and float32 threshold. */
function splitsOf(bytes: Uint8Array): Split[] {
  const model = ModelProtoType.toObject(ModelProtoType.decode(bytes), { longs: Number }) as {
    graph: { node: { attribute: { name: string; ints?: number[]; floats?: number[]; strings?: Uint8Array[] }[] }[] };
  };
  const attrs = new Map(model.graph.node[0].attribute.map((a) => [a.name, a]));
  const features = attrs.get('nodes_featureids')!.ints!;
  const values = attrs.get('nodes_values')!.floats!;
  const modes = attrs.get('nodes_modes')!.strings!.map((s) => Buffer.from(s).toString());
  return features.map((feature, i) => ({ feature, threshold: values[i] })).filter((_, i) => modes[i] !== 'LEAF');
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
/** The float32 `steps` representable values away from the float32 `x` (finite, nonzero x). */
function nextFloat(x: number, steps: number): number {
  f32[0] = x;
  i32[0] = (i32[0]) + (x > 0 ? steps : -steps);
  return f32[0];
}

/**
 * Rows whose every feature sits on or beside a split of the model: exactly at a threshold, a double
 * just above it that rounds to it in float32, one float32 above or below, NaN, or far out; so that
 * every `<=` in the trees is tried on both sides of its boundary.
 */
function boundaryRows(splits: readonly Split[], width: number, rows: number, seed: number): Float64Array[] {
  const rng = mulberry32(seed);
  const byFeature: number[][] = Array.from({ length: width }, () => []);
  for (const s of splits) byFeature[s.feature].push(s.threshold);
  const out: Float64Array[] = [];
  for (let r = 0; r < rows; r++) {
    const row = new Float64Array(width);
    for (let f = 0; f < width; f++) {
      const ts = byFeature[f];
      const pick = rng.next();
      const t = ts.length === 0 ? rng.next() * 10 - 5 : ts[Math.floor(rng.next() * ts.length)];
      if (pick < 0.25 || t === 0) row[f] = t;
      else if (pick < 0.4) row[f] = t + Math.abs(t) * 2 ** -30;
      else if (pick < 0.55) row[f] = nextFloat(t, 1);
      else if (pick < 0.7) row[f] = nextFloat(t, -1);
      else if (pick < 0.75) row[f] = Number.NaN;
      else if (pick < 0.8) row[f] = (rng.next() - 0.5) * 1e9;
      else row[f] = t * (0.5 + rng.next());
    }
    out.push(row);
  }
  return out;
}

/** The same rows through onnxruntime's native session, one row a run as the model adapter runs them. */
function ortOutputs(bytes: Uint8Array, rows: readonly Float64Array[], width: number, output: string): Float32Array[] {
  const session = openNativeSession(bytes);
  if (session === null) throw new Error('this onnxruntime-node lays its binding out otherwise');
  try {
    const input = new Float32Array(width);
    const feeds = { features: new Tensor('float32', input, [1, width]) };
    return rows.map((row) => {
      input.set(row);
      return Float32Array.from(session.run(feeds, { [output]: null }, {})[output].data as Float32Array);
    });
  } finally {
    session.dispose();
  }
}

describe('the tree-ensemble runner', () => {
  for (const name of ['synthetic-gbdt', 'binance-gbdt']) {
    it(`scores ${name}'s rows bit for bit as onnxruntime does, on both sides of every split`, () => {
      const bytes = readFileSync(join(repoModels, name, 'model.onnx'));
      const runner = compileTreeEnsemble(bytes);
      expect(runner).not.toBeNull();
      const width = (JSON.parse(readFileSync(join(repoModels, name, 'manifest.json'), 'utf8')) as { featureNames: string[] }).featureNames.length;
      expect(runner!.features).toBeLessThanOrEqual(width);
      const rows = boundaryRows(splitsOf(bytes), width, 4000, 7);
      const expected = ortOutputs(bytes, rows, width, 'scores');
      let differing = 0;
      rows.forEach((row, r) => {
        const got = runner!.run(row);
        expect(got.length).toBe(expected[r].length);
        for (let k = 0; k < got.length; k++) if (!Object.is(got[k], expected[r][k])) differing++;
      });
      expect(differing).toBe(0);
      // The rows reach many leaves: the scores are not all one value.
      expect(new Set(expected.map((e) => e.join(' '))).size).toBeGreaterThan(3);
    });
  }

  it('leaves a model that is not one TreeEnsembleRegressor to the runtime', () => {
    expect(compileTreeEnsemble(readFileSync(join(repoModels, 'baseline', 'model.onnx')))).toBeNull();
    expect(compileTreeEnsemble(new Uint8Array([1, 2, 3, 4]))).toBeNull();
  });

  it.skipIf(!existsSync(join(sharedModels, 'onnxmltools-xgb-regressor', 'model.onnx')))(
    'leaves an exported regressor with other split modes to the runtime, or scores it as onnxruntime does',
    () => {
      const bytes = readFileSync(join(sharedModels, 'onnxmltools-xgb-regressor', 'model.onnx'));
      const runner = compileTreeEnsemble(bytes);
      // xgboost's export tracks missing values as true (and splits with BRANCH_LT), which this runner does not take.
      expect(runner).toBeNull();
    },
  );
});
