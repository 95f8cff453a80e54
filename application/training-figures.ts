import { auc, edgeBps, isRightSignal, spearman } from '../domain/model/validation/metrics.ts';
import { reliabilityTable, type ReliabilityRow } from '../domain/model/validation/reliability.ts';

/**
 * What a signal source did on a set of rows, each with a realized move over the horizon (bps):
 * - `auc`: its score ranking up moves above down moves, over the rows that moved (0.5: no skill);
 * - `ic`: rank correlation of score and move over every row;
 * - `hitRate`: share of rows that moved, with a nonzero score, whose move had the score's sign;
 * - at the threshold: `signals` (rows with confidence ≥ threshold and a nonzero score), the share of
 *   them that did not cover the cost in their direction (`falseSignalRate`) and the mean move in their
 *   direction net of the cost (`edgeBps`). An abstaining model has no signal: NaN rates.
 */
export interface SignalFigures {
  readonly rows: number;
  readonly auc: number;
  readonly ic: number;
  readonly hitRate: number;
  readonly threshold: number;
  readonly signals: number;
  readonly falseSignalRate: number;
  readonly edgeBps: number;
  readonly abstain: boolean;
}

/** A rule that trades every row by the sign of one feature (or never trades), on the same rows. */
export interface BaselineFigures {
  readonly auc: number;
  readonly hitRate: number;
  readonly signals: number;
  readonly falseSignalRate: number;
  readonly edgeBps: number;
}

/** Rows with a finite move, as indexes into the arrays. */
export function knownRows(realized: ArrayLike<number>): number[] {
  const rows: number[] = [];
  for (let i = 0; i < realized.length; i++) if (Number.isFinite(realized[i])) rows.push(i);
  return rows;
}

export const pick = (a: ArrayLike<number>, rows: readonly number[]): Float64Array => Float64Array.from(rows, (i) => a[i]);

/** The share of rows that moved, with a nonzero score, whose move had the score's sign. */
export function movedHitRate(score: ArrayLike<number>, realized: ArrayLike<number>): number {
  let rows = 0;
  let hits = 0;
  for (let i = 0; i < score.length; i++) {
    if (score[i] === 0 || realized[i] === 0) continue;
    rows++;
    if (Math.sign(score[i]) === Math.sign(realized[i])) hits++;
  }
  return rows === 0 ? NaN : hits / rows;
}

/** The figures of `score`/`confidence` against `realized` (rows with a known move only). */
export function signalFigures(
  score: Float64Array, confidence: Float64Array, realized: Float64Array, threshold: number, abstain: boolean, costBps: number,
): SignalFigures {
  const known = knownRows(realized);
  const s = pick(score, known);
  const c = pick(confidence, known);
  const r = pick(realized, known);
  const signal = Array.from(s, (x, k) => !abstain && x !== 0 && c[k] >= threshold);
  const signals = signal.filter(Boolean).length;
  let falseSignals = 0;
  for (let k = 0; k < s.length; k++) if (signal[k] && !isRightSignal(s[k], r[k], costBps)) falseSignals++;
  return {
    rows: known.length,
    auc: auc(s, r),
    ic: s.length < 2 ? NaN : spearman(s, r),
    hitRate: movedHitRate(s, r),
    threshold,
    signals,
    falseSignalRate: signals === 0 ? NaN : falseSignals / signals,
    edgeBps: signals === 0 ? NaN : edgeBps(s, r, costBps, signal),
    abstain,
  };
}

/** The reliability table of the signals' confidence against whether they paid. */
export function reliabilityOf(score: Float64Array, confidence: Float64Array, realized: Float64Array, costBps: number): readonly ReliabilityRow[] {
  const known = knownRows(realized);
  return reliabilityTable(pick(confidence, known), known.map((i) => (isRightSignal(score[i], realized[i], costBps) ? 1 : 0)));
}

/**
 * Trading the sign of `feature` on every row (rows where it is 0 send nothing): AUC of the raw feature
 * value, hit rate of its sign on rows that moved, and the cost-net edge of every nonzero row.
 */
export function signBaseline(feature: Float64Array, realized: Float64Array, costBps: number): BaselineFigures {
  const known = knownRows(realized);
  const f = pick(feature, known);
  const r = pick(realized, known);
  let signals = 0;
  let falseSignals = 0;
  for (let k = 0; k < f.length; k++) {
    if (f[k] === 0) continue;
    signals++;
    if (!isRightSignal(f[k], r[k], costBps)) falseSignals++;
  }
  return {
    auc: auc(f, r),
    hitRate: movedHitRate(f, r),
    signals,
    falseSignalRate: signals === 0 ? NaN : falseSignals / signals,
    edgeBps: edgeBps(f, r, costBps),
  };
}

/** Never trading: no signal, no edge, no cost; the AUC of a constant is 0.5. */
export const NO_TRADE: BaselineFigures = { auc: 0.5, hitRate: NaN, signals: 0, falseSignalRate: NaN, edgeBps: 0 };
