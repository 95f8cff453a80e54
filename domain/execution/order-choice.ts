import type { Side } from '../trading/side.ts';

/**
 * What a child order costs, expected, in bps of the mid a lot, for each way to place it:
 * - `take`: cross the spread now: half the spread and the taker fee;
 * - `join`: rest at our side's best price behind the visible queue;
 * - `improve`: rest one tick inside the spread, first in its queue (only where the spread is 2 ticks
 *   or more).
 * A resting order fills within the time it may rest with probability 1 − exp(−r·T / (Q + q)), r the
 * recent traded lots a second hitting our side at the touch, Q the lots ahead, q ours. Filled, it earns
 * the distance from its price to the mid less the maker fee, and pays the adverse selection the run's
 * own maker fills have shown (their 5 s markout, negative when adverse). Unfilled, it takes at the end:
 * the taker fee and what the run's own escalations paid against their decision's mid (at least half
 * the spread: an order is left unfilled when the price moves away from it, so this is more than the
 * spread where that happens), plus the part of the signal's expected edge the wait gave away (edge × T / H).
 */
export interface ChoiceInput {
  readonly side: Side;
  /** Best bid and ask, ticks; bid < ask. */
  readonly bestBid: number;
  readonly bestAsk: number;
  /** Lots visible at our side's best price (the queue a join stands behind). */
  readonly queueLots: number;
  /** Lots still to fill. */
  readonly lots: number;
  /** Traded lots a second that hit our side of the touch, recently (sells for a buy). */
  readonly touchTradeLotsPerSec: number;
  /** How long a resting order may wait before it takes, ms. */
  readonly restMs: number;
  readonly makerFeeBps: number;
  readonly takerFeeBps: number;
  /** Mean 5 s markout of maker fills so far, bps (negative: adverse); 0 before any. */
  readonly makerMarkoutBps: number;
  /** What the run's escalations paid a lot against their decision's mid, bps; null before one. */
  readonly escalationSlippageBps: number | null;
  /** The signal's expected move its way over its horizon, bps (≥ 0), and that horizon, ms. */
  readonly edgeBps: number;
  readonly horizonMs: number;
}

export type ChoiceKind = 'take' | 'join' | 'improve';

export interface OrderChoice {
  readonly kind: ChoiceKind;
  /** Expected cost a lot of each way, bps; improve is null where the spread is one tick. */
  readonly costBps: { readonly take: number; readonly join: number; readonly improve: number | null };
  /** Fill probability of the resting ways within restMs. */
  readonly fillProbability: { readonly join: number; readonly improve: number | null };
}

/** The cheapest way to place the child: ties go to resting (join before improve before take). */
export function chooseOrder(c: ChoiceInput): OrderChoice {
  const mid = (c.bestBid + c.bestAsk) / 2;
  const bps = (ticks: number): number => (ticks / mid) * 10_000;
  const halfSpread = bps((c.bestAsk - c.bestBid) / 2);
  const take = halfSpread + c.takerFeeBps;
  const waited = c.edgeBps * Math.min(1, c.restMs / Math.max(1, c.horizonMs));
  const unfilled = c.takerFeeBps + Math.max(halfSpread, c.escalationSlippageBps ?? halfSpread) + waited;
  const adverse = Math.max(0, -c.makerMarkoutBps);
  const volume = c.touchTradeLotsPerSec * (c.restMs / 1000);
  const resting = (ahead: number, earnedBps: number): { cost: number; p: number } => {
    const p = 1 - Math.exp(-volume / Math.max(1, ahead + c.lots));
    return { cost: p * (c.makerFeeBps - earnedBps + adverse) + (1 - p) * unfilled, p };
  };
  const join = resting(c.queueLots, halfSpread);
  const canImprove = c.bestAsk - c.bestBid >= 2;
  const improve = canImprove ? resting(0, halfSpread - bps(1)) : null;
  let kind: ChoiceKind = 'join';
  let best = join.cost;
  if (improve !== null && improve.cost < best) {
    kind = 'improve';
    best = improve.cost;
  }
  if (take < best) kind = 'take';
  return {
    kind,
    costBps: { take, join: join.cost, improve: improve?.cost ?? null },
    fillProbability: { join: join.p, improve: improve?.p ?? null },
  };
}

/** The choice and its numbers, for an order's stored reason. */
export function describeChoice(c: OrderChoice): string {
  const f = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(3));
  return `chose ${c.kind}: expected bps take ${f(c.costBps.take)}, join ${f(c.costBps.join)} (fill ${f(c.fillProbability.join)}), improve ${f(c.costBps.improve)} (fill ${f(c.fillProbability.improve)})`;
}
