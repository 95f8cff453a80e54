import type { Calibration } from '../calibration.ts';

/**
 * Platt scaling: p(right | s) = 1 / (1 + exp(a·s + b)) on s = |score|, fitted by maximum likelihood
 * against smoothed targets, (N₊ + 1)/(N₊ + 2) for right rows and 1/(N₋ + 2) for wrong ones, so a
 * separable sample still gives finite a and b. The optimiser is the Newton method with a backtracking
 * line search of Lin, Lin and Weng, "A note on Platt's probabilistic outputs for support vector
 * machines" (Machine Learning 68, 2007), whose loss is written to avoid overflowing exp.
 */

const MAX_ITERATIONS = 100;
const MIN_STEP = 1e-10;
/** A ridge on the Hessian's diagonal that keeps it invertible. */
const SIGMA = 1e-12;
/** Stop when both gradient components are this small relative to the row count. */
const GRADIENT_TOLERANCE = 1e-9;

/** The negative log-likelihood of targets t under p = 1/(1+exp(a·s+b)), computed without overflow. */
function loss(s: ArrayLike<number>, t: Float64Array, a: number, b: number): number {
  let f = 0;
  for (let i = 0; i < s.length; i++) {
    const z = a * s[i] + b;
    f += z >= 0 ? t[i] * z + Math.log1p(Math.exp(-z)) : (t[i] - 1) * z + Math.log1p(Math.exp(z));
  }
  return f;
}

interface Newton {
  readonly g1: number;
  readonly g2: number;
  readonly da: number;
  readonly db: number;
}

/** The gradient and the Newton direction at (a, b). */
function newtonStep(s: ArrayLike<number>, t: Float64Array, a: number, b: number): Newton {
  let h11 = SIGMA;
  let h22 = SIGMA;
  let h21 = 0;
  let g1 = 0;
  let g2 = 0;
  for (let i = 0; i < s.length; i++) {
    const z = a * s[i] + b;
    // p = 1/(1+e^z) and q = 1 − p, each from the side where exp cannot overflow.
    const e = Math.exp(-Math.abs(z));
    const p = z >= 0 ? e / (1 + e) : 1 / (1 + e);
    const q = z >= 0 ? 1 / (1 + e) : e / (1 + e);
    const d2 = p * q;
    h11 += s[i] * s[i] * d2;
    h22 += d2;
    h21 += s[i] * d2;
    const d1 = t[i] - p;
    g1 += s[i] * d1;
    g2 += d1;
  }
  const det = h11 * h22 - h21 * h21;
  return { g1, g2, da: -(h22 * g1 - h21 * g2) / det, db: -(-h21 * g1 + h11 * g2) / det };
}

function checkInputs(absScore: ArrayLike<number>, right: ArrayLike<number>): void {
  if (absScore.length !== right.length) throw new RangeError(`absScore and right must have equal lengths, got ${absScore.length} and ${right.length}`);
  if (absScore.length === 0) throw new RangeError('absScore must hold at least one row');
  for (let i = 0; i < absScore.length; i++) {
    if (!(absScore[i] >= 0 && Number.isFinite(absScore[i]))) throw new RangeError(`absScore[${i}] must be a finite number ≥ 0, got ${absScore[i]}`);
    if (right[i] !== 0 && right[i] !== 1) throw new RangeError(`right[${i}] must be 1 (right) or 0 (wrong), got ${right[i]}`);
  }
}

/** Platt calibration of |score| against outcomes (1 right, 0 wrong); a and b are finite. */
export function fitPlatt(absScore: ArrayLike<number>, right: ArrayLike<number>): Calibration {
  checkInputs(absScore, right);
  const n = absScore.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += right[i];
  const negatives = n - positives;
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (negatives + 2);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = right[i] === 1 ? hi : lo;

  let a = 0;
  let b = Math.log((negatives + 1) / (positives + 1));
  let f = loss(absScore, t, a, b);
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    const { g1, g2, da, db } = newtonStep(absScore, t, a, b);
    if (Math.abs(g1) < GRADIENT_TOLERANCE * n && Math.abs(g2) < GRADIENT_TOLERANCE * n) break;
    const slope = g1 * da + g2 * db;
    let step = 1;
    while (step >= MIN_STEP) {
      const na = a + step * da;
      const nb = b + step * db;
      const nf = loss(absScore, t, na, nb);
      // Armijo's sufficient decrease.
      if (nf < f + 1e-4 * step * slope) {
        a = na;
        b = nb;
        f = nf;
        break;
      }
      step /= 2;
    }
    // No step decreases the loss: (a, b) is as good as floating point allows.
    if (step < MIN_STEP) break;
  }
  return { kind: 'platt', a, b };
}
