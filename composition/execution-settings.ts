import type { ExecutionPolicy, ExecutionSettings } from '../application/execution-engine.ts';
import type { Cash, Lots, Micros } from '../domain/values/units.ts';
import type { ChoicePriors } from '../domain/execution/choice-priors.ts';

/** 1 USDT in Cash (1e-8 USDT). */
const CASH_PER_USDT = 100_000_000;

export interface ExecutionChoices {
  readonly policy: ExecutionPolicy;
  /** Starting equity, USDT. */
  readonly capitalUsdt: number;
  readonly maxPositionLots: Lots;
  /** The model's confidence threshold: sizing scales from it to full size at confidence 1. */
  readonly threshold: number;
  /** The venue's fees: with them the smart policy chooses each child's placement by expected cost. */
  readonly fees?: { readonly makerPpm: number; readonly takerPpm: number };
  /** The chooser's priors (choice-priors.ts); every capture's probes pooled when absent. */
  readonly priors?: ChoicePriors;
  /** The paired comparison's record of decisions, or the decisions to execute instead of signals. */
  readonly decisions?: ExecutionSettings['decisions'];
}

/**
 * The execution settings app:paper and ladder backtest run with. The numbers are the defaults a
 * trader would start from, each named where it is used:
 * - sizing: a full-confidence order is worth 5% of equity (the baseline's size), half that at the
 *   threshold; at most a quarter of the depth within 10 bps; 0.6 bps of equity at risk per trade
 *   against a one-σ move of the mid over 5 minutes (at least 1 bps), which is 5% of equity at 12 bps,
 *   about the real captures' median (docs/execution.md: the cap binds when the market moves faster
 *   than usual); taking the whole order from the book at most 0.1 bps over the mid (a 0.5 BTC take
 *   passed it on 4% to 14% of the captures' books);
 * - passive: improve the touch by a tick where the spread allows (else join it), follow it once it is
 *   2 ticks away, at most one replace per 100 ms,
 *   take the rest at market after 300 ms while the signal holds (on the synthetic market a
 *   longer wait lets the price run further before the escalation pays for it); take at once from
 *   confidence 0.95;
 * - risk: orders up to the position limit and half the capital in value, within 50 bps of the mid,
 *   at most 50 orders a second; only reducing orders past a 3% drawdown, nothing past 10% or a daily
 *   loss of 5% of capital; only reducing orders after 10 losing round trips in a row, for 5 minutes or until a win; nothing while
 *   no LIVE book has been seen for 5 s.
 */
export function executionSettings(c: ExecutionChoices): ExecutionSettings {
  const capital = Math.round(c.capitalUsdt * CASH_PER_USDT) as Cash;
  return {
    policy: c.policy,
    capital,
    baselineFraction: 0.05,
    sizing: {
      equityFraction: 0.05,
      confidenceThreshold: Math.min(c.threshold, 0.999),
      minConfidenceShare: 0.5,
      riskBps: 0.6,
      riskHorizonMs: 300_000,
      volFloorBps: 1,
      maxDepthShare: 0.25,
      depthWithinBps: 10,
      maxLiquidityCostBps: 0.1,
    },
    passive: {
      placement: 'improve',
      followTicks: 2,
      minReplaceMicros: 100_000,
      escalateAfterMicros: 300_000,
      urgency: { improveFrom: 0, aggressiveFrom: 0.95 },
    },
    risk: {
      maxPositionLots: c.maxPositionLots,
      maxOrderLots: Math.max(1, c.maxPositionLots) as Lots,
      maxOrderNotional: Math.round(capital / 2) as Cash,
      priceBandBps: 50,
      maxOrders: 50,
      orderWindowMicros: 1_000_000 as Micros,
      drawdownReduceBps: 300,
      drawdownHaltBps: 1000,
      dailyLossLimit: Math.round(capital * 0.05) as Cash,
      maxConsecutiveLosses: 10,
      lossCooldownMicros: 300_000_000 as Micros,
      staleAfterMicros: 5_000_000 as Micros,
    },
    ...(c.fees === undefined ? {} : { chooser: { makerPpm: c.fees.makerPpm, takerPpm: c.fees.takerPpm, ...(c.priors === undefined ? {} : { priors: c.priors }) } }),
    ...(c.decisions === undefined ? {} : { decisions: c.decisions }),
  };
}
