import type { Calibration } from '../domain/model/calibration.ts';
import { combineHorizons, type HorizonEnsemble } from '../domain/model/ensemble.ts';
import { trainGbdt, type TrainProgress } from '../domain/model/gbdt/boost.ts';
import { predictRow, type GbdtModel } from '../domain/model/gbdt/model.ts';
import type { Dataset, GbdtParams } from '../domain/model/gbdt/params.ts';
import { fitIsotonic } from '../domain/model/validation/isotonic.ts';
import { hitRate, isRightSignal, signalStats, spearman } from '../domain/model/validation/metrics.ts';
import { fitPlatt } from '../domain/model/validation/platt.ts';
import { reliabilityTable, type ReliabilityRow } from '../domain/model/validation/reliability.ts';
import { chooseThreshold, type ThresholdChoice } from '../domain/model/validation/threshold.ts';
import { checkFolds, describeFoldError, walkForwardFolds, type Fold, type RowRange } from '../domain/model/validation/walk-forward.ts';
import type { TrainingTable } from './ports/training-table.ts';

export interface TrainingOptions {
  /** Indexes into the table's horizons of the members to train, one model each. */
  readonly horizons: readonly number[];
  /**
   * Index into `horizons` of the signal's horizon: the false-signal rate and threshold are judged on
   * it. 'best': the member of the highest out-of-fold information coefficient.
   */
  readonly primary: number | 'best';
  /**
   * One per member; or 'ic': each member's out-of-fold information coefficient where positive, 0
   * where not (a horizon the features do not predict takes no part), equal weights when none is.
   */
  readonly weights: readonly number[] | 'ic';
  readonly folds: number;
  readonly gbdt: GbdtParams;
  readonly calibration: 'isotonic' | 'platt';
  /** Round-trip cost, bps: a signal whose realized move does not cover it is a false signal. */
  readonly costBps: number;
  readonly targetFalseSignalRate: number;
  readonly minSignals: number;
  /** Share of each training range, at its end, held out (after a purge) for early stopping. */
  readonly earlyStoppingShare: number;
}

export interface MemberFigures {
  readonly horizonMs: number;
  /** Spearman rank correlation of prediction and realized move. */
  readonly ic: number;
  /** Share of rows whose realized move has the prediction's sign. */
  readonly hitRate: number;
  readonly rows: number;
}

export interface FoldReport {
  readonly index: number;
  readonly trainRows: number;
  readonly validRows: number;
  /** Venue time of the first and last validation row, µs. */
  readonly validFrom: number;
  readonly validTo: number;
  readonly members: readonly (MemberFigures & { readonly trees: number })[];
  /** The ensemble's score against the primary horizon's move. */
  readonly ic: number;
  /** At the threshold chosen on every fold's validation rows. */
  readonly signals: number;
  readonly falseSignalRate: number;
  readonly hitRate: number;
}

export interface TrainingReport {
  readonly rows: number;
  /** Index of the member whose horizon is the signal's. */
  readonly primary: number;
  readonly features: number;
  readonly folds: readonly FoldReport[];
  /** Out of fold, over every validation row. */
  readonly overall: {
    readonly members: readonly MemberFigures[];
    readonly ic: number;
    readonly threshold: ThresholdChoice;
  };
  readonly reliability: readonly ReliabilityRow[];
  /** Split gain of each feature in the final members, summed, largest first. */
  readonly importance: readonly { readonly feature: string; readonly gain: number }[];
}

export interface TrainedEnsemble {
  /** One per horizon, trained on every row; in the ensemble's order. */
  readonly members: readonly GbdtModel[];
  readonly ensemble: HorizonEnsemble;
  readonly threshold: number;
  readonly report: TrainingReport;
}

export type TrainingStage =
  | { readonly kind: 'fold'; readonly fold: number; readonly folds: number; readonly member: number; readonly members: number }
  | { readonly kind: 'final'; readonly member: number; readonly members: number };

export type TrainingProgress = (stage: TrainingStage, progress: TrainProgress) => void;

/** A training run that cannot go on: too few rows, a leak in the splits, bad options. Names the cause. */
export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

/**
 * Trains one gradient-boosted regressor per label horizon and judges them the way they will trade:
 * walk-forward folds with a purge and an embargo of the longest horizon (checked for leaks before
 * use), out-of-fold predictions on every validation block, calibration of each member's |score| to
 * the probability that a signal is right (its sign, and a move beyond the round-trip cost), the
 * ensemble's confidence from those probabilities and the members' agreement, and the lowest
 * threshold whose false-signal rate meets the target. The final members are trained on every row.
 */
export function trainEnsemble(table: TrainingTable, o: TrainingOptions, onProgress?: TrainingProgress): TrainedEnsemble {
  const horizonsUs = o.horizons.map((h) => table.horizonsMicros[h]);
  const longest = Math.max(...horizonsUs);
  const split = walkForwardFolds(table.ts, {
    folds: o.folds, horizonUs: longest, purgeUs: longest, embargoUs: longest, minTrainRows: Math.max(2 * o.gbdt.minDataInLeaf, 100),
  });
  if (!split.ok) throw new TrainingError(`walk-forward split: ${describeFoldError(split.error)}`);
  const folds = split.value;
  const leak = checkFolds(table.ts, folds, longest, longest, longest);
  if (!leak.ok) throw new TrainingError(`walk-forward split leaks: ${describeFoldError(leak.error)}`);

  // Out-of-fold predictions: one array per member, over the validation rows of every fold in order.
  const validRows = folds.reduce((n, f) => n + (f.valid[1] - f.valid[0]), 0);
  const oof = o.horizons.map(() => new Float64Array(validRows));
  const realized = o.horizons.map(() => new Float64Array(validRows));
  const foldTrees: number[][] = [];
  let at = 0;
  for (const fold of folds) {
    const trees: number[] = [];
    for (let m = 0; m < o.horizons.length; m++) {
      const model = fitMember(table, fold.train, o.horizons[m], horizonsUs[m], o, (p) =>
        onProgress?.({ kind: 'fold', fold: fold.index + 1, folds: folds.length, member: m + 1, members: o.horizons.length }, p));
      trees.push(model.trees.length);
      const labels = table.labels[o.horizons[m]];
      for (let i = fold.valid[0], k = at; i < fold.valid[1]; i++, k++) {
        oof[m][k] = predictRow(model, table.values, i * table.featureNames.length);
        realized[m][k] = labels[i];
      }
    }
    foldTrees.push(trees);
    at += fold.valid[1] - fold.valid[0];
  }

  const memberIc = o.horizons.map((_, m) => memberFigures(oof[m], realized[m], horizonsUs[m]).ic);
  const weights = o.weights === 'ic' ? icWeights(memberIc) : o.weights;
  const primaryMember = o.primary === 'best' ? bestOf(memberIc) : o.primary;
  const calibration = o.horizons.map((_, m) => fitCalibration(oof[m], realized[m], o));
  const ensemble: HorizonEnsemble = { horizonsMs: horizonsUs.map((h) => h / 1000), weights, calibration };
  const score = new Float64Array(validRows);
  const confidence = new Float64Array(validRows);
  const row = new Float64Array(o.horizons.length);
  for (let k = 0; k < validRows; k++) {
    for (let m = 0; m < row.length; m++) row[m] = oof[m][k];
    const reading = combineHorizons(ensemble, row);
    score[k] = reading.score;
    confidence[k] = reading.confidence;
  }
  const primary = realized[primaryMember];
  const known = finiteRows(primary);
  const threshold = chooseThreshold(pick(score, known), pick(confidence, known), pick(primary, known), o);
  const right = known.map((k) => (isRightSignal(score[k], primary[k], o.costBps) ? 1 : 0));

  const members = o.horizons.map((h, m) =>
    fitMember(table, [[0, table.rows]], h, horizonsUs[m], o, (p) => onProgress?.({ kind: 'final', member: m + 1, members: o.horizons.length }, p)));
  const report: TrainingReport = {
    rows: table.rows,
    features: table.featureNames.length,
    primary: primaryMember,
    folds: foldReports(table, folds, foldTrees, { oof, realized, score, confidence }, horizonsUs, threshold.threshold, primaryMember, o.costBps),
    overall: {
      members: o.horizons.map((_, m) => memberFigures(oof[m], realized[m], horizonsUs[m])),
      ic: spearman(pick(score, known), pick(primary, known)),
      threshold,
    },
    reliability: reliabilityTable(pick(confidence, known), right),
    importance: importance(members, table.featureNames),
  };
  return { members, ensemble, threshold: threshold.threshold, report };
}

/**
 * Trains one member on the rows of `ranges` whose label is known. The last `earlyStoppingShare` of
 * them is held out for early stopping, after a purge of one horizon so that no fitted row's label
 * window reaches into it.
 */
function fitMember(
  table: TrainingTable, ranges: readonly RowRange[], horizon: number, horizonUs: number, o: TrainingOptions,
  onProgress: (p: TrainProgress) => void,
): GbdtModel {
  const rows = rowsOf(ranges).filter((i) => Number.isFinite(table.labels[horizon][i]));
  const holdOut = o.gbdt.earlyStoppingRounds > 0 ? Math.floor(rows.length * o.earlyStoppingShare) : 0;
  const stopRows = holdOut > 0 ? rows.slice(rows.length - holdOut) : [];
  const firstStop = stopRows.length > 0 ? table.ts[stopRows[0]] : Infinity;
  const fitRows = rows.slice(0, rows.length - holdOut).filter((i) => table.ts[i] + horizonUs < firstStop);
  if (fitRows.length < 2 * o.gbdt.minDataInLeaf) {
    throw new TrainingError(`${fitRows.length} rows with a known ${horizonUs / 1000} ms label to fit on; at least ${2 * o.gbdt.minDataInLeaf} are needed (2 × min data in leaf)`);
  }
  const valid = stopRows.length > 0 ? dataset(table, stopRows, horizon) : null;
  return trainGbdt(dataset(table, fitRows, horizon), valid, o.gbdt, onProgress);
}

function dataset(table: TrainingTable, rows: readonly number[], horizon: number): Dataset {
  const f = table.featureNames.length;
  const values = new Float64Array(rows.length * f);
  const labels = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    values.set(table.values.subarray(rows[k] * f, rows[k] * f + f), k * f);
    labels[k] = table.labels[horizon][rows[k]];
  }
  return { rows: rows.length, features: f, values, labels };
}

function fitCalibration(score: Float64Array, realized: Float64Array, o: TrainingOptions): Calibration {
  const known = finiteRows(realized);
  const abs = known.map((k) => Math.abs(score[k]));
  const right = known.map((k) => (isRightSignal(score[k], realized[k], o.costBps) ? 1 : 0));
  return o.calibration === 'isotonic' ? fitIsotonic(abs, right) : fitPlatt(abs, right);
}

interface OutOfFold {
  readonly oof: readonly Float64Array[];
  readonly realized: readonly Float64Array[];
  readonly score: Float64Array;
  readonly confidence: Float64Array;
}

function foldReports(
  table: TrainingTable, folds: readonly Fold[], trees: readonly number[][], p: OutOfFold, horizonsUs: readonly number[], threshold: number,
  primaryMember: number, costBps: number,
): FoldReport[] {
  let at = 0;
  return folds.map((fold, f) => {
    const n = fold.valid[1] - fold.valid[0];
    const part = (a: Float64Array): Float64Array => a.subarray(at, at + n);
    const primary = part(p.realized[primaryMember]);
    const known = finiteRows(primary);
    const stats = signalStats(pick(part(p.score), known), pick(part(p.confidence), known), pick(primary, known), threshold, costBps);
    const report: FoldReport = {
      index: fold.index,
      trainRows: fold.train.reduce((k, [s, e]) => k + e - s, 0),
      validRows: n,
      validFrom: table.ts[fold.valid[0]],
      validTo: table.ts[fold.valid[1] - 1],
      members: horizonsUs.map((h, m) => ({ ...memberFigures(part(p.oof[m]), part(p.realized[m]), h), trees: trees[f][m] })),
      ic: spearman(pick(part(p.score), known), pick(primary, known)),
      signals: stats.signals,
      falseSignalRate: stats.falseSignalRate,
      hitRate: stats.hitRate,
    };
    at += n;
    return report;
  });
}

function memberFigures(score: Float64Array, realized: Float64Array, horizonUs: number): MemberFigures {
  const known = finiteRows(realized);
  const s = pick(score, known);
  const r = pick(realized, known);
  return { horizonMs: horizonUs / 1000, ic: spearman(s, r), hitRate: hitRate(s, r), rows: known.length };
}

function importance(members: readonly GbdtModel[], names: readonly string[]): { feature: string; gain: number }[] {
  const gain = new Float64Array(names.length);
  for (const m of members) for (let j = 0; j < names.length; j++) gain[j] += m.featureGain[j];
  return names.map((feature, j) => ({ feature, gain: gain[j] })).filter((x) => x.gain > 0).sort((a, b) => b.gain - a.gain);
}

function icWeights(ic: readonly number[]): number[] {
  const weights = ic.map((x) => (Number.isFinite(x) && x > 0 ? x : 0));
  return weights.some((w) => w > 0) ? weights : ic.map(() => 1);
}

function bestOf(ic: readonly number[]): number {
  let best = 0;
  for (let m = 1; m < ic.length; m++) if (ic[m] > ic[best] || !Number.isFinite(ic[best])) best = m;
  return best;
}

function rowsOf(ranges: readonly RowRange[]): number[] {
  const rows: number[] = [];
  for (const [start, end] of ranges) for (let i = start; i < end; i++) rows.push(i);
  return rows;
}

function finiteRows(a: ArrayLike<number>): number[] {
  const rows: number[] = [];
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) rows.push(i);
  return rows;
}

const pick = (a: ArrayLike<number>, rows: readonly number[]): Float64Array => Float64Array.from(rows, (i) => a[i]);
