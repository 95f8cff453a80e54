import type { Side } from '../trading/side.ts';
import type { ChoicePriors, ChoicePriorsCore } from './choice-priors.ts';

export type { ChoicePriors } from './choice-priors.ts';

/**
 * What a child order costs, expected, in bps of the mid a lot, for each way to place it, in the terms
 * the backtest report compares policies by (fees + price over the decision's mid − the fill's 5 s
 * markout; application/execution-quality.ts):
 * - `take`: cross the spread now: the taker fee and the price over the mid (half the spread, and what
 *   walking the book costs for a size beyond the touch), less the 5 s markout a take at once is
 *   expected to have (the signal's short-term edge less that price over the mid);
 * - `join`: rest at our side's best price behind the visible queue;
 * - `improve`: rest one tick inside the spread, first in its queue (only where the spread is 2 ticks
 *   or more).
 * A resting order fills within the time it may rest with a probability that rises with x = r·T / (Q + q),
 * r the recent traded lots a second hitting our side at the touch, Q the lots ahead, q ours
 * (`fillProbability`, fitted on the real captures). Filled, it pays
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
  /**
   * The average price a take of `lots` now would pay, ticks (book-walk.ts: beyond the touch for a size
   * the touch does not hold); absent: the touch.
   */
  readonly takePrice?: number;
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
  /** The mid's volatility over 5 s now, bps (MidVolatility); null while not yet known. */
  readonly sigmaBps: number | null;
  readonly priors: ChoicePriors;
}

/**
 * What the run has shown so far, each with the count it comes from (0: none yet, mean 0), all in the
 * report's terms and measured on the run's own decisions:
 * - `maker`: the mean 5 s markout of its maker fills, bps (negative: adverse);
 * - `move`: the mean move of the mid over the 5 s after each decision, from the decision's mid,
 *   signed for its side, bps: the signal's short-term edge, measured on every decision however it
 *   was executed, so that a run which never takes at once still learns what taking would have got
 *   (a take's 5 s markout is this move less what it paid over the mid);
 * - `drift`: the same move over the time a child may rest: what a take after the wait has lost to the
 *   signal's own drift (the price it pays, and again in its markout, is that much worse);
 * - `escalation`: what each escalation's take cost over what a take at once would have cost on the
 *   same decision (its price then, walked for the decision's size, and its 5 s markout), bps: the
 *   premium of waiting, realized, paired decision by decision;
 * - `fills`: of the decisions it rested, the fill probability it expected for each, summed, and the
 *   share of each it filled resting, summed: how far its fill model is off on this market.
 */
export interface RunEvidence {
  readonly maker: { readonly fills: number; readonly markoutBps: number };
  readonly move: { readonly decisions: number; readonly bps: number };
  readonly drift: { readonly decisions: number; readonly bps: number };
  readonly escalation: { readonly fills: number; readonly premiumBps: number };
  readonly fills: { readonly decisions: number; readonly expected: number; readonly filled: number };
}

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
  /** The single capture's priors under which the cheapest rest would cost more than taking, so the child takes; null otherwise. */
  readonly overruledBy: string | null;
  /**
   * A take the market's speed decided: in a still market (σ = 0) the chooser would have rested. The
   * urgency of a decision is this: how much a wait is expected to cost grows with the volatility.
   */
  readonly urgent: boolean;
}

/**
 * The cheapest way to place the child under the pooled priors, ties going to resting (join before
 * improve before take); then a rest must also pay under each single capture's priors the pool was
 * made of (`priors.alternatives`): where resting that way is expected to cost more than taking under
 * any of them, the child takes. Which real market this one behaves like is not known, so a rest is
 * sent only where it pays whichever of them it is; the run's own evidence is blended into every one
 * of them alike, so that they agree more the more the run has shown.
 */
export function chooseOrder(c: ChoiceInput): OrderChoice {
  const choice = chooseCore(c);
  // Urgency: a take that waiting would have beaten in a still market (σ = 0), the price's speed decided.
  const urgent = choice.kind === 'take' && c.sigmaBps !== null && c.sigmaBps > 0 && chooseCore({ ...c, sigmaBps: 0 }).kind !== 'take';
  return { ...choice, urgent };
}

function chooseCore(c: ChoiceInput): Omit<OrderChoice, 'urgent'> {
  const costs = costsUnder(c, c.priors);
  let kind: ChoiceKind = 'join';
  let best = costs.join.cost;
  if (costs.improve !== null && costs.improve.cost < best) {
    kind = 'improve';
    best = costs.improve.cost;
  }
  let overruledBy: string | null = null;
  if (costs.take < best) kind = 'take';
  else {
    for (const alternative of c.priors.alternatives) {
      const alt = costsUnder(c, alternative);
      const rest = kind === 'improve' ? alt.improve?.cost ?? Infinity : alt.join.cost;
      if (alt.take < rest) {
        overruledBy = alternative.source;
        kind = 'take';
        break;
      }
    }
  }
  return {
    kind,
    costBps: { take: costs.take, join: costs.join.cost, improve: costs.improve?.cost ?? null },
    fillProbability: { join: costs.join.p, improve: costs.improve?.p ?? null },
    overruledBy,
  };
}

/** What each way is expected to cost a lot (bps) under `pr` and the run's evidence, and each rest's fill probability. */
function costsUnder(c: ChoiceInput, pr: ChoicePriorsCore): { take: number; join: { cost: number; p: number }; improve: { cost: number; p: number } | null } {
  const mid = (c.bestBid + c.bestAsk) / 2;
  const bps = (ticks: number): number => (ticks / mid) * 10_000;
  const halfSpread = bps((c.bestAsk - c.bestBid) / 2);
  // What a take pays over the mid: the half spread, and beyond the touch what walking the book costs.
  const sign = c.side === 'Buy' ? 1 : -1;
  const cross = c.takePrice === undefined ? halfSpread : Math.max(halfSpread, bps(sign * (c.takePrice - mid)));
  const evidence = c.evidence;
  const { maker, move, escalation, fills } = evidence;
  const w = pr.weight;
  const makerMarkout = blend(pr.makerMarkoutBps, w, maker.fills, maker.markoutBps);
  const takeMarkout = blend(pr.moveBps, w, move.decisions, move.bps) - cross;
  const take = c.takerFeeBps + cross - takeMarkout;
  // What waiting costs over taking now, when the rest does not fill: the signal's drift over the wait
  // (the model's edge pro rata to start with, then the run's decisions' own moves over that time),
  // paid twice (in the later price, and in its markout measured from that price), and the premium any
  // unfilled rest pays, the price having left it, in units of the market's volatility; then what the
  // run's escalations have cost over their paired takes.
  const drift = Math.max(0, blend(c.edgeBps * Math.min(1, c.restMs / Math.max(1, c.horizonMs)), w, evidence.drift.decisions, evidence.drift.bps));
  const premium = c.sigmaBps === null ? pr.escalationPremiumBps : pr.escalationPremiumSigmas * c.sigmaBps;
  const unfilled = take + blend(2 * drift + premium, w, escalation.fills, escalation.premiumBps);
  // The fill model, scaled by how often the run's rests filled against how often it expected.
  const ratio = fills.expected > 0 ? fills.filled / fills.expected : 1;
  const fillScale = blend(1, w, fills.decisions, Number.isFinite(ratio) ? ratio : 1);
  const volume = c.touchTradeLotsPerSec * (c.restMs / 1000);
  const resting = (ahead: number, earnedBps: number): { cost: number; p: number } => {
    const model = fillProbability(volume / Math.max(1, ahead + c.lots), pr.fill);
    const p = model === 0 ? 0 : Math.min(1, fillScale * model);
    return { cost: p * (c.makerFeeBps - earnedBps - makerMarkout) + (1 - p) * unfilled, p };
  };
  const join = resting(c.queueLots, halfSpread);
  const improve = c.bestAsk - c.bestBid >= 2 ? resting(0, halfSpread - bps(1)) : null;
  return { take, join, improve };
}

/**
 * The probability that a resting order fills within the time it may rest, from x = r·T/(Q+q): the
 * lots traded against our side over that time per lot ahead of and in our order. Logistic in ln x, as
 * fitted on the real captures (choice-priors.ts); no trade at all, no fill.
 */
export function fillProbability(x: number, fill: ChoicePriors['fill']): number {
  if (!(x > 0)) return 0;
  return 1 / (1 + Math.exp(-(fill.alpha + fill.beta * Math.log(x))));
}

/** The choice and its numbers, for an order's stored reason. */
export function describeChoice(c: OrderChoice): string {
  const f = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(3));
  const overruled = c.overruledBy === null ? '' : `; resting costs more than taking under the ${c.overruledBy}`;
  const urgent = c.urgent ? '; urgent: the market moves too fast to wait' : '';
  return `chose ${c.kind}: expected bps take ${f(c.costBps.take)}, join ${f(c.costBps.join)} (fill ${f(c.fillProbability.join)}), improve ${f(c.costBps.improve)} (fill ${f(c.fillProbability.improve)})${overruled}${urgent}`;
}
