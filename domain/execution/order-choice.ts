import type { Side } from '../trading/side.ts';

/**
 * What a child order costs, expected, in bps of the mid a lot, for each way to place it, in the terms
 * the backtest report compares policies by (fees + price over the decision's mid − the fill's 5 s
 * markout; application/execution-quality.ts):
 * - `take`: cross the spread now: the taker fee and half the spread, less the 5 s markout a take at
 *   once is expected to have (the signal's short-term edge less the half spread crossed);
 * - `join`: rest at our side's best price behind the visible queue;
 * - `improve`: rest one tick inside the spread, first in its queue (only where the spread is 2 ticks
 *   or more).
 * A resting order fills within the time it may rest with probability 1 − exp(−r·T / (Q + q)), r the
 * recent traded lots a second hitting our side at the touch, Q the lots ahead, q ours. Filled, it pays
 * the maker fee less its distance to the mid, and the expected 5 s markout of a maker fill (negative
 * when adverse: the fills nobody else wanted). Unfilled, it takes at the end and costs what an
 * escalation is expected to cost: the taker fee, its price over the decision's mid (the move away
 * that left the order unfilled included) less its 5 s markout.
 *
 * Each expectation is a prior (`CHOICE_PRIORS`) blended with the run's own fills (`blend`), so that
 * resting starts from what real markets have shown and learns from the market it is in. The cheapest
 * wins, so whenever resting is expected to cost more than taking, the child takes.
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
  /** What the run's own fills have shown so far, blended with `CHOICE_PRIORS`. */
  readonly evidence: RunEvidence;
  /** The signal's expected move its way over its horizon, bps (≥ 0), and that horizon, ms. */
  readonly edgeBps: number;
  readonly horizonMs: number;
}

/**
 * What the run has shown so far, each with the count it comes from (0: none yet, mean 0):
 * - `maker`: the mean 5 s markout of its maker fills, bps (negative: adverse);
 * - `move`: the mean move of the mid over the 5 s after each decision, from the decision's mid,
 *   signed for its side, bps: the signal's short-term edge, measured on every decision however it
 *   was executed, so that a run which never takes at once still learns what taking would have got
 *   (a take's 5 s markout is this move less half the spread it crossed);
 * - `escalation`: what an escalation's take cost, fees apart: its price over its decision's mid less
 *   its 5 s markout.
 */
export interface RunEvidence {
  readonly maker: { readonly fills: number; readonly markoutBps: number };
  readonly move: { readonly decisions: number; readonly bps: number };
  readonly escalation: { readonly fills: number; readonly costBps: number };
}

/**
 * Where the expectations start, before the run's own evidence, each counted as `weight` fills or
 * decisions:
 * - a maker fill's 5 s markout: −2.1 bps, the most adverse measured on the real captures in
 *   ../shared (the smart policy's maker fills on Binance USD-M BTCUSDT 2024-08-08 marked out at
 *   −2.13 bps at 5 s, on 2024-07-18/19 at −0.27; docs/execution.md): resting is presumed to be
 *   picked off until the run shows otherwise;
 * - a decision's 5 s move: 0, no edge presumed;
 * - an escalation: the take's cost now, plus the edge the wait gives away, plus 0.47 bps: an order
 *   left unfilled is one the price moved away from, and on the same captures the escalated
 *   decisions' mean shortfall was 0.15 to 0.47 bps over that of the decisions taken at once (the most,
 *   0.47, on USD-M 2024-08-08 at the default size).
 */
export const CHOICE_PRIORS = { weight: 5, makerMarkoutBps: -2.1, moveBps: 0, escalationOverTakeBps: 0.47 } as const;

/**
 * A prior expectation updated by evidence: the mean of `prior` counted as `weight` observations and
 * `n` observations of mean `mean`. With no evidence the prior; with much, the evidence.
 */
export function blend(prior: number, weight: number, n: number, mean: number): number {
  if (!(weight > 0) || !(n >= 0)) throw new RangeError(`blend needs a positive weight (${weight}) and n >= 0 (${n})`);
  return (prior * weight + mean * n) / (weight + n);
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
  const { maker, move, escalation } = c.evidence;
  const w = CHOICE_PRIORS.weight;
  const makerMarkout = blend(CHOICE_PRIORS.makerMarkoutBps, w, maker.fills, maker.markoutBps);
  const takeMarkout = blend(CHOICE_PRIORS.moveBps, w, move.decisions, move.bps) - halfSpread;
  const take = c.takerFeeBps + halfSpread - takeMarkout;
  const waited = c.edgeBps * Math.min(1, c.restMs / Math.max(1, c.horizonMs));
  const unfilled = c.takerFeeBps + blend(halfSpread - takeMarkout + waited + CHOICE_PRIORS.escalationOverTakeBps, w, escalation.fills, escalation.costBps);
  const volume = c.touchTradeLotsPerSec * (c.restMs / 1000);
  const resting = (ahead: number, earnedBps: number): { cost: number; p: number } => {
    const p = 1 - Math.exp(-volume / Math.max(1, ahead + c.lots));
    return { cost: p * (c.makerFeeBps - earnedBps - makerMarkout) + (1 - p) * unfilled, p };
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
