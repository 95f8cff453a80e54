import type { HorizonEnsemble } from '../domain/model/ensemble.ts';
import type { TrainProgress } from '../domain/model/gbdt/boost.ts';
import type { GbdtModel } from '../domain/model/gbdt/model.ts';
import type { GbdtParams } from '../domain/model/gbdt/params.ts';
import { auc, isRightSignal, spearman } from '../domain/model/validation/metrics.ts';
import type { ReliabilityRow } from '../domain/model/validation/reliability.ts';
import type { ThresholdChoice } from '../domain/model/validation/threshold.ts';
import { describeFoldError, walkForwardFolds, type Fold } from '../domain/model/validation/walk-forward.ts';
import { falseSignalBreakdown, type FalseSignalBreakdown } from './training-breakdown.ts';
import {
  knownRows, movedHitRate, NO_TRADE, pick, reliabilityOf, signalFigures, signBaseline, type BaselineFigures, type SignalFigures,
} from './training-figures.ts';
import { FitError, fitEnsemble, fitSplit, scoreRows, type FitData, type FittedEnsemble, type Scored } from './training-fit.ts';
import { permutationImportance } from './training-importance.ts';
import type { TrainingTable } from './ports/training-table.ts';

export interface TrainingOptions {
  /** Indexes into the table's horizons of the members to train, one model each. */
  readonly horizons: readonly number[];
  /**
   * Index into `horizons` of the signal's horizon: the false-signal rate and threshold are judged on
   * it. 'best': the member of the highest information coefficient on validation rows.
   */
  readonly primary: number | 'best';
  /**
   * One per member; or 'ic': each member's information coefficient on validation rows where positive,
   * 0 where not (a member without a validated edge is dropped); a model none of whose members has one abstains.
   */
  readonly weights: readonly number[] | 'ic';
  /** Walk-forward folds asked for; fewer are used when the development rows cannot hold them. */
  readonly folds: number;
  readonly gbdt: GbdtParams;
  readonly calibration: 'isotonic' | 'platt';
  /** Round-trip cost, bps: a signal whose realized move does not cover it is a false signal. */
  readonly costBps: number;
  readonly targetFalseSignalRate: number;
  readonly minSignals: number;
  /** Share of each member's fitting rows, at their end, held out (after a purge) for early stopping. */
  readonly earlyStoppingShare: number;
  /** The table's features the model reads, in input order. */
  readonly features: readonly string[];
  /** Share of the rows, at the end, kept untouched until the final model is scored once on them. */
  readonly holdoutShare: number;
  /** Share of each fitting range, at its end, on which weights, calibration and threshold are fitted. */
  readonly calibrationShare: number;
  /** A horizon needs at least this many non-overlapping windows in the holdout, or it is dropped. */
  readonly minWindows: number;
}

/** One walk-forward fold: fitted (members, calibration, threshold) on rows before its validation block. */
export interface FoldReport {
  readonly index: number;
  readonly fitRows: number;
  readonly calibrationRows: number;
  readonly validRows: number;
  /** Venue time of the first and last validation row, µs. */
  readonly validFrom: number;
  readonly validTo: number;
  readonly members: readonly { readonly horizonMs: number; readonly ic: number; readonly auc: number; readonly trees: number }[];
  readonly figures: SignalFigures;
  readonly abstain: string | null;
}

export interface Baselines {
  readonly obi_sign: BaselineFigures | null;
  readonly ofi_sign: BaselineFigures | null;
  readonly no_trade: BaselineFigures;
}

export interface HorizonReport {
  readonly horizonMs: number;
  readonly weight: number;
  /** The training window's mean move, taken out of the target, bps. */
  readonly labelMeanBps: number;
  readonly validationIc: number;
  readonly holdout: { readonly rows: number; readonly auc: number; readonly ic: number; readonly hitRate: number };
  readonly baselines: Baselines;
}

export interface TrainingReport {
  readonly rows: number;
  readonly featureNames: readonly string[];
  /** Index of the member whose horizon is the signal's. */
  readonly primary: number;
  readonly split: {
    readonly developmentRows: number;
    /** Rows between development and holdout whose label window reaches the holdout. */
    readonly purgedRows: number;
    readonly holdoutRows: number;
    readonly holdoutFrom: number;
    readonly holdoutTo: number;
  };
  /** Horizons asked for that the holdout cannot judge. */
  readonly dropped: readonly { readonly horizonMs: number; readonly windows: number; readonly minWindows: number }[];
  readonly folds: readonly FoldReport[];
  /** The final ensemble's own validation rows (the end of the development rows). */
  readonly validation: { readonly fitRows: number; readonly rows: number; readonly threshold: ThresholdChoice };
  /** The final model, calibration and threshold scored once on the untouched holdout: the headline. */
  readonly holdout: SignalFigures & { readonly reliability: readonly ReliabilityRow[] };
  /** Why the model abstains, or null when it trades. */
  readonly abstain: string | null;
  /** On the holdout rows of the primary horizon. */
  readonly baselines: Baselines;
  readonly perHorizon: readonly HorizonReport[];
  /** Split gain in the members that take part (weight > 0) beside the holdout IC lost when the feature is shuffled. */
  readonly importance: readonly { readonly feature: string; readonly gain: number; readonly permutation: number }[];
  readonly falseSignals: FalseSignalBreakdown;
}

export interface TrainedEnsemble {
  /** One per kept horizon, in the ensemble's order. */
  readonly members: readonly GbdtModel[];
  readonly ensemble: HorizonEnsemble;
  /** 1 when the model abstains. */
  readonly threshold: number;
  readonly abstain: string | null;
  /** Indexes into the table's horizons of the members kept. */
  readonly horizons: readonly number[];
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

/** The rows of the baselines' features, by name. */
const OBI_FEATURE = 'depth_imbalance_1';
const OFI_FEATURE = 'ofi_1s';

/**
 * Trains one gradient-boosted regressor per horizon on the net-move target and judges it as it will
 * trade. The last `holdoutShare` of the rows is set aside untouched (after a purge of the longest
 * horizon); on the rest, purged walk-forward folds each fit an ensemble on the rows before their
 * validation block — members, then weights, calibration and threshold on the end of those rows — and
 * score the block with all of it. The final ensemble is fitted the same way on every development row
 * and scored once on the holdout; the holdout's figures are the report's headline, and nothing about
 * the holdout's moves reaches any fitted value.
 */
export function trainEnsemble(table: TrainingTable, o: TrainingOptions, onProgress?: TrainingProgress): TrainedEnsemble {
  const n = table.rows;
  const holdoutStart = Math.floor(n * (1 - o.holdoutShare));
  if (holdoutStart <= 0 || holdoutStart >= n) throw new TrainingError(`${n} rows cannot be split into development rows and a holdout of ${o.holdoutShare}`);
  const { kept, dropped } = supportedHorizons(table, o, holdoutStart);
  const horizonsUs = kept.map((h) => table.horizonsMicros[h]);
  const longest = Math.max(...horizonsUs);
  let devEnd = holdoutStart;
  while (devEnd > 0 && table.ts[devEnd - 1] + longest >= table.ts[holdoutStart]) devEnd--;
  const data = fitData(table, o.features, kept);
  const fitOptions = {
    ...o,
    weights: o.weights === 'ic' ? 'ic' as const : kept.map((h) => (o.weights as readonly number[])[o.horizons.indexOf(h)]),
    primary: o.primary === 'best' ? 'best' as const : primaryOf(o, kept),
  };

  const reports = walkForward(data, devEnd, o, fitOptions, onProgress);
  const final = guard(() => fitEnsemble(data, 0, devEnd, fitOptions, (m, p) => onProgress?.({ kind: 'final', member: m + 1, members: kept.length }, p)));
  const scored = scoreRows(final, data.x, data.features, holdoutStart, n);
  const realized = data.returns[final.primary].subarray(holdoutStart, n);
  const headline = signalFigures(scored.score, scored.confidence, realized, final.threshold.threshold, final.abstain !== null, o.costBps);

  const column = (name: string): Float64Array | null => columnOf(table, name, holdoutStart, n);
  const baselinesFor = (r: Float64Array): Baselines => ({
    obi_sign: baselineOf(column(OBI_FEATURE), r, o.costBps),
    ofi_sign: baselineOf(column(OFI_FEATURE), r, o.costBps),
    no_trade: NO_TRADE,
  });
  const perHorizon: HorizonReport[] = kept.map((_, m) => {
    const r = data.returns[m].subarray(holdoutStart, n);
    const known = knownRows(r);
    const s = pick(scored.members[m], known);
    const k = pick(r, known);
    return {
      horizonMs: horizonsUs[m] / 1000,
      weight: final.ensemble.weights[m],
      labelMeanBps: final.labelMeans[m],
      validationIc: final.memberIc[m],
      holdout: { rows: known.length, auc: auc(s, k), ic: known.length < 2 ? NaN : spearman(s, k), hitRate: movedHitRate(s, k) },
      baselines: baselinesFor(r),
    };
  });
  const report: TrainingReport = {
    rows: n,
    featureNames: o.features,
    primary: final.primary,
    split: {
      developmentRows: devEnd, purgedRows: holdoutStart - devEnd, holdoutRows: n - holdoutStart,
      holdoutFrom: table.ts[holdoutStart], holdoutTo: table.ts[n - 1],
    },
    dropped,
    folds: reports,
    validation: { fitRows: final.fitRows, rows: final.calibrationRows, threshold: final.threshold },
    holdout: { ...headline, reliability: reliabilityOf(scored.score, scored.confidence, realized, o.costBps) },
    abstain: final.abstain,
    baselines: baselinesFor(realized),
    perHorizon,
    importance: importanceOf(final, data, holdoutStart, n, o),
    falseSignals: breakdownOf(table, final, scored, realized, holdoutStart, o.costBps),
  };
  return { members: final.members, ensemble: final.ensemble, threshold: final.abstain === null ? final.threshold.threshold : 1, abstain: final.abstain, horizons: kept, report };
}

/**
 * The horizons the holdout can judge: at least `minWindows` non-overlapping windows of the horizon in
 * the holdout's span. A recording too short for any is refused, naming the length it would need.
 */
function supportedHorizons(table: TrainingTable, o: TrainingOptions, holdoutStart: number): { kept: number[]; dropped: TrainingReport['dropped'][number][] } {
  const span = table.ts[table.rows - 1] - table.ts[holdoutStart];
  const kept: number[] = [];
  const dropped: TrainingReport['dropped'][number][] = [];
  for (const h of o.horizons) {
    const windows = Math.floor(span / table.horizonsMicros[h]);
    if (windows >= o.minWindows) kept.push(h);
    else dropped.push({ horizonMs: table.horizonsMicros[h] / 1000, windows, minWindows: o.minWindows });
  }
  if (kept.length === 0) {
    const shortest = Math.min(...o.horizons.map((h) => table.horizonsMicros[h]));
    const needS = Math.ceil((o.minWindows * shortest) / 1e6 / o.holdoutShare);
    const haveS = (table.ts[table.rows - 1] - table.ts[0]) / 1e6;
    throw new TrainingError(
      `the data span ${haveS.toFixed(0)} s, too short for any horizon: the shortest, ${shortest / 1e6} s, needs ${o.minWindows} windows in a holdout of ` +
      `${o.holdoutShare * 100}%, so at least ${needS} s of data`,
    );
  }
  return { kept, dropped };
}

function primaryOf(o: TrainingOptions, kept: readonly number[]): number {
  const wanted = o.horizons[o.primary as number];
  const at = kept.indexOf(wanted);
  if (at < 0) throw new TrainingError(`the primary horizon was dropped: the holdout holds too few of its windows`);
  return at;
}

function fitData(table: TrainingTable, features: readonly string[], kept: readonly number[]): FitData {
  const x = projectFeatures(table, features);
  return { ts: table.ts, x, features: features.length, horizonsUs: kept.map((h) => table.horizonsMicros[h]), returns: kept.map((h) => table.labels[h]) };
}

/** The table's values of the named features only, rows × names, row-major: the model's inputs. */
export function projectFeatures(table: TrainingTable, features: readonly string[]): Float64Array {
  const f = table.featureNames.length;
  const columns = features.map((name) => {
    const j = table.featureNames.indexOf(name);
    if (j < 0) throw new TrainingError(`feature "${name}" is not in the data`);
    return j;
  });
  const x = new Float64Array(table.rows * columns.length);
  for (let i = 0; i < table.rows; i++) for (let k = 0; k < columns.length; k++) x[i * columns.length + k] = table.values[i * f + columns[k]];
  return x;
}

/** Folds that fit: as many as asked for, fewer when the development rows cannot give each enough rows. */
function walkForward(
  data: FitData, devEnd: number, o: TrainingOptions, fit: Parameters<typeof fitEnsemble>[3], onProgress?: TrainingProgress,
): FoldReport[] {
  const longest = Math.max(...data.horizonsUs);
  const minTrainRows = Math.max(Math.ceil((4 * o.gbdt.minDataInLeaf) / (1 - o.calibrationShare)), 4 * o.minSignals, 200);
  // Each fold's own fit purges the longest horizon again between its members' rows and its validation
  // rows: a split whose first fold would leave too few rows to fit on takes fewer folds too.
  // So does the purge before each member's early-stopping rows.
  const minFitRows = 2 * o.gbdt.minDataInLeaf;
  const memberRows = (trainEnd: number): number => {
    const { fitEnd } = fitSplit(data, 0, trainEnd, o.calibrationShare);
    const stop = o.gbdt.earlyStoppingRounds > 0 ? fitEnd - Math.floor(fitEnd * o.earlyStoppingShare) : fitEnd;
    let kept = stop;
    while (stop < fitEnd && kept > 0 && data.ts[kept - 1] + longest >= data.ts[stop]) kept--;
    return kept;
  };
  let folds: readonly Fold[] | null = null;
  for (let k = o.folds; k >= 1 && folds === null; k--) {
    const split = walkForwardFolds(data.ts.subarray(0, devEnd), { folds: k, horizonUs: longest, purgeUs: longest, embargoUs: longest, minTrainRows });
    const fits = split.ok && split.value.every((f) => memberRows(f.train[0][1]) >= minFitRows);
    if (split.ok && fits) folds = split.value;
    else if (k === 1) {
      throw new TrainingError(`too few development rows for one walk-forward fold: ${split.ok
        ? `its fit keeps fewer than ${minFitRows} rows once the ${longest / 1e6} s horizon is purged` : describeFoldError(split.error)}`);
    }
  }
  const reports = folds!.map((fold) => {
    const trainEnd = fold.train[0][1];
    const fitted = guard(() => fitEnsemble(data, 0, trainEnd, fit, (m, p) =>
      onProgress?.({ kind: 'fold', fold: fold.index + 1, folds: folds!.length, member: m + 1, members: data.horizonsUs.length }, p)));
    const [start, end] = fold.valid;
    const scored = scoreRows(fitted, data.x, data.features, start, end);
    const realized = data.returns[fitted.primary].subarray(start, end);
    return {
      index: fold.index,
      fitRows: fitted.fitRows,
      calibrationRows: fitted.calibrationRows,
      validRows: end - start,
      validFrom: data.ts[start],
      validTo: data.ts[end - 1],
      members: fitted.members.map((model, m) => {
        const r = data.returns[m].subarray(start, end);
        const known = knownRows(r);
        const s = pick(scored.members[m], known);
        const k = pick(r, known);
        return { horizonMs: data.horizonsUs[m] / 1000, ic: known.length < 2 ? NaN : spearman(s, k), auc: auc(s, k), trees: model.trees.length };
      }),
      figures: signalFigures(scored.score, scored.confidence, realized, fitted.threshold.threshold, fitted.abstain !== null, o.costBps),
      abstain: fitted.abstain,
    };
  });
  return reports;
}

function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof FitError) throw new TrainingError(error.message);
    throw error;
  }
}

function columnOf(table: TrainingTable, name: string, start: number, end: number): Float64Array | null {
  const j = table.featureNames.indexOf(name);
  if (j < 0) return null;
  const f = table.featureNames.length;
  return Float64Array.from({ length: end - start }, (_, k) => table.values[(start + k) * f + j]);
}

function baselineOf(feature: Float64Array | null, realized: Float64Array, costBps: number): BaselineFigures | null {
  return feature === null ? null : signBaseline(feature, realized, costBps);
}

function importanceOf(final: FittedEnsemble, data: FitData, start: number, end: number, o: TrainingOptions): TrainingReport['importance'] {
  const gain = new Float64Array(data.features);
  final.members.forEach((m, h) => {
    if (final.ensemble.weights[h] > 0) for (let j = 0; j < data.features; j++) gain[j] += m.featureGain[j];
  });
  const permutation = permutationImportance(final, data, start, end, o.gbdt.seed);
  return o.features
    .map((feature, j) => ({ feature, gain: gain[j], permutation: permutation[j] }))
    .sort((a, b) => b.permutation - a.permutation || b.gain - a.gain);
}

/**
 * The false-signal breakdown of the holdout's signals; when the model abstains there are none, so
 * every row with a nonzero score stands in for one (the basis says so).
 */
function breakdownOf(table: TrainingTable, final: FittedEnsemble, scored: Scored, realized: Float64Array, start: number, costBps: number): FalseSignalBreakdown {
  const abstain = final.abstain !== null;
  const rows: number[] = [];
  for (let k = 0; k < realized.length; k++) {
    if (!Number.isFinite(realized[k]) || scored.score[k] === 0) continue;
    if (abstain || scored.confidence[k] >= final.threshold.threshold) rows.push(k);
  }
  const f = table.featureNames.length;
  return falseSignalBreakdown({
    ts: rows.map((k) => table.ts[start + k]),
    confidence: rows.map((k) => scored.confidence[k]),
    isFalse: rows.map((k) => !isRightSignal(scored.score[k], realized[k], costBps)),
    feature: (name) => {
      const j = table.featureNames.indexOf(name);
      return j < 0 ? null : (k: number) => table.values[(start + rows[k]) * f + j];
    },
    basis: abstain ? 'every row' : 'signals',
  });
}
