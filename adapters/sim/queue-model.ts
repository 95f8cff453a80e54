import type { Rng } from '../../domain/model/gbdt/rng.ts';

/**
 * How a resting order's place in the queue of its price level advances, after hftbacktest's queue
 * models (https://hftbacktest.readthedocs.io, `RiskAverseQueueModel` and `ProbQueueModel` with
 * `PowerProbQueueFunc`):
 * - `riskAverse`: only trades at the price advance the order; a cancellation is always assumed to
 *   come from behind it (the queue ahead is only capped at the level's size).
 * - `power`: a decrease of the level that trades do not explain is split between the part ahead and
 *   the part behind. The share behind is f(back) / (f(back) + f(front)) with f(x) = x^n, so the
 *   larger part loses more; n = 3 is the exponent of hftbacktest's examples.
 */
export type QueueModelSpec = { readonly kind: 'power'; readonly n: number } | { readonly kind: 'riskAverse' };

export const DEFAULT_QUEUE_MODEL: QueueModelSpec = { kind: 'power', n: 3 };

/** A resting order's view of its level, in lots. */
export interface QueueState {
  /** Lots estimated ahead of the order: never negative, never more than the level shows. */
  front: number;
  /** The level's visible size when last seen; null while the level lies beyond the visible depth. */
  levelQty: number | null;
  /** Lots traded at the price since the level was last seen: they explain part of its decrease. */
  tradedSince: number;
}

export function checkQueueModel(spec: QueueModelSpec): void {
  if (spec.kind === 'power' && !(Number.isFinite(spec.n) && spec.n > 0)) {
    throw new RangeError(`power queue model: exponent ${spec.n} is not a positive number`);
  }
}

/** The probability that a decrease of the level comes from behind the order (hftbacktest's `prob`). */
export function probBehind(front: number, back: number, n: number): number {
  if (front <= 0) return 1;
  if (back <= 0) return 0;
  const fb = back ** n;
  const ff = front ** n;
  // x^n overflows for large sizes and exponents; the ratio then follows from the larger part alone.
  if (!Number.isFinite(fb) || !Number.isFinite(ff)) return back >= front ? 1 : 0;
  return fb / (fb + ff);
}

/**
 * A trade of `size` lots at the order's price: it consumes the queue ahead first. Returns what is left
 * of the trade after the queue ahead, the most that can fill the order.
 */
export function advanceOnTrade(q: QueueState, size: number): number {
  const consumed = Math.min(q.front, size);
  q.front -= consumed;
  q.tradedSince += size;
  return size - consumed;
}

/**
 * The level now shows `newQty` lots. A first sighting (the order rested beyond the visible depth)
 * puts the order behind all of it. Otherwise the decrease not explained by trades since the last
 * sighting is split by the model; the expected part ahead is rounded to whole lots at random
 * (up with probability equal to its fraction), so it is unbiased and integer, and clipped to what the
 * parts can lose: at least what the part behind cannot absorb, at most the part ahead.
 */
export function advanceOnDepth(spec: QueueModelSpec, q: QueueState, newQty: number, rng: Rng): void {
  const prev = q.levelQty;
  const traded = q.tradedSince;
  q.levelQty = newQty;
  q.tradedSince = 0;
  if (prev === null) {
    q.front = newQty;
    return;
  }
  const change = prev - newQty - traded;
  if (change > 0 && spec.kind === 'power') {
    const back = Math.max(0, prev - q.front);
    const expected = (1 - probBehind(q.front, back, spec.n)) * change;
    const whole = Math.floor(expected);
    const rounded = whole + (rng.next() < expected - whole ? 1 : 0);
    const ahead = Math.min(q.front, change, Math.max(rounded, change - back));
    q.front -= ahead;
  }
  q.front = Math.max(0, Math.min(q.front, newQty));
}
