import type { Prediction } from '../../application/ports/signal-model.ts';
import { horizonConfidence, horizonScore, type HorizonEnsemble } from '../../domain/model/ensemble.ts';
import { err, ok, type Result } from '../../domain/result.ts';

/** How to turn a model's output tensors into a prediction, resolved from the manifest at load time. */
export type Readout =
  | {
    readonly kind: 'score';
    readonly score: string;
    readonly confidence: { readonly kind: 'tensor'; readonly tensor: string } | { readonly kind: 'tanh'; readonly scale: number };
  }
  | {
    readonly kind: 'classProbabilities';
    readonly tensor: string;
    /** Number of classes: the row length of the probability tensor. */
    readonly columns: number;
    readonly up: number;
    readonly down: number;
  }
  /** One score per horizon, [N, H] in the ensemble's order, combined by `combineHorizons`. */
  | { readonly kind: 'horizons'; readonly tensor: string; readonly ensemble: HorizonEnsemble };

/** Output names to fetch from the runtime, in a fixed order. */
export function readoutFetches(r: Readout): string[] {
  switch (r.kind) {
    case 'score': return r.confidence.kind === 'tensor' ? [r.score, r.confidence.tensor] : [r.score];
    case 'classProbabilities':
    case 'horizons':
      return [r.tensor];
  }
}

/**
 * The columns of the (one) fetched output that `readPrediction` never reads: a horizon weighted 0 is
 * switched off (`combineHorizons` skips it, even when NaN), so the model need not compute it.
 */
export function unreadColumns(r: Readout): number[] {
  if (r.kind !== 'horizons') return [];
  const unread: number[] = [];
  r.ensemble.weights.forEach((w, h) => {
    if (w === 0) unread.push(h);
  });
  return unread;
}

export type ReadoutError =
  | { readonly kind: 'OutputShape'; readonly output: string; readonly length: number; readonly expected: number }
  | { readonly kind: 'ScoreNotFinite'; readonly score: number }
  | { readonly kind: 'ConfidenceOutOfRange'; readonly confidence: number };

export function describeReadoutError(e: ReadoutError): string {
  switch (e.kind) {
    case 'OutputShape': return `output '${e.output}' holds ${e.length} values for one row, expected ${e.expected}`;
    case 'ScoreNotFinite': return `the model returned a non-finite score (${e.score})`;
    case 'ConfidenceOutOfRange': return `the model returned confidence ${e.confidence}, outside [0, 1]`;
  }
}

/** Float32 rounding may put a probability or |tanh| a hair outside [0, 1]; more than this is a model bug. */
export const CONFIDENCE_TOLERANCE = 1e-6;

/**
 * Reads one row's prediction. `get` returns the data of a fetched output (one row: batch size 1).
 * Class probabilities give score = P(up) − P(down) and confidence = the largest probability; horizon
 * scores give the ensemble's weighted score (bps) and calibrated confidence.
 */
export function readPrediction(r: Readout, get: (name: string) => ArrayLike<number>): Result<Prediction, ReadoutError> {
  const prediction = { score: 0, confidence: 0 };
  const error = readPredictionInto(r, get, prediction);
  return error === null ? ok(prediction) : err(error);
}

/**
 * `readPrediction` into `into`, which a caller predicting at every book frame reuses: null when the
 * prediction was written, else the error (and `into` is left as it was).
 */
export function readPredictionInto(r: Readout, get: (name: string) => ArrayLike<number>, into: { score: number; confidence: number }): ReadoutError | null {
  let score: number;
  let confidence: number;
  switch (r.kind) {
    case 'score': {
      const s = get(r.score);
      if (s.length !== 1) return { kind: 'OutputShape', output: r.score, length: s.length, expected: 1 };
      score = s[0];
      if (r.confidence.kind === 'tensor') {
        const c = get(r.confidence.tensor);
        if (c.length !== 1) return { kind: 'OutputShape', output: r.confidence.tensor, length: c.length, expected: 1 };
        confidence = c[0];
      } else {
        confidence = Math.abs(Math.tanh(score / r.confidence.scale));
      }
      break;
    }
    case 'classProbabilities': {
      const p = get(r.tensor);
      if (p.length !== r.columns) return { kind: 'OutputShape', output: r.tensor, length: p.length, expected: r.columns };
      score = p[r.up] - p[r.down];
      confidence = p[0];
      for (let i = 1; i < p.length; i++) if (p[i] > confidence) confidence = p[i];
      break;
    }
    case 'horizons': {
      const h = get(r.tensor);
      const expected = r.ensemble.horizonsMs.length;
      if (h.length !== expected) return { kind: 'OutputShape', output: r.tensor, length: h.length, expected };
      // combineHorizons's two figures, without its reading object; a non-finite score gets confidence 0,
      // and the check below still refuses it.
      score = horizonScore(r.ensemble, h);
      confidence = horizonConfidence(r.ensemble, h, score);
      break;
    }
  }
  if (!Number.isFinite(score)) return { kind: 'ScoreNotFinite', score };
  if (!(confidence >= -CONFIDENCE_TOLERANCE && confidence <= 1 + CONFIDENCE_TOLERANCE)) {
    return { kind: 'ConfidenceOutOfRange', confidence };
  }
  into.score = score;
  into.confidence = Math.min(1, Math.max(0, confidence));
  return null;
}
