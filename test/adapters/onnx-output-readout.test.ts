import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { CONFIDENCE_TOLERANCE, readPrediction, readPredictionInto, readoutFetches, type Readout } from '../../adapters/onnx/output-readout.ts';
import { unwrap } from '../../domain/result.ts';

const scoreReadout: Readout = { kind: 'score', score: 's', confidence: { kind: 'tensor', tensor: 'c' } };
const tanhReadout: Readout = { kind: 'score', score: 's', confidence: { kind: 'tanh', scale: 2 } };
/** Columns ordered up, flat, down. */
const classReadout: Readout = { kind: 'classProbabilities', tensor: 'p', columns: 3, up: 0, down: 2 };

const horizonsReadout: Readout = {
  kind: 'horizons',
  tensor: 'h',
  ensemble: {
    horizonsMs: [1000, 5000, 30000],
    weights: [1, 1, 2],
    calibration: [{ kind: 'isotonic', x: [1, 3], y: [0.5, 0.7] }, { kind: 'platt', a: -1, b: 0 }, { kind: 'platt', a: -1, b: 1 }],
  },
};

const outputs = (o: Record<string, number[]>) => (name: string): ArrayLike<number> => {
  const data = o[name];
  if (data === undefined) throw new Error(`no output ${name}`);
  return Float32Array.from(data);
};

describe('readPrediction', () => {
  it('reads score and confidence tensors', () => {
    const p = unwrap(readPrediction(scoreReadout, outputs({ s: [-0.5], c: [0.25] })));
    expect(p).toEqual({ score: -0.5, confidence: 0.25 });
  });

  it('computes |tanh(score / scale)| for a regressor without a confidence output', () => {
    const p = unwrap(readPrediction(tanhReadout, outputs({ s: [-3] })));
    expect(p.confidence).toBe(Math.abs(Math.tanh(-3 / 2)));
  });

  test.prop([fc.tuple(fc.float({ min: 0, max: 1, noNaN: true }), fc.float({ min: 0, max: 1, noNaN: true }), fc.float({ min: 0, max: 1, noNaN: true }))])(
    'gives score P(up) − P(down) and confidence max P from class probabilities',
    ([up, flat, down]) => {
      const p = unwrap(readPrediction(classReadout, outputs({ p: [up, flat, down] })));
      expect(p.score).toBe(up - down);
      expect(p.confidence).toBe(Math.max(up, flat, down));
    },
  );

  it('clamps a confidence within the tolerance of [0, 1] and rejects one beyond it', () => {
    const just = 1 + CONFIDENCE_TOLERANCE / 2;
    expect(unwrap(readPrediction(scoreReadout, outputs({ s: [1], c: [just] }))).confidence).toBe(1);
    expect(unwrap(readPrediction(scoreReadout, outputs({ s: [1], c: [-CONFIDENCE_TOLERANCE / 2] }))).confidence).toBe(0);
    const over = readPrediction(scoreReadout, outputs({ s: [1], c: [1.001] }));
    expect(!over.ok && over.error.kind).toBe('ConfidenceOutOfRange');
    const nan = readPrediction(scoreReadout, outputs({ s: [1], c: [NaN] }));
    expect(!nan.ok && nan.error.kind).toBe('ConfidenceOutOfRange');
  });

  it('reads into a reused object what it returns, and leaves the object as it was on an error', () => {
    const into = { score: 7, confidence: 0.5 };
    expect(readPredictionInto(scoreReadout, outputs({ s: [1], c: [1.001] }), into)?.kind).toBe('ConfidenceOutOfRange');
    expect(into).toEqual({ score: 7, confidence: 0.5 });
    for (const [readout, o] of [[scoreReadout, { s: [-0.5], c: [0.25] }], [classReadout, { p: [0.2, 0.3, 0.5] }], [horizonsReadout, { h: [2, -1, 4] }]] as [Readout, Record<string, number[]>][]) {
      expect(readPredictionInto(readout, outputs(o), into)).toBeNull();
      expect(into).toEqual(unwrap(readPrediction(readout, outputs(o))));
    }
  });

  it('rejects a non-finite score and an output with the wrong number of values', () => {
    const inf = readPrediction(scoreReadout, outputs({ s: [Infinity], c: [0.5] }));
    expect(!inf.ok && inf.error.kind).toBe('ScoreNotFinite');
    const two = readPrediction(classReadout, outputs({ p: [0.5, 0.5] }));
    expect(!two.ok && two.error).toEqual({ kind: 'OutputShape', output: 'p', length: 2, expected: 3 });
  });

  it('reads horizon scores as the weighted mean, with the calibrated agreement as confidence', () => {
    // Weights 1, 1, 2; members 2 and −1 bps disagree, so the third (+3 bps) sets the sign.
    const p = unwrap(readPrediction(horizonsReadout, outputs({ h: [2, -1, 3] })));
    expect(p.score).toBeCloseTo((2 - 1 + 2 * 3) / 4, 12);
    // Agreeing members: 2 bps on the isotonic curve (halfway from 0.5 to 0.7 = 0.6) and 3 bps on
    // Platt a = −1, b = 1 (1 / (1 + e^(−2))); the disagreeing one adds nothing.
    const platt = 1 / (1 + Math.exp(-3 + 1));
    expect(p.confidence).toBeCloseTo((1 * 0.6 + 2 * platt) / 4, 7);
  });

  it('gives a zero horizon score confidence 0, and refuses a row of the wrong width', () => {
    expect(unwrap(readPrediction(horizonsReadout, outputs({ h: [1, -1, 0] })))).toEqual({ score: 0, confidence: 0 });
    const two = readPrediction(horizonsReadout, outputs({ h: [1, 2] }));
    expect(!two.ok && two.error).toEqual({ kind: 'OutputShape', output: 'h', length: 2, expected: 3 });
  });

  it('fetches only the outputs it reads', () => {
    expect(readoutFetches(scoreReadout)).toEqual(['s', 'c']);
    expect(readoutFetches(tanhReadout)).toEqual(['s']);
    expect(readoutFetches(classReadout)).toEqual(['p']);
    expect(readoutFetches(horizonsReadout)).toEqual(['h']);
  });
});
