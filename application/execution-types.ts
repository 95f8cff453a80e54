import type { PassiveParams } from '../domain/execution/passive.ts';
import type { SizingParams } from '../domain/execution/sizing.ts';
import type { RiskConfig } from '../domain/risk/risk-config.ts';
import type { ValueCounts } from '../domain/stats/value-histogram.ts';
import type { Side } from '../domain/trading/side.ts';
import type { Cash, Lots, Micros } from '../domain/values/units.ts';
import type { ExecutionClass } from './execution-quality.ts';
import type { ChoicePriors } from '../domain/execution/choice-priors.ts';

/**
 * How signals become orders:
 * - `smart`: size by confidence, volatility and visible depth, work the order passively (post-only at
 *   or inside the touch, following it, escalating to market after a time-out while the signal holds);
 * - `baseline`: the seed system's behaviour, a market order of a fixed share of equity per signal.
 * Both go through the same risk manager.
 */
export type ExecutionPolicy = 'smart' | 'baseline';

export interface ExecutionSettings {
  readonly policy: ExecutionPolicy;
  /** Equity at the start, Cash; the run's PnL is added to it. */
  readonly capital: Cash;
  readonly sizing: SizingParams;
  /** Share of equity a baseline order is worth (0.05). */
  readonly baselineFraction: number;
  readonly passive: PassiveParams;
  readonly risk: Omit<RiskConfig, 'instrument'>;
  /** Cancel working orders when the book leaves LIVE or risk goes HALTED; true when absent. */
  readonly cancelWhenBlind?: boolean;
  /**
   * The smart policy chooses each child's placement (join, improve, take) by expected cost
   * (domain/execution/order-choice.ts) at the fees given here; absent: placement as `passive` says.
   */
  readonly chooser?: { readonly makerPpm: number; readonly takerPpm: number; readonly priors?: ChoicePriors };
  /**
   * The paired comparison of `ladder backtest --against-baseline` (docs/execution.md): `record` hears
   * of each decision once it has ended; `replay` makes a run that acts on no signal and executes
   * these decisions instead, each at market at once on the LIVE book it was taken on, with its size,
   * so that the same parent decisions are executed two ways over the same data.
   */
  readonly decisions?: { readonly record?: (d: DecisionRecord) => void; readonly replay?: readonly DecisionRecord[] };
}

/**
 * One decision of a run: its number, the LIVE book it was taken on (counted from the run's first,
 * 1-based: the same frames give the same count in every run over them), its venue time, side and
 * decided lots, and how it was executed.
 */
export interface DecisionRecord {
  readonly id: number;
  readonly book: number;
  readonly ts: Micros;
  readonly side: Side;
  readonly lots: Lots;
  readonly executed: ExecutionClass;
}

export interface ExecutionCounters {
  /** Parent orders started (one per signal that was sized above zero and allowed). */
  parents: number;
  /** Lots those parents meant to fill, and lots they filled, passively or by escalation. */
  targetLots: number;
  filledLots: number;
  /** Parents that rested a child first and then took the rest at market (the time-out, or the chooser turning to take). */
  escalations: number;
  /** Parents whose first choice was a take at market (the chooser's, or an urgent signal's): not escalations. */
  takenAtOnce: number;
  /** Child orders placed, replaced and canceled by the algorithm. */
  placed: number;
  replaced: number;
  /** Of the replaces, those amended in place (the venue amends; the child rested), and of these the venue refused. */
  amended: number;
  amendsRefused: number;
  /** Signals that sized to zero lots, and decisions whose first order risk refused (not counted as parents). */
  sizedToZero: number;
  refusedDecisions: number;
  /** Orders the risk manager refused, and state changes it made. */
  riskRefusals: number;
  riskStateChanges: number;
  /** Parent orders finished; those with a fill, and the µs from decision to their last fill, summed. */
  parentsDone: number;
  parentsFilled: number;
  fillMicros: number;
  /**
   * Time from decision to last fill of the filled parents, ms, as a histogram (value to 3 significant
   * digits → count; domain/stats/value-histogram.ts) for the report's percentiles: bounded however long the run.
   */
  fillTimesMs: ValueCounts;
  /**
   * What bound each smart decision, counted by name: the sizing cap that set its size (`confidence`,
   * `volatility`, `depth`, `liquidityCost`, `position`, `minQty`) or the risk manager's order limit
   * (`orderLimit`), and `urgency` for a first choice taken at once because the market moved too fast
   * to wait (order-choice.ts).
   */
  limitsBound: Record<string, number>;
}
