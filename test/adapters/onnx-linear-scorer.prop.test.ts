import { fc, test } from '@fast-check/vitest';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { CONFIDENCE_TOLERANCE, readPrediction } from '../../adapters/onnx/output-readout.ts';
import { buildLinearScorer, linearScore } from '../../adapters/onnx/linear-scorer.ts';
import { inspectOnnx } from '../../adapters/onnx/onnx-inspect.ts';
import { unwrap } from '../../domain/result.ts';

const finite = (min: number, max: number): fc.Arbitrary<number> => fc.double({ min, max, noNaN: true });

/** A scorer of 1..8 features and a batch of 1..6 rows for it. */
const scorerAndRows = fc.integer({ min: 1, max: 8 }).chain((f) =>
  fc.record({
    weights: fc.array(finite(-5, 5), { minLength: f, maxLength: f }),
    bias: finite(-5, 5),
    scale: finite(0.1, 10),
    rows: fc.array(fc.array(finite(-20, 20), { minLength: f, maxLength: f }), { minLength: 1, maxLength: 6 }),
  }),
);

/**
 * The model computes in float32, the twin in float64 from the same float32-rounded inputs, so they
 * differ by float32 rounding of the sum: 1e-6 relative to the size of its terms.
 */
const scoreTolerance = (row: readonly number[], weights: readonly number[], bias: number): number =>
  1e-6 * (1 + Math.abs(bias) + row.reduce((s, x, i) => s + Math.abs(Math.fround(x) * Math.fround(weights[i])), 0));

async function runScorer(bytes: Uint8Array, rows: readonly (readonly number[])[]): Promise<{ score: Float32Array; confidence: Float32Array }> {
  const session = await InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const f = rows[0].length;
    const input = new Tensor('float32', Float32Array.from(rows.flat()), [rows.length, f]);
    const out = await session.run({ features: input });
    expect(out.score.dims).toEqual([rows.length, 1]);
    expect(out.confidence.dims).toEqual([rows.length, 1]);
    return { score: out.score.data as Float32Array, confidence: out.confidence.data as Float32Array };
  } finally {
    await session.release();
  }
}

describe('buildLinearScorer', () => {
  test.prop([scorerAndRows], { numRuns: 60 })(
    'onnxruntime computes what linearScore computes, for every row of a batch',
    async ({ weights, bias, scale, rows }) => {
      const bytes = buildLinearScorer({
        featureNames: weights.map((_, i) => `f${i}`), weights, bias, confidenceScale: scale, modelId: 'prop',
      });
      const out = await runScorer(bytes, rows);
      rows.forEach((row, r) => {
        const twin = linearScore(row, weights, bias, scale);
        const tol = scoreTolerance(row, weights, bias);
        expect(Math.abs(out.score[r] - twin.score)).toBeLessThanOrEqual(tol);
        // tanh has slope at most 1/scale, so the score's rounding carries over scaled by that.
        expect(Math.abs(out.confidence[r] - twin.confidence)).toBeLessThanOrEqual(1e-6 + tol / Math.fround(scale));
        // float32 tanh can overshoot 1 by one ulp (1 + 2^-23); the adapter clamps within 1e-6.
        expect(out.confidence[r]).toBeGreaterThanOrEqual(0);
        expect(out.confidence[r]).toBeLessThanOrEqual(1 + CONFIDENCE_TOLERANCE);
      });
    },
  );

  it('regression: float32 tanh of a large score is 1 + 2^-23, which the adapter reads as 1', async () => {
    // Shrunk counterexample: weights [0, 0], bias 4.968…, scale 0.5596…, one row [0, 0].
    const spec = { featureNames: ['f0', 'f1'], weights: [0, 0], bias: 4.968192338943482, confidenceScale: 0.5596784055233002, modelId: 'overshoot' };
    const out = await runScorer(buildLinearScorer(spec), [[0, 0]]);
    expect(out.confidence[0]).toBe(1 + 2 ** -23);
    const read = readPrediction({ kind: 'score', score: 'score', confidence: { kind: 'tensor', tensor: 'confidence' } }, (name) => (name === 'score' ? out.score : out.confidence));
    expect(read).toEqual({ ok: true, value: { score: out.score[0], confidence: 1 } });
  });

  it('declares input features float [batch, F] and the two outputs float [batch, 1]', () => {
    const m = unwrap(inspectOnnx(buildLinearScorer({
      featureNames: ['a', 'b', 'c'], weights: [1, 2, 3], bias: 0, confidenceScale: 1, modelId: 'shape',
    })));
    expect(m.inputs).toEqual([{ name: 'features', type: { kind: 'tensor', elemType: 'float', shape: ['batch', 3] } }]);
    expect(m.outputs.map((o) => [o.name, o.type])).toEqual([
      ['score', { kind: 'tensor', elemType: 'float', shape: ['batch', 1] }],
      ['confidence', { kind: 'tensor', elemType: 'float', shape: ['batch', 1] }],
    ]);
    expect(m.opsets).toEqual([{ domain: '', version: 17 }]);
    expect(m.opTypes).toEqual(['MatMul', 'Add', 'Div', 'Tanh', 'Abs']);
  });

  it('refuses weights that do not match the features, and a scale that is not positive', () => {
    const spec = { featureNames: ['a', 'b'], weights: [1, 2], bias: 0, confidenceScale: 1, modelId: 'bad' };
    expect(() => buildLinearScorer({ ...spec, weights: [1] })).toThrow(/2 features but 1 weights/);
    expect(() => buildLinearScorer({ ...spec, confidenceScale: 0 })).toThrow(/confidenceScale must be positive/);
    expect(() => buildLinearScorer({ ...spec, bias: NaN })).toThrow(/finite/);
  });
});

describe('linearScore', () => {
  test.prop([fc.array(finite(-20, 20), { minLength: 1, maxLength: 8 }), finite(0.1, 10)])(
    'is odd in the weights and bias: negating them negates the score and keeps the confidence',
    (weights, scale) => {
      const row = weights.map((_, i) => i - 2);
      const a = linearScore(row, weights, 0.5, scale);
      const b = linearScore(row, weights.map((w) => -w), -0.5, scale);
      expect(b.score).toBe(-a.score);
      expect(b.confidence).toBe(a.confidence);
    },
  );
});
