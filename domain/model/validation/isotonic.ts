import type { Calibration } from '../calibration.ts';

/** A run of pooled points sharing one fitted value: Σ weight, Σ weight·y, and its first and last x. */
interface Block {
  weight: number;
  sum: number;
  xLo: number;
  xHi: number;
}

function checkInputs(absScore: ArrayLike<number>, right: ArrayLike<number>, maxPoints: number): void {
  if (absScore.length !== right.length) throw new RangeError(`absScore and right must have equal lengths, got ${absScore.length} and ${right.length}`);
  if (absScore.length === 0) throw new RangeError('absScore must hold at least one row');
  if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new RangeError(`maxPoints must be an integer ≥ 2, got ${maxPoints}`);
  for (let i = 0; i < absScore.length; i++) {
    if (!(absScore[i] >= 0 && Number.isFinite(absScore[i]))) throw new RangeError(`absScore[${i}] must be a finite number ≥ 0, got ${absScore[i]}`);
    if (!(right[i] >= 0 && right[i] <= 1)) throw new RangeError(`right[${i}] must be in [0, 1] (1 right, 0 wrong), got ${right[i]}`);
  }
}

/** The rows sorted by x, equal x merged into one weighted point. */
function sortedPoints(x: ArrayLike<number>, y: ArrayLike<number>): Block[] {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((i, j) => x[i] - x[j]);
  const points: Block[] = [];
  for (const i of order) {
    const last = points[points.length - 1];
    if (last && last.xHi === x[i]) {
      last.weight += 1;
      last.sum += y[i];
    } else {
      points.push({ weight: 1, sum: y[i], xLo: x[i], xHi: x[i] });
    }
  }
  return points;
}

const mean = (b: Block): number => b.sum / b.weight;

/**
 * Pool adjacent violators: walk the points in x order, pushing each as a block and merging the top two
 * blocks while the lower one's mean exceeds the upper one's. The block means are the non-decreasing
 * sequence closest to the points in weighted squared error.
 */
function poolAdjacentViolators(points: readonly Block[]): Block[] {
  const stack: Block[] = [];
  for (const p of points) {
    stack.push({ ...p });
    while (stack.length > 1 && mean(stack[stack.length - 2]) >= mean(stack[stack.length - 1])) {
      const top = stack.pop()!;
      const below = stack[stack.length - 1];
      below.weight += top.weight;
      below.sum += top.sum;
      below.xHi = top.xHi;
    }
  }
  return stack;
}

/**
 * Merges adjacent blocks into at most `groups` groups of about equal weight. A merged group's mean lies
 * between its first and last block's means, so the sequence stays non-decreasing.
 */
function coarsen(blocks: readonly Block[], groups: number): Block[] {
  const total = blocks.reduce((s, b) => s + b.weight, 0);
  const out: Block[] = [];
  let before = 0;
  let current = -1;
  for (const b of blocks) {
    const g = Math.min(groups - 1, Math.floor((groups * before) / total));
    before += b.weight;
    if (g === current) {
      const last = out[out.length - 1];
      last.weight += b.weight;
      last.sum += b.sum;
      last.xHi = b.xHi;
    } else {
      out.push({ ...b });
      current = g;
    }
  }
  return out;
}

/**
 * Isotonic calibration of |score| against outcomes (1 right, 0 wrong): PAV, then each block becomes
 * its first and last x at the block's rate, so the piecewise-linear curve that `calibrate` draws
 * through them is flat on each block and ramps only in the gaps between blocks. When that takes more
 * than maxPoints points (default 64), adjacent blocks are pooled into about maxPoints / 2 groups of
 * equal weight first. The x are strictly increasing and the y non-decreasing in [0, 1].
 */
export function fitIsotonic(absScore: ArrayLike<number>, right: ArrayLike<number>, maxPoints = 64): Calibration {
  checkInputs(absScore, right, maxPoints);
  let blocks = poolAdjacentViolators(sortedPoints(absScore, right));
  const points = (bs: readonly Block[]) => bs.reduce((s, b) => s + (b.xLo === b.xHi ? 1 : 2), 0);
  if (points(blocks) > maxPoints) blocks = coarsen(blocks, Math.floor(maxPoints / 2));
  const x: number[] = [];
  const y: number[] = [];
  for (const b of blocks) {
    // Clamped: a mean of values in [0, 1] can only leave it, or fall below the previous block's, by rounding.
    const v = Math.min(1, Math.max(0, y.length > 0 ? y[y.length - 1] : 0, mean(b)));
    x.push(b.xLo);
    y.push(v);
    if (b.xHi > b.xLo) {
      x.push(b.xHi);
      y.push(v);
    }
  }
  return { kind: 'isotonic', x, y };
}
