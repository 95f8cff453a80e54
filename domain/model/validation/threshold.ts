import { isRightSignal } from './metrics.ts';

export interface ThresholdChoice {
  /** Signal when confidence ≥ threshold. */
  readonly threshold: number;
  readonly signals: number;
  /** NaN when there is no signal. */
  readonly falseSignalRate: number;
  /** NaN when there is no signal. */
  readonly hitRate: number;
  /** Whether the false-signal rate is within the target with at least minSignals signals. */
  readonly met: boolean;
  /**
   * Unmet only: the lowest false-signal rate of any threshold with minSignals signals (NaN when none
   * has that many), to say how far the target was missed.
   */
  readonly bestFalseSignalRate?: number;
}

export interface ThresholdOptions {
  /** The highest acceptable share of false signals, in [0, 1]; 0.2 is the usual choice. */
  readonly targetFalseSignalRate: number;
  /** Round-trip cost, bps: a signal whose realized move does not cover it is false. */
  readonly costBps: number;
  /** The least number of signals a threshold must leave, an integer ≥ 1. */
  readonly minSignals: number;
}

interface Candidate {
  readonly threshold: number;
  readonly signals: number;
  readonly falseSignals: number;
  readonly hits: number;
}

function checkInputs(score: ArrayLike<number>, confidence: ArrayLike<number>, realized: ArrayLike<number>, o: ThresholdOptions): void {
  if (confidence.length !== score.length || realized.length !== score.length) {
    throw new RangeError(`score, confidence and realized must have equal lengths, got ${score.length}, ${confidence.length} and ${realized.length}`);
  }
  if (!(o.targetFalseSignalRate >= 0 && o.targetFalseSignalRate <= 1)) throw new RangeError(`targetFalseSignalRate must be in [0, 1], got ${o.targetFalseSignalRate}`);
  if (!(o.costBps >= 0 && Number.isFinite(o.costBps))) throw new RangeError(`costBps must be a finite number ≥ 0, got ${o.costBps}`);
  if (!Number.isInteger(o.minSignals) || o.minSignals < 1) throw new RangeError(`minSignals must be an integer ≥ 1, got ${o.minSignals}`);
  for (let i = 0; i < score.length; i++) {
    if (!Number.isFinite(score[i])) throw new RangeError(`score[${i}] must be finite, got ${score[i]}`);
    if (!Number.isFinite(realized[i])) throw new RangeError(`realized[${i}] must be finite, got ${realized[i]}`);
    if (!(confidence[i] >= 0 && confidence[i] <= 1)) throw new RangeError(`confidence[${i}] must be in [0, 1], got ${confidence[i]}`);
  }
}

/**
 * Every distinct confidence of a nonzero-score row as a threshold, highest first, with the signals it
 * lets through: one sort, then one sweep that adds rows in order of falling confidence and records a
 * candidate after the last row of each run of equal confidences.
 */
function sweep(score: ArrayLike<number>, confidence: ArrayLike<number>, realized: ArrayLike<number>, costBps: number): Candidate[] {
  const rows: number[] = [];
  for (let i = 0; i < score.length; i++) if (score[i] !== 0) rows.push(i);
  rows.sort((i, j) => confidence[j] - confidence[i]);
  const out: Candidate[] = [];
  let falseSignals = 0;
  let hits = 0;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k];
    if (!isRightSignal(score[i], realized[i], costBps)) falseSignals++;
    if (realized[i] !== 0 && Math.sign(realized[i]) === Math.sign(score[i])) hits++;
    if (k + 1 === rows.length || confidence[rows[k + 1]] !== confidence[i]) {
      out.push({ threshold: confidence[i], signals: k + 1, falseSignals, hits });
    }
  }
  return out;
}

const choice = (c: Candidate, met: boolean): ThresholdChoice => ({
  threshold: c.threshold,
  signals: c.signals,
  falseSignalRate: c.falseSignals / c.signals,
  hitRate: c.hits / c.signals,
  met,
});

/**
 * The confidence threshold, chosen on validation rows, that leaves the most signals while keeping the
 * false-signal rate at or under the target with at least minSignals signals (met). When no threshold
 * meets the target there is no fallback: the choice is threshold 1 with no signal on these rows, unmet,
 * and `bestFalseSignalRate` says how close the best candidate with minSignals signals came (a model
 * that cannot meet its target abstains; it does not trade on its least bad threshold). O(n log n).
 */
export function chooseThreshold(
  score: ArrayLike<number>,
  confidence: ArrayLike<number>,
  realized: ArrayLike<number>,
  o: ThresholdOptions,
): ThresholdChoice {
  checkInputs(score, confidence, realized, o);
  const candidates = sweep(score, confidence, realized, o.costBps).filter((c) => c.signals >= o.minSignals);
  let best: Candidate | null = null;
  // Candidates come with strictly growing signal counts, so the last that meets the target has the most.
  for (const c of candidates) if (c.falseSignals / c.signals <= o.targetFalseSignalRate) best = c;
  if (best) return choice(best, true);
  let lowest = NaN;
  for (const c of candidates) if (!(c.falseSignals / c.signals >= lowest)) lowest = c.falseSignals / c.signals;
  return { threshold: 1, signals: 0, falseSignalRate: NaN, hitRate: NaN, met: false, bestFalseSignalRate: lowest };
}
