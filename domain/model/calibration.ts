/**
 * A map from the size of a model's score to the probability that a signal on it is right: that the
 * realized move over the horizon has the score's sign and covers the round-trip cost. Fitted on
 * out-of-fold validation predictions by the trainer and stored in the model's manifest.
 *
 * - `isotonic`: a non-decreasing step function read as a piecewise-linear curve through the points
 *   (x[i], y[i]), x strictly increasing |score| values, y non-decreasing probabilities in [0, 1];
 *   below x[0] it is y[0], above the last x the last y.
 * - `platt`: p = 1 / (1 + exp(a·|s| + b)), a logistic curve in |score| (a is negative for a model
 *   whose larger scores are more often right).
 */
export type Calibration =
  | { readonly kind: 'isotonic'; readonly x: readonly number[]; readonly y: readonly number[] }
  | { readonly kind: 'platt'; readonly a: number; readonly b: number };

/** The calibrated probability, in [0, 1], that a signal of score `score` is right. */
export function calibrate(c: Calibration, score: number): number {
  const s = Math.abs(score);
  switch (c.kind) {
    case 'platt':
      return 1 / (1 + Math.exp(c.a * s + c.b));
    case 'isotonic': {
      const { x, y } = c;
      const last = x.length - 1;
      if (s <= x[0]) return y[0];
      if (s >= x[last]) return y[last];
      // Binary search for the segment x[lo] < s <= x[hi].
      let lo = 0;
      let hi = last;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (x[mid] < s) lo = mid;
        else hi = mid;
      }
      const t = (s - x[lo]) / (x[hi] - x[lo]);
      return y[lo] + t * (y[hi] - y[lo]);
    }
  }
}

/** Why a calibration cannot be used; the field is named as in the manifest (`x[3]`). */
export function checkCalibration(c: Calibration): string | null {
  switch (c.kind) {
    case 'platt':
      if (!Number.isFinite(c.a)) return `a must be a finite number, got ${c.a}`;
      if (!Number.isFinite(c.b)) return `b must be a finite number, got ${c.b}`;
      return null;
    case 'isotonic': {
      const { x, y } = c;
      if (x.length === 0) return 'x must hold at least one point';
      if (y.length !== x.length) return `y must hold one probability per x (${x.length}), got ${y.length}`;
      for (let i = 0; i < x.length; i++) {
        if (!Number.isFinite(x[i]) || x[i] < 0) return `x[${i}] must be a finite |score| ≥ 0, got ${x[i]}`;
        if (i > 0 && !(x[i] > x[i - 1])) return `x[${i}] must be greater than x[${i - 1}]`;
        if (!(y[i] >= 0 && y[i] <= 1)) return `y[${i}] must be a probability in [0, 1], got ${y[i]}`;
        if (i > 0 && y[i] < y[i - 1]) return `y[${i}] must not be less than y[${i - 1}]`;
      }
      return null;
    }
  }
}
