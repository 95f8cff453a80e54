/**
 * The target a member regressor learns: the forward mid move a trader could act on. The move over the
 * horizon, less its mean over the training window (so that a drift of that window is not learned as a
 * signal), shrunk towards 0 by the round-trip cost: a move that does not cover the cost is worth
 * nothing either way, and one that does is worth what is left after paying it.
 *
 *   target = sign(r − m) · max(|r − m| − cost, 0)
 *
 * with r the forward return (bps), m the training window's mean of r and cost the round trip (bps). The
 * regression on it reads as three classes, up beyond cost / neither / down beyond cost, weighted by how
 * far beyond. Only future mids enter r (see `Labeller`); m is fitted on training rows alone.
 */
export function netMoveTarget(returnBps: number, meanBps: number, costBps: number): number {
  const r = returnBps - meanBps;
  const beyond = Math.abs(r) - costBps;
  return beyond > 0 ? Math.sign(r) * beyond : 0;
}

/** The mean of the finite values at `rows`; 0 when there is none. */
export function meanOf(values: ArrayLike<number>, rows: readonly number[]): number {
  let n = 0;
  let sum = 0;
  for (const i of rows) {
    if (!Number.isFinite(values[i])) continue;
    n++;
    sum += values[i];
  }
  return n === 0 ? 0 : sum / n;
}

/** Round trip at the given fee a side, ppm, in bps: entry and exit each pay it (200 ppm maker → 4 bps). */
export function roundTripBps(feePpm: number): number {
  return (2 * feePpm) / 100;
}
