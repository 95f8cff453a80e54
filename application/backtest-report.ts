import type { SignalOutcomeCounts } from '../domain/backtest/signal-outcomes.ts';
import type { ExecutionCounters } from './execution-engine.ts';
import type { Order } from '../domain/trading/order.ts';
import { valueQuantile, type ValueCounts } from '../domain/stats/value-histogram.ts';
import { sideSign } from '../domain/trading/side.ts';
import { notional, type Instrument } from '../domain/values/instrument.ts';
import type { EquityRecord, FillRecord, PositionSnapshotRecord } from './ports/trading-store.ts';

/** 1 USDT in the store's cash unit (1e-8 USDT). */
const CASH_PER_USDT = 1e8;
const MINUTES_PER_YEAR = 365 * 24 * 60;

export interface BacktestRecords {
  readonly instrument: Instrument;
  /** Starting equity, USDT: returns, drawdown, turnover and exposure are relative to it. */
  readonly capitalUsdt: number;
  /** Per interval, in time order; equity is the run's PnL net of fees (0 at the start). */
  readonly equity: readonly EquityRecord[];
  readonly fills: readonly FillRecord[];
  readonly orders: readonly Order[];
  readonly positions: readonly PositionSnapshotRecord[];
  readonly signals: SignalOutcomeCounts;
  /** The execution engine's counters; null for a run without one (fill rate is then by order). */
  readonly execution:
    | (Pick<ExecutionCounters, 'parents' | 'targetLots' | 'filledLots' | 'escalations' | 'parentsFilled' | 'fillMicros'> & {
      /** A histogram (value → count); a list of every value in runs stored before it. */
      readonly fillTimesMs: ValueCounts | readonly number[];
    })
    | null;
  /** Venue time the run covered, µs. */
  readonly from: number;
  readonly to: number;
}

/**
 * A backtest's figures under the keys the issue names. Money in USDT, rates in [0, 1], slippage in bps
 * (positive: paid against the arrival mid), Sharpe and Sortino annualised from the per-interval
 * returns on the starting capital. A figure that cannot be measured (no fills, no resolved signal) is
 * null.
 */
export interface BacktestReport {
  readonly pnl: number;
  readonly sharpe: number | null;
  readonly sortino: number | null;
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
  /** Decisions (parent orders) and how many took the rest at market. */
  readonly parents: number;
  readonly escalations: number;
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
}

export function backtestReport(r: BacktestRecords): BacktestReport {
  const capital = r.capitalUsdt;
  const pnlSeries = r.equity.map((e) => e.equity / CASH_PER_USDT);
  const pnl = pnlSeries.at(-1) ?? 0;
  const returns = pnlSeries.map((x, i) => (x - (i === 0 ? 0 : pnlSeries[i - 1])) / capital);
  const intervalMinutes = r.equity.length === 0 ? 1 : r.equity[0].interval / 60_000_000;
  const perYear = Math.sqrt(MINUTES_PER_YEAR / intervalMinutes);
  // Weighted by quantity: a lot filled is a lot paid for, however the venue split the fills.
  const slippage = r.fills.flatMap((f) => (f.arrivalMidTicks === null ? [] : [{ bps: slippageBps(f), lots: f.fill.qty }])).sort((a, b) => a.bps - b.bps);
  const slippageLots = slippage.reduce((n, x) => n + x.lots, 0);
  const ordered = r.orders.reduce((n, o) => n + o.qty, 0);
  const filled = r.fills.reduce((n, f) => n + f.fill.qty, 0);
  const maker = r.fills.reduce((n, f) => n + (f.fill.liquidity === 'maker' ? f.fill.qty : 0), 0);
  const traded = r.fills.reduce((n, f) => n + notional(r.instrument, f.fill.price, f.fill.qty), 0) / CASH_PER_USDT;
  const fees = r.fills.reduce((n, f) => n + f.fill.fee, 0) / CASH_PER_USDT;
  const { resolved, hits, falseSignals } = r.signals;
  return {
    pnl,
    sharpe: ratio(mean(returns), stdev(returns), perYear),
    sortino: ratio(mean(returns), downside(returns), perYear),
    max_drawdown: maxDrawdown(pnlSeries, capital),
    trades: r.fills.length,
    orders: r.orders.length,
    hit_rate: resolved === 0 ? null : hits / resolved,
    false_signal_rate: resolved === 0 ? null : falseSignals / resolved,
    signals_resolved: resolved,
    slippage_bps_mean: slippageLots === 0 ? null : slippage.reduce((n, x) => n + x.bps * x.lots, 0) / slippageLots,
    slippage_bps_p95: slippageLots === 0 ? null : weightedQuantile(slippage, slippageLots, 0.95),
    fill_rate: r.execution !== null ? (r.execution.targetLots === 0 ? null : r.execution.filledLots / r.execution.targetLots) : ordered === 0 ? null : filled / ordered,
    parents: r.execution?.parents ?? r.orders.length,
    escalations: r.execution?.escalations ?? 0,
    time_to_fill_ms_mean: r.execution === null || r.execution.parentsFilled === 0 ? null : r.execution.fillMicros / r.execution.parentsFilled / 1000,
    time_to_fill_ms_p50: valueQuantile(r.execution?.fillTimesMs ?? [], 0.5),
    time_to_fill_ms_p95: valueQuantile(r.execution?.fillTimesMs ?? [], 0.95),
    maker_share: filled === 0 ? null : maker / filled,
    fees,
    turnover: traded / capital,
    exposure: exposure(r) / capital,
    capital,
    hours: (r.to - r.from) / 3_600_000_000,
  };
}

/** bps paid against the arrival mid: buying above it or selling below it is positive. */
export function slippageBps(f: FillRecord): number {
  const mid = f.arrivalMidTicks as number;
  return (sideSign(f.fill.side) * (f.fill.price - mid) / mid) * 10_000;
}

/** Time-weighted mean |position notional| in USDT, at each snapshot's mark (its cost basis without one). */
function exposure(r: BacktestRecords): number {
  if (r.positions.length === 0 || r.to <= r.from) return 0;
  let weighted = 0;
  for (let i = 0; i < r.positions.length; i++) {
    const p = r.positions[i];
    const until = i + 1 < r.positions.length ? r.positions[i + 1].ts : r.to;
    const cash = p.markTicks === null ? Math.abs(p.costBasis) : notional(r.instrument, p.markTicks, Math.abs(p.qty) as typeof p.qty);
    const value = cash / CASH_PER_USDT;
    weighted += value * Math.max(0, until - p.ts);
  }
  return weighted / (r.to - r.from);
}

/** The smallest value with at least `q` of the lots at or below it. */
function weightedQuantile(sorted: readonly { readonly bps: number; readonly lots: number }[], total: number, q: number): number {
  let seen = 0;
  for (const x of sorted) {
    seen += x.lots;
    if (seen >= q * total) return x.bps;
  }
  return sorted[sorted.length - 1].bps;
}

function maxDrawdown(pnl: readonly number[], capital: number): number {
  let peak = capital;
  let worst = 0;
  for (const x of pnl) {
    const equity = capital + x;
    if (equity > peak) peak = equity;
    worst = Math.max(worst, (peak - equity) / peak);
  }
  return worst;
}

const mean = (a: readonly number[]): number => (a.length === 0 ? NaN : a.reduce((s, x) => s + x, 0) / a.length);

function stdev(a: readonly number[]): number {
  if (a.length < 2) return NaN;
  const m = mean(a);
  return Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / (a.length - 1));
}

/** Root mean square of the negative returns (the target is 0), over every return. */
function downside(a: readonly number[]): number {
  if (a.length < 2) return NaN;
  return Math.sqrt(a.reduce((s, x) => s + Math.min(0, x) ** 2, 0) / a.length);
}

function ratio(m: number, s: number, scale: number): number | null {
  const v = (m / s) * scale;
  return Number.isFinite(v) ? v : null;
}
