import type { Calibration } from '../domain/model/calibration.ts';
import { combineHorizons, type HorizonEnsemble } from '../domain/model/ensemble.ts';
import { trainGbdt, type TrainProgress } from '../domain/model/gbdt/boost.ts';
import { predictRow, type GbdtModel } from '../domain/model/gbdt/model.ts';
import type { Dataset, GbdtParams } from '../domain/model/gbdt/params.ts';
import { meanOf, netMoveTarget } from '../domain/model/targets.ts';
import { fitIsotonic } from '../domain/model/validation/isotonic.ts';
import { isRightSignal, spearman } from '../domain/model/validation/metrics.ts';
import { fitPlatt } from '../domain/model/validation/platt.ts';
import { chooseThreshold, type ThresholdChoice } from '../domain/model/validation/threshold.ts';

/**
 * The rows a fit reads: time-ordered venue times (µs), the model's inputs (rows × features, only the
 * features the model reads) and, per member, the forward return over its horizon (bps, NaN where not
 * reached). Members are in the order of `horizonsUs`.
 */
export interface FitData {
  readonly ts: Float64Array;
  readonly x: Float64Array;
  readonly features: number;
  readonly horizonsUs: readonly number[];
  readonly returns: readonly Float64Array[];
}

export interface FitOptions {
  readonly gbdt: GbdtParams;
  readonly calibration: 'isotonic' | 'platt';
  readonly costBps: number;
  readonly targetFalseSignalRate: number;
  readonly minSignals: number;
  readonly earlyStoppingShare: number;
  /** Share of the fitting range, at its end, held out (after a purge) to fit weights, calibration and threshold. */
  readonly calibrationShare: number;
  readonly weights: readonly number[] | 'ic';
  readonly primary: number | 'best';
}

/**
 * An ensemble fitted on one range of rows, ready to score later rows: its members, weights, per-member
 * and combined calibration and threshold were all fitted on rows of that range alone.
 */
export interface FittedEnsemble {
  readonly members: readonly GbdtModel[];
  readonly ensemble: HorizonEnsemble;
  readonly threshold: ThresholdChoice;
  /** Why the ensemble must not trade, or null when it may. */
  readonly abstain: string | null;
  readonly primary: number;
  /** Each member's training-window mean move, bps, taken out of its target. */
  readonly labelMeans: readonly number[];
  readonly fitRows: number;
  readonly calibrationRows: number;
  /** Each member's information coefficient on the calibration rows. */
  readonly memberIc: readonly number[];
}

export type MemberProgress = (member: number, p: TrainProgress) => void;

/** A fit that cannot go on (too few rows); the trainer turns it into a `TrainingError`. */
export class FitError extends Error {}

/**
 * Fits an ensemble on rows [start, end): members on the first (1 − calibrationShare) of them, purged by
 * the longest horizon before the rest; weights, calibration, combined calibration and threshold on the
 * rest, from the members' predictions there. The caller guarantees no label window of the range
 * reaches the rows it will score.
 */
export function fitEnsemble(d: FitData, start: number, end: number, o: FitOptions, onProgress?: MemberProgress): FittedEnsemble {
  const { cut, fitEnd } = fitSplit(d, start, end, o.calibrationShare);
  const labelMeans: number[] = [];
  const members = d.horizonsUs.map((_, m) => {
    const rows = finiteRange(d.returns[m], start, fitEnd);
    const mean = meanOf(d.returns[m], rows);
    labelMeans.push(mean);
    return fitMember(d, rows, m, mean, o, (p) => onProgress?.(m, p));
  });
  const calibrationRows: number[] = [];
  for (let i = cut; i < end; i++) calibrationRows.push(i);
  const predicted = members.map((model) => calibrationRows.map((i) => predictRow(model, d.x, i * d.features)));
  const memberIc = members.map((_, m) => {
    const known = calibrationRows.map((_, k) => k).filter((k) => Number.isFinite(d.returns[m][calibrationRows[k]]));
    return known.length < 2 ? NaN : spearman(known.map((k) => predicted[m][k]), known.map((k) => d.returns[m][calibrationRows[k]]));
  });
  let abstain: string | null = null;
  let weights: number[];
  if (o.weights === 'ic') {
    weights = memberIc.map((ic) => (Number.isFinite(ic) && ic > 0 ? ic : 0));
    if (!weights.some((w) => w > 0)) {
      abstain = 'no member predicts its horizon on validation rows (every information coefficient ≤ 0)';
      weights = memberIc.map(() => 1);
    }
  } else {
    weights = [...o.weights];
  }
  const primary = o.primary === 'best' ? bestOf(memberIc, weights) : o.primary;
  const calibration = members.map((_, m) => {
    const known = calibrationRows.map((_, k) => k).filter((k) => Number.isFinite(d.returns[m][calibrationRows[k]]));
    return fitCalibration(known.map((k) => predicted[m][k]), known.map((k) => d.returns[m][calibrationRows[k]]), o);
  });
  const plain: HorizonEnsemble = { horizonsMs: d.horizonsUs.map((h) => h / 1000), weights, calibration };
  const realized = d.returns[primary];
  const known = calibrationRows.map((_, k) => k).filter((k) => Number.isFinite(realized[calibrationRows[k]]));
  if (known.length < 2) throw new FitError(`${known.length} validation rows with a known ${d.horizonsUs[primary] / 1000} ms move; at least 2 are needed`);
  const row = new Float64Array(members.length);
  const reading = (k: number, e: HorizonEnsemble): { score: number; confidence: number } => {
    for (let m = 0; m < members.length; m++) row[m] = predicted[m][k];
    return combineHorizons(e, row);
  };
  const raw = known.map((k) => reading(k, plain));
  const right = known.map((k, j) => (isRightSignal(raw[j].score, realized[calibrationRows[k]], o.costBps) ? 1 : 0));
  const combined = fitCombined(raw.map((r) => r.confidence), right, o);
  const ensemble: HorizonEnsemble = { ...plain, combined };
  const readings = known.map((k) => reading(k, ensemble));
  const threshold = chooseThreshold(
    readings.map((r) => r.score), readings.map((r) => r.confidence), known.map((k) => realized[calibrationRows[k]]), o,
  );
  if (abstain === null && !threshold.met) {
    const best = threshold.bestFalseSignalRate;
    abstain = `no threshold meets the false-signal target ${o.targetFalseSignalRate} at a cost of ${o.costBps} bps with at least ${o.minSignals} signals on validation rows` +
      (best !== undefined && Number.isFinite(best) ? ` (the best reached ${best.toFixed(3)})` : '');
  }
  return { members, ensemble, threshold, abstain, primary, labelMeans, fitRows: fitEnd - start, calibrationRows: calibrationRows.length, memberIc };
}

/**
 * Where a fit on rows [start, end) cuts: members fit on [start, fitEnd), the validation rows are
 * [cut, end), and the rows between are purged (their label window of the longest horizon reaches `cut`).
 */
export function fitSplit(d: Pick<FitData, 'ts' | 'horizonsUs'>, start: number, end: number, calibrationShare: number): { cut: number; fitEnd: number } {
  const longest = Math.max(...d.horizonsUs);
  const cut = start + Math.floor((end - start) * (1 - calibrationShare));
  let fitEnd = cut;
  while (fitEnd > start && d.ts[fitEnd - 1] + longest >= d.ts[cut]) fitEnd--;
  return { cut, fitEnd };
}

/** Each member's raw prediction and the ensemble's score and confidence on rows [start, end). */
export interface Scored {
  readonly members: readonly Float64Array[];
  readonly score: Float64Array;
  readonly confidence: Float64Array;
}

export function scoreRows(f: Pick<FittedEnsemble, 'members' | 'ensemble'>, x: Float64Array, features: number, start: number, end: number): Scored {
  const n = end - start;
  const members = f.members.map(() => new Float64Array(n));
  const score = new Float64Array(n);
  const confidence = new Float64Array(n);
  const row = new Float64Array(f.members.length);
  for (let k = 0; k < n; k++) {
    for (let m = 0; m < f.members.length; m++) row[m] = members[m][k] = predictRow(f.members[m], x, (start + k) * features);
    const r = combineHorizons(f.ensemble, row);
    score[k] = r.score;
    confidence[k] = r.confidence;
  }
  return { members, score, confidence };
}

/**
 * Trains one member on `rows` (known labels) against the net-move target. The last
 * `earlyStoppingShare` of them is held out for early stopping, after a purge of one horizon.
 */
function fitMember(d: FitData, rows: readonly number[], m: number, mean: number, o: FitOptions, onProgress: (p: TrainProgress) => void): GbdtModel {
  const horizonUs = d.horizonsUs[m];
  const holdOut = o.gbdt.earlyStoppingRounds > 0 ? Math.floor(rows.length * o.earlyStoppingShare) : 0;
  const stopRows = holdOut > 0 ? rows.slice(rows.length - holdOut) : [];
  const firstStop = stopRows.length > 0 ? d.ts[stopRows[0]] : Infinity;
  const fitRows = rows.slice(0, rows.length - holdOut).filter((i) => d.ts[i] + horizonUs < firstStop);
  if (fitRows.length < 2 * o.gbdt.minDataInLeaf) {
    throw new FitError(`${fitRows.length} rows with a known ${horizonUs / 1000} ms move to fit on; at least ${2 * o.gbdt.minDataInLeaf} are needed (2 × min data in leaf)`);
  }
  const valid = stopRows.length > 0 ? dataset(d, stopRows, m, mean, o.costBps) : null;
  return trainGbdt(dataset(d, fitRows, m, mean, o.costBps), valid, o.gbdt, onProgress);
}

function dataset(d: FitData, rows: readonly number[], m: number, mean: number, costBps: number): Dataset {
  const f = d.features;
  const values = new Float64Array(rows.length * f);
  const labels = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    values.set(d.x.subarray(rows[k] * f, rows[k] * f + f), k * f);
    labels[k] = netMoveTarget(d.returns[m][rows[k]], mean, costBps);
  }
  return { rows: rows.length, features: f, values, labels };
}

function fitCalibration(score: readonly number[], realized: readonly number[], o: FitOptions): Calibration {
  if (score.length === 0) throw new FitError('no validation row with a known move to calibrate on');
  const abs = score.map((s) => Math.abs(s));
  const right = score.map((s, k) => (isRightSignal(s, realized[k], o.costBps) ? 1 : 0));
  return o.calibration === 'isotonic' ? fitIsotonic(abs, right) : fitPlatt(abs, right);
}

/** The combined confidence's calibration: the raw agreement in [0, 1] against whether the signal was right. */
function fitCombined(raw: readonly number[], right: readonly number[], o: FitOptions): Calibration {
  return o.calibration === 'isotonic' ? fitIsotonic(raw, right) : fitPlatt(raw, right);
}

function finiteRange(a: Float64Array, start: number, end: number): number[] {
  const rows: number[] = [];
  for (let i = start; i < end; i++) if (Number.isFinite(a[i])) rows.push(i);
  return rows;
}

function bestOf(ic: readonly number[], weights: readonly number[]): number {
  let best = -1;
  for (let m = 0; m < ic.length; m++) {
    if (weights[m] <= 0) continue;
    if (best < 0 || ic[m] > ic[best] || !Number.isFinite(ic[best])) best = m;
  }
  return Math.max(0, best);
}
