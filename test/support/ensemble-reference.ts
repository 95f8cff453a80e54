import { calibrate } from '../../domain/model/calibration.ts';
import type { EnsembleReading, HorizonEnsemble } from '../../domain/model/ensemble.ts';

/**
 * `combineHorizons` as it was before its score and confidence were split into `horizonScore` and
 * `horizonConfidence` (so that the model's readout builds no reading object): the reference the
 * split is held to, bit for bit, by test/domain/ensemble.prop.test.ts.
 */
export function combineHorizonsReference(e: HorizonEnsemble, scores: ArrayLike<number>): EnsembleReading {
  if (scores.length < e.weights.length) throw new RangeError(`scores must hold one score per horizon (${e.weights.length}), got ${scores.length}`);
  let total = 0;
  let weighted = 0;
  for (let h = 0; h < e.weights.length; h++) {
    // A member weighted 0 is switched off: its score, even NaN, must not reach the sum.
    if (e.weights[h] === 0) continue;
    total += e.weights[h];
    weighted += e.weights[h] * scores[h];
  }
  const score = weighted / total;
  if (score === 0 || !Number.isFinite(score)) return { score, confidence: 0 };
  let agreeing = 0;
  for (let h = 0; h < e.weights.length; h++) {
    if (e.weights[h] > 0 && Math.sign(scores[h]) === Math.sign(score)) agreeing += e.weights[h] * calibrate(e.calibration[h], scores[h]);
  }
  const raw = Math.min(1, Math.max(0, agreeing / total));
  return { score, confidence: e.combined === undefined ? raw : calibrate(e.combined, raw) };
}
