import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { Calibration } from '../../domain/model/calibration.ts';
import { combineHorizons, horizonConfidence, horizonScore, type HorizonEnsemble } from '../../domain/model/ensemble.ts';
import { combineHorizonsReference } from '../support/ensemble-reference.ts';

const calibration: fc.Arbitrary<Calibration> = fc.oneof(
  fc.record({ kind: fc.constant('platt' as const), a: fc.double({ min: -5, max: 5, noNaN: true }), b: fc.double({ min: -5, max: 5, noNaN: true }) }),
  fc.uniqueArray(fc.double({ min: 0, max: 50, noNaN: true }), { minLength: 1, maxLength: 6 }).chain((xs) => {
    const x = [...xs].sort((p, q) => p - q);
    return fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: x.length, maxLength: x.length }).map((ys) => ({
      kind: 'isotonic' as const, x, y: [...ys].sort((p, q) => p - q),
    }));
  }),
);

/** An ensemble of 1–4 horizons, some weighted 0, and a row of scores for it, with NaN, ±0 and ±∞ among them. */
const ensembleAndScores = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.record({
    ensemble: fc.record({
      horizonsMs: fc.constant(Array.from({ length: n }, (_, h) => 1000 * (h + 1))),
      weights: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 3, noNaN: true })), { minLength: n, maxLength: n }),
      calibration: fc.array(calibration, { minLength: n, maxLength: n }),
      combined: fc.option(calibration, { nil: undefined }),
    }, { requiredKeys: ['horizonsMs', 'weights', 'calibration'] }),
    scores: fc.array(fc.oneof(fc.double(), fc.constantFrom(0, -0, Number.NaN, 1e-300)), { minLength: n, maxLength: n }),
  }),
);

describe('horizonScore and horizonConfidence', () => {
  test.prop([ensembleAndScores], { numRuns: 3000 })('give combineHorizons its figures as before, bit for bit', ({ ensemble, scores }) => {
    const e: HorizonEnsemble = ensemble;
    const want = combineHorizonsReference(e, scores);
    const score = horizonScore(e, scores);
    expect(Object.is(score, want.score)).toBe(true);
    expect(Object.is(horizonConfidence(e, scores, score), want.confidence)).toBe(true);
    expect(combineHorizons(e, scores)).toStrictEqual(want);
  });
});
