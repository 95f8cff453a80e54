import type { OrderStatus } from '../domain/trading/order.ts';
import type { Cash } from '../domain/values/units.ts';
import type {
  DailyPnl, EquityRecord, PositionSnapshotRecord, RowCounts, RunPnl, StoredRun, TradingStore,
} from './ports/trading-store.ts';

/** Slippage over the fills that had an arrival mid, ticks (positive: paid worse than the mid). */
export interface SlippageStats {
  readonly fills: number;
  readonly total: number;
  /** total / fills; null without such fills. */
  readonly mean: number | null;
}

/** What a backtest report and the dashboard show of one run. Money in Cash (1e-8 USDT), sizes in lots. */
export interface RunReport {
  readonly run: StoredRun;
  /** The rows the run stored, by kind. */
  readonly counts: RowCounts;
  /** The run's totals: realized PnL from its last position snapshot, fees, volume and fills from its fills. */
  readonly totals: RunPnl;
  /** Realized PnL net of fees: totals.realizedPnl - totals.fees. */
  readonly netRealizedPnl: Cash;
  readonly slippage: SlippageStats;
  /** The same figures per UTC day, with the day as `YYYY-MM-DD`. */
  readonly days: readonly (DailyPnl & { readonly date: string })[];
  /** The last position snapshot; null when the run recorded none. */
  readonly finalPosition: PositionSnapshotRecord | null;
  /** The last equity interval; null when the run recorded none. */
  readonly finalEquity: EquityRecord | null;
  /** Highest equity at an interval's end, and the largest fall from a previous high to a later end (≥ 0). */
  readonly peakEquity: Cash | null;
  readonly maxDrawdown: Cash;
  readonly signals: { readonly count: number; readonly acted: number };
  /** Orders by their latest status; statuses no order is in are absent. */
  readonly ordersByStatus: Readonly<Partial<Record<OrderStatus, number>>>;
}

/**
 * The report of one run, composed from the store's queries; null for an unknown run. Reads the
 * run's signals, orders, position snapshots and equity intervals whole: a report is made once a
 * run, not on the hot path.
 */
export async function runReport(store: TradingStore, runId: string): Promise<RunReport | null> {
  const run = await store.readRun(runId);
  if (run === null) return null;
  const [counts, byRun, days, positions, equity, signals, orders] = await Promise.all([
    store.rowCounts(runId),
    store.pnlByRun(runId),
    store.pnlByDay(runId),
    store.readPositionSnapshots(runId),
    store.readEquity(runId),
    store.readSignals(runId),
    store.readOrders(runId),
  ]);
  const totals = byRun[0];
  if (totals === undefined) throw new Error(`the store has run "${runId}" but no PnL figures for it`);
  const ordersByStatus: Partial<Record<OrderStatus, number>> = {};
  for (const order of orders) ordersByStatus[order.status] = (ordersByStatus[order.status] ?? 0) + 1;
  return {
    run,
    counts,
    totals,
    netRealizedPnl: (totals.realizedPnl - totals.fees) as Cash,
    slippage: { fills: totals.slippageFills, total: totals.totalSlippage, mean: totals.meanSlippage },
    days: days.map((day) => ({ ...day, date: utcDate(day.dayStart) })),
    finalPosition: positions.at(-1) ?? null,
    finalEquity: equity.at(-1) ?? null,
    ...drawdown(equity),
    signals: { count: signals.length, acted: signals.filter((s) => s.acted).length },
    ordersByStatus,
  };
}

/** The peak of the equity curve and its largest peak-to-later-trough fall, over interval ends. */
function drawdown(equity: readonly EquityRecord[]): { peakEquity: Cash | null; maxDrawdown: Cash } {
  let peak: number | null = null;
  let worst = 0;
  for (const { equity: value } of equity) {
    peak = peak === null ? value : Math.max(peak, value);
    worst = Math.max(worst, peak - value);
  }
  return { peakEquity: peak as Cash | null, maxDrawdown: worst as Cash };
}

/** `YYYY-MM-DD` of the UTC day holding `ts` (µs since the Unix epoch). */
export const utcDate = (ts: number): string => new Date(Math.floor(ts / 1000)).toISOString().slice(0, 10);
