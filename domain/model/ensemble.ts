import { calibrate, checkCalibration, type Calibration } from './calibration.ts';

/**
 * One regressor per label horizon, combined into one signal. Each member predicts the mid's move over
 * its horizon in bps; the ensemble's score is their weighted mean (bps), and its confidence is the
 * weighted share of calibrated probability held by the members that agree with the score's sign:
 *
 *   score      = Σ w_h · s_h / Σ w_h
 *   confidence = Σ_{h : sign(s_h) = sign(score)} w_h · p_h(|s_h|) / Σ w_h
 *
 * where p_h is member h's calibration (the probability that a signal of that size is right). When every
 * horizon agrees the confidence is the weighted mean of their calibrated probabilities; each member that
 * disagrees takes its share away. A zero score has no direction and confidence 0.
 */
export interface HorizonEnsemble {
  /** The members' horizons, ms, in the order of the model's output columns. */
  readonly horizonsMs: readonly number[];
  /** Non-negative, at least one positive; one per horizon. */
  readonly weights: readonly number[];
  /** One per horizon. */
  readonly calibration: readonly Calibration[];
  /**
   * The combined confidence calibrated as a whole: maps the agreement above to the probability that
   * the ensemble's signal is right, fitted on validation rows. Absent in older manifests: the agreement
   * is then the confidence.
   */
  readonly combined?: Calibration;
}

export interface EnsembleReading {
  /** bps of mid over the horizons, weighted. */
  readonly score: number;
  /** In [0, 1]. */
  readonly confidence: number;
}

/** Combines one row of member scores (bps, one per horizon, in the ensemble's order). */
export function combineHorizons(e: HorizonEnsemble, scores: ArrayLike<number>): EnsembleReading {
  const score = horizonScore(e, scores);
  return { score, confidence: horizonConfidence(e, scores, score) };
}

/**
 * The ensemble's score, bps: `combineHorizons`'s score, without the reading around it (a backtest
 * reads one at every book frame).
 */
export function horizonScore(e: HorizonEnsemble, scores: ArrayLike<number>): number {
  if (scores.length < e.weights.length) throw new RangeError(`scores must hold one score per horizon (${e.weights.length}), got ${scores.length}`);
  let total = 0;
  let weighted = 0;
  for (let h = 0; h < e.weights.length; h++) {
    // A member weighted 0 is switched off: its score, even NaN, must not reach the sum.
    if (e.weights[h] === 0) continue;
    total += e.weights[h];
    weighted += e.weights[h] * scores[h];
  }
  return weighted / total;
}

/** `combineHorizons`'s confidence, in [0, 1], for the `score` that `horizonScore` gave on these scores. */
export function horizonConfidence(e: HorizonEnsemble, scores: ArrayLike<number>, score: number): number {
  if (score === 0 || !Number.isFinite(score)) return 0;
  let total = 0;
  for (let h = 0; h < e.weights.length; h++) if (e.weights[h] !== 0) total += e.weights[h];
  let agreeing = 0;
  for (let h = 0; h < e.weights.length; h++) {
    if (e.weights[h] > 0 && Math.sign(scores[h]) === Math.sign(score)) agreeing += e.weights[h] * calibrate(e.calibration[h], scores[h]);
  }
  const raw = Math.min(1, Math.max(0, agreeing / total));
  return e.combined === undefined ? raw : calibrate(e.combined, raw);
}

/** Why an ensemble description cannot be used, naming the field; null when it can. */
export function checkEnsemble(e: HorizonEnsemble): string | null {
  const n = e.horizonsMs.length;
  if (n === 0) return 'horizonsMs must name at least one horizon';
  for (let h = 0; h < n; h++) {
    if (!Number.isInteger(e.horizonsMs[h]) || e.horizonsMs[h] < 1) return `horizonsMs[${h}] must be a positive integer, got ${e.horizonsMs[h]}`;
  }
  if (e.weights.length !== n) return `weights must hold one weight per horizon (${n}), got ${e.weights.length}`;
  if (e.calibration.length !== n) return `calibration must hold one calibration per horizon (${n}), got ${e.calibration.length}`;
  let positive = false;
  for (let h = 0; h < n; h++) {
    if (!(e.weights[h] >= 0 && Number.isFinite(e.weights[h]))) return `weights[${h}] must be a finite number ≥ 0, got ${e.weights[h]}`;
    if (e.weights[h] > 0) positive = true;
  }
  if (!positive) return 'weights must hold at least one positive weight';
  for (let h = 0; h < n; h++) {
    const bad = checkCalibration(e.calibration[h]);
    if (bad !== null) return `calibration[${h}]: ${bad}`;
  }
  if (e.combined !== undefined) {
    const bad = checkCalibration(e.combined);
    if (bad !== null) return `combined: ${bad}`;
  }
  return null;
}
