import type { SignalOutcomeCounts } from '../domain/backtest/signal-outcomes.ts';
import type { ExecutionCounters } from './execution-engine.ts';
import type { Order } from '../domain/trading/order.ts';
import { valueQuantile, type ValueCounts } from '../domain/stats/value-histogram.ts';
import { weightedQuantile } from '../domain/stats/weighted-quantile.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import type { EquityRecord, FillRecord, PositionSnapshotRecord } from './ports/trading-store.ts';
import type { ClassFigures, ExecutionClass, ExecutionQualitySummary } from './execution-quality.ts';
import { exposureOf, ledgerFigures, type LedgerFigures } from './ledger-fold.ts';
import { dailyRatiosOf, formatSpan, perTradeOf, type FeedIntegrity, type OpenPosition, type PerTrade, type SummaryFacts } from './report-facts.ts';

export { slippageBps } from './ledger-fold.ts';

/** 1 USDT in the store's cash unit (1e-8 USDT). */
const CASH_PER_USDT = 1e8;

/** A run's ledger rows as read back, with what else its report reads. */
export interface BacktestRecords extends BacktestFacts {
  /** Per interval, in time order; equity is the run's PnL net of fees (0 at the start). */
  readonly equity: readonly EquityRecord[];
  readonly fills: readonly FillRecord[];
  readonly orders: readonly Order[];
  readonly positions: readonly PositionSnapshotRecord[];
}

/** What a backtest report reads besides the ledger's rows. */
export interface BacktestFacts {
  readonly instrument: Instrument;
  /** Starting equity, USDT: returns, drawdown, turnover and exposure are relative to it. */
  readonly capitalUsdt: number;
  readonly signals: SignalOutcomeCounts;
  /** The execution engine's counters; null for a run without one (fill rate is then by order). */
  readonly execution:
    | (Pick<ExecutionCounters, 'parents' | 'targetLots' | 'filledLots' | 'escalations' | 'parentsFilled' | 'fillMicros'> & {
      /** A histogram (value → count); a list of every value in runs stored before it. */
      readonly fillTimesMs: ValueCounts | readonly number[];
      /** Absent in runs stored before they were counted. */
      readonly replaced?: number;
      readonly amended?: number;
      /** Absent in runs stored before takes at once were counted apart (their escalations include them). */
      readonly takenAtOnce?: number;
    })
    | null;
  /** Venue time the run covered, µs. */
  readonly from: number;
  readonly to: number;
  /** What the run's stored summary says: feed integrity, the open position, execution quality; null without one. */
  readonly facts?: SummaryFacts | null;
}

/**
 * A backtest's figures under the keys the issue names. Money in USDT, rates in [0, 1], slippage in bps
 * (positive: paid against the exact mid when the decision was taken, half ticks kept), Sharpe and
 * Sortino from daily returns on the starting capital, annualised (null under two days: see
 * `per_trade`). A figure that cannot be measured (no fills, no resolved signal) is null.
 */
export interface BacktestReport {
  readonly pnl: number;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  /** What Sharpe and Sortino are measured on: daily returns, or none for a run under two days. */
  readonly sharpe_basis: string;
  /** Round trips' PnL net of fees: for a run too short for daily returns, labelled as such. */
  readonly per_trade: PerTrade;
  /** Largest fall from a peak of capital + PnL, as a share of that peak. */
  readonly max_drawdown: number;
  /** Fills. */
  readonly trades: number;
  readonly orders: number;
  /** Acted signals whose horizon passed with the mid moved their way. */
  readonly hit_rate: number | null;
  /** Acted signals whose move was the wrong way or did not cover the round trip. */
  readonly false_signal_rate: number | null;
  readonly signals_resolved: number;
  /** Per lot filled: the mean and the 95th percentile over the lots. */
  readonly slippage_bps_mean: number | null;
  readonly slippage_bps_p95: number | null;
  /**
   * Lots filled over lots decided: each decision's target, filled passively or by escalation (by
   * order, filled over ordered, for a run without the execution engine).
   */
  readonly fill_rate: number | null;
  /**
   * Decisions (parent orders); how many rested first and then took the rest at market; how many took
   * at market at once (the chooser's first choice, or an urgent signal's).
   */
  readonly parents: number;
  readonly escalations: number;
  readonly taken_at_once: number;
  /** Child orders moved to a new price, and of those the ones amended in place (not canceled and sent anew). */
  readonly replaces: number;
  readonly amends: number;
  /** Time from a decision to its last fill, ms: mean, median and 95th percentile. */
  readonly time_to_fill_ms_mean: number | null;
  readonly time_to_fill_ms_p50: number | null;
  readonly time_to_fill_ms_p95: number | null;
  /** Share of filled lots that made liquidity. */
  readonly maker_share: number | null;
  readonly fees: number;
  /** Traded notional over the starting capital. */
  readonly turnover: number;
  /** Time-weighted mean |position notional| over the starting capital. */
  readonly exposure: number;
  readonly capital: number;
  readonly hours: number;
  /** The market time covered, as a person reads it ("10m 48s"). */
  readonly market_time: string;
  /** Per fill, the mid's move after 1 s, 5 s and 30 s from the fill price, bps (negative: adverse). */
  readonly markout_bps: ExecutionQualitySummary['markout_bps'] | null;
  /** Mean implementation shortfall per decision, fees and the unfilled part's cost included, bps. */
  readonly shortfall_bps_mean: number | null;
  /** Decisions that worked passively and then took the rest at market, over decisions. */
  readonly escalation_rate: number | null;
  /** From decision to last fill, escalations included, ms. */
  readonly time_to_fill_ms: { readonly p50: number | null; readonly p95: number | null };
  /** Decisions, their shortfall and cost a lot by class: passive maker, escalated, market. */
  readonly execution_classes: Readonly<Record<ExecutionClass, ClassFigures>> | null;
  /**
   * A run that executed another run's decisions at market (the paired comparison): the same figures
   * grouped by how the other run executed each decision. Null in any other run.
   */
  readonly paired_classes: Readonly<Record<ExecutionClass, ClassFigures>> | null;
  /** Fees + shortfall without fees − 5 s markout, per lot decided, bps. */
  readonly cost_per_lot_bps: ExecutionQualitySummary['cost_per_lot_bps'] | null;
  /** Decisions risk refused before they sent anything: not decisions, not judged as signals. */
  readonly refused_decisions: number;
  /**
   * What bound the smart policy's decisions, counted: the sizing cap that set each one's size
   * (confidence, volatility, depth, liquidityCost, position, minQty), the order limit, and urgency (a
   * first choice taken at once because the market moved too fast to wait).
   */
  readonly limits_bound: Readonly<Record<string, number>>;
  /** Warm predictions, and the signals among them (confidence at or above the threshold), acted on or not. */
  readonly predictions: number;
  readonly signals: number;
  /** Decisions whose one market order the venue rejected, filling nothing: not in the execution figures. */
  readonly rejected_decisions: number;
  readonly feed: FeedIntegrity | null;
  /** The position left open at the end, at its mark; null when flat. */
  readonly open_position: OpenPosition | null;
}

export function backtestReport(r: BacktestRecords): BacktestReport {
  return backtestReportOf(r, ledgerFigures(r.instrument, r));
}

/**
 * The report from the ledger's figures (ledger-fold.ts), folded as the rows came or from the rows read
 * back: the same report either way.
 */
export function backtestReportOf(r: BacktestFacts, ledger: LedgerFigures): BacktestReport {
  const capital = r.capitalUsdt;
  const pnlSeries = ledger.equity.pnl;
  const pnl = pnlSeries.length === 0 ? 0 : pnlSeries[pnlSeries.length - 1];
  // From the first LIVE book to the last where the summary says; else the equity intervals' span.
  const span = r.facts?.span ?? null;
  const covered = span === null ? r.to - r.from : span.to - span.from;
  const ratios = dailyRatiosOf(ledger.equity.dayEnds, capital, covered);
  const q = r.facts?.quality ?? null;
  // Weighted by quantity: a lot filled is a lot paid for, however the venue split the fills.
  const { slippage } = ledger.fills;
  const slippageLots = slippage.reduce((n, x) => n + x.lots, 0);
  const { ordered } = ledger.orders;
  const { filled, maker } = ledger.fills;
  const traded = ledger.fills.traded / CASH_PER_USDT;
  const fees = ledger.fills.fees / CASH_PER_USDT;
  const { resolved, hits, falseSignals } = r.signals;
  return {
    pnl,
    sharpe: ratios.sharpe,
    sortino: ratios.sortino,
    sharpe_basis: ratios.sharpe === null ? `none: ${formatSpan(covered)} of market time, under two days of returns; see per_trade` : `daily returns over ${ratios.days} days`,
    per_trade: perTradeOf(ledger.positions.roundTrips),
    max_drawdown: maxDrawdown(pnlSeries, capital),
    trades: ledger.fills.count,
    orders: ledger.orders.count,
    hit_rate: resolved === 0 ? null : hits / resolved,
    false_signal_rate: resolved === 0 ? null : falseSignals / resolved,
    signals_resolved: resolved,
    slippage_bps_mean: q !== null ? q.slippage_bps_mean : slippageLots === 0 ? null : slippage.reduce((n, x) => n + x.bps * x.lots, 0) / slippageLots,
    slippage_bps_p95: q !== null ? q.slippage_bps_p95 : slippageLots === 0 ? null : weightedQuantile(slippage, slippageLots, 0.95),
    fill_rate: r.execution !== null ? (r.execution.targetLots === 0 ? null : r.execution.filledLots / r.execution.targetLots) : ordered === 0 ? null : filled / ordered,
    parents: r.execution?.parents ?? ledger.orders.count,
    escalations: r.execution?.escalations ?? 0,
    taken_at_once: r.execution?.takenAtOnce ?? 0,
    replaces: r.execution?.replaced ?? 0,
    // Runs stored before amends counted none.
    amends: r.execution?.amended ?? 0,
    time_to_fill_ms_mean: q !== null ? q.time_to_fill_ms.mean : r.execution === null || r.execution.parentsFilled === 0 ? null : r.execution.fillMicros / r.execution.parentsFilled / 1000,
    time_to_fill_ms_p50: q !== null ? q.time_to_fill_ms.p50 : valueQuantile(r.execution?.fillTimesMs ?? [], 0.5),
    time_to_fill_ms_p95: q !== null ? q.time_to_fill_ms.p95 : valueQuantile(r.execution?.fillTimesMs ?? [], 0.95),
    maker_share: filled === 0 ? null : maker / filled,
    fees,
    turnover: traded / capital,
    exposure: exposureOf(ledger.positions, r.from, r.to) / capital,
    capital,
    hours: covered / 3_600_000_000,
    market_time: formatSpan(covered),
    markout_bps: q?.markout_bps ?? null,
    shortfall_bps_mean: q?.shortfall_bps_mean ?? null,
    escalation_rate: q?.escalation_rate ?? null,
    time_to_fill_ms: q === null ? { p50: valueQuantile(r.execution?.fillTimesMs ?? [], 0.5), p95: valueQuantile(r.execution?.fillTimesMs ?? [], 0.95) } : { p50: q.time_to_fill_ms.p50, p95: q.time_to_fill_ms.p95 },
    execution_classes: q?.by_class ?? null,
    paired_classes: q?.paired_classes ?? null,
    cost_per_lot_bps: q?.cost_per_lot_bps ?? null,
    refused_decisions: r.facts?.refusedDecisions ?? 0,
    limits_bound: r.facts?.limitsBound ?? {},
    predictions: r.facts?.predictions ?? 0,
    signals: r.facts?.signals ?? 0,
    rejected_decisions: q?.rejected_decisions ?? 0,
    feed: r.facts?.feed ?? null,
    open_position: r.facts?.openPosition ?? null,
  };
}

function maxDrawdown(pnl: ArrayLike<number>, capital: number): number {
  let peak = capital;
  let worst = 0;
  for (let i = 0; i < pnl.length; i++) {
    const equity = capital + pnl[i];
    if (equity > peak) peak = equity;
    worst = Math.max(worst, (peak - equity) / peak);
  }
  return worst;
}

