import { describe, expect, it } from 'vitest';
import { checkEnsemble, combineHorizons, type HorizonEnsemble } from '../../domain/model/ensemble.ts';

// Three horizons weighted 1, 2, 1 (Σ 4):
//   h0: Platt a = 0, b = 0, a flat 0.5;
//   h1: isotonic x [0, 10], y [0.4, 0.8], so p(2) = 0.4 + 0.2 · 0.4 = 0.48;
//   h2: isotonic x [0, 4], y [0.5, 0.9], so p(6) = 0.9 (beyond the last point).
const ensemble: HorizonEnsemble = {
  horizonsMs: [1000, 5000, 30000],
  weights: [1, 2, 1],
  calibration: [
    { kind: 'platt', a: 0, b: 0 },
    { kind: 'isotonic', x: [0, 10], y: [0.4, 0.8] },
    { kind: 'isotonic', x: [0, 4], y: [0.5, 0.9] },
  ],
};

describe('combineHorizons', () => {
  it('takes away the share of a member that disagrees', () => {
    // Scores 4, 2, −6: score (1·4 + 2·2 + 1·(−6)) / 4 = 0.5, long. h2 disagrees.
    // Confidence (1 · 0.5 + 2 · 0.48) / 4 = 1.46 / 4 = 0.365.
    const r = combineHorizons(ensemble, [4, 2, -6]);
    expect(r.score).toBeCloseTo(0.5, 12);
    expect(r.confidence).toBeCloseTo(0.365, 12);
  });

  it('is the weighted mean of calibrated probabilities when every member agrees', () => {
    // Scores 4, 2, 6: score (4 + 4 + 6) / 4 = 3.5; confidence (0.5 + 0.96 + 0.9) / 4 = 0.59.
    const r = combineHorizons(ensemble, [4, 2, 6]);
    expect(r.score).toBeCloseTo(3.5, 12);
    expect(r.confidence).toBeCloseTo(0.59, 12);
  });

  it('maps the agreement through the combined calibration when the ensemble has one', () => {
    // Agreement 0.365 as above; the combined curve x [0, 0.5], y [0.1, 0.6] gives 0.1 + 0.73 · 0.5 = 0.465.
    const r = combineHorizons({ ...ensemble, combined: { kind: 'isotonic', x: [0, 0.5], y: [0.1, 0.6] } }, [4, 2, -6]);
    expect(r.score).toBeCloseTo(0.5, 12);
    expect(r.confidence).toBeCloseTo(0.465, 12);
    expect(checkEnsemble({ ...ensemble, combined: { kind: 'isotonic', x: [0, 0.5], y: [0.6, 0.1] } })).toBe('combined: y[1] must not be less than y[0]');
  });

  it('is symmetric in sign, and a zero score has confidence 0', () => {
    // Scores −4, −2, 6: score −0.5, short; h0 and h1 agree as before: 0.365.
    const r = combineHorizons(ensemble, [-4, -2, 6]);
    expect(r.score).toBeCloseTo(-0.5, 12);
    expect(r.confidence).toBeCloseTo(0.365, 12);
    // Scores 2, −1, 0: (2 − 2 + 0) / 4 = 0.
    expect(combineHorizons(ensemble, [2, -1, 0])).toEqual({ score: 0, confidence: 0 });
  });

  it('ignores a member weighted 0, even one whose score is not a number', () => {
    const off = { ...ensemble, weights: [1, 2, 0] };
    // Scores 4, 2 over Σw 3: score 8/3; confidence (0.5 + 0.96) / 3.
    const r = combineHorizons(off, [4, 2, NaN]);
    expect(r.score).toBeCloseTo(8 / 3, 12);
    expect(r.confidence).toBeCloseTo(1.46 / 3, 12);
  });

  it('throws when a row holds fewer scores than horizons', () => {
    expect(() => combineHorizons(ensemble, [1, 2])).toThrow('scores must hold one score per horizon (3), got 2');
  });
});

describe('checkEnsemble', () => {
  it('accepts a valid ensemble', () => {
    expect(checkEnsemble(ensemble)).toBeNull();
  });

  it('names the field that is wrong', () => {
    expect(checkEnsemble({ ...ensemble, horizonsMs: [], weights: [], calibration: [] })).toBe('horizonsMs must name at least one horizon');
    expect(checkEnsemble({ ...ensemble, horizonsMs: [1000, 2.5, 3000] })).toBe('horizonsMs[1] must be a positive integer, got 2.5');
    expect(checkEnsemble({ ...ensemble, weights: [1, 1] })).toBe('weights must hold one weight per horizon (3), got 2');
    expect(checkEnsemble({ ...ensemble, calibration: ensemble.calibration.slice(1) })).toBe(
      'calibration must hold one calibration per horizon (3), got 2',
    );
    expect(checkEnsemble({ ...ensemble, weights: [1, 1, -1] })).toBe('weights[2] must be a finite number ≥ 0, got -1');
    expect(checkEnsemble({ ...ensemble, weights: [0, 0, 0] })).toBe('weights must hold at least one positive weight');
    const badCurve = [ensemble.calibration[0], { kind: 'isotonic' as const, x: [0, 0], y: [0.4, 0.8] }, ensemble.calibration[2]];
    expect(checkEnsemble({ ...ensemble, calibration: badCurve })).toBe('calibration[1]: x[1] must be greater than x[0]');
  });
});
