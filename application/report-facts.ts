import type { ExecutionQualitySummary } from './execution-quality.ts';
import type { EquityRecord, PositionSnapshotRecord } from './ports/trading-store.ts';

/** 1 USDT in the store's cash unit (1e-8 USDT). */
const CASH_PER_USDT = 1e8;
const DAY_MICROS = 86_400_000_000;

/** What a run's stored summary says besides its rows: the feed's faults, the end, execution quality. */
export interface SummaryFacts {
  readonly feed: FeedIntegrity | null;
  readonly openPosition: OpenPosition | null;
  readonly quality: ExecutionQualitySummary | null;
  /** Decisions whose first order risk refused: counted apart, never judged as signals. */
  readonly refusedDecisions: number;
  /** What bound each smart decision, by name (ExecutionCounters.limitsBound); empty for runs stored before. */
  readonly limitsBound: Readonly<Record<string, number>>;
  /** Venue time of the first and last LIVE book, µs: the market time the run covered. */
  readonly span: { readonly from: number; readonly to: number } | null;
  /** Warm predictions the model made, and those whose confidence cleared its threshold (acted on or not). */
  readonly predictions: number;
  readonly signals: number;
}

export interface FeedIntegrity {
  readonly gaps: number;
  readonly resyncs: number;
  readonly malformed: number;
  readonly crossed: number;
  readonly stale_periods: number;
  /** Venue time the book was not LIVE, s (no decision is taken then). */
  readonly not_live_seconds: number;
  /** The book's state when the run ended. */
  readonly state_at_end: string;
}

/** The position the run ended with, still open, at the last mid (exact decimals as text). */
export interface OpenPosition {
  readonly qty: string;
  readonly avg_entry: string | null;
  readonly mark: string | null;
  readonly unrealized_usdt: string;
}

/** Reads the facts out of a stored run summary (a LoopSummary as JSON); absent parts are null. */
export function summaryFacts(summary: unknown): SummaryFacts {
  const s = (summary ?? {}) as {
    counters?: Partial<Record<'gaps' | 'resyncs' | 'malformed' | 'crossed' | 'stalePeriods' | 'predictions' | 'signals', number>>;
    bookState?: string;
    notLiveMicros?: number;
    venueSpan?: { from: number; to: number } | null;
    position?: { qty?: string; avgEntry?: string | null; mark?: string | null; unrealizedPnl?: string };
    execution?: { quality?: ExecutionQualitySummary; refusedDecisions?: number; limitsBound?: Record<string, number> } | null;
  };
  const c = s.counters;
  const feed = c === undefined ? null : {
    gaps: c.gaps ?? 0,
    resyncs: c.resyncs ?? 0,
    malformed: c.malformed ?? 0,
    crossed: c.crossed ?? 0,
    stale_periods: c.stalePeriods ?? 0,
    not_live_seconds: (s.notLiveMicros ?? 0) / 1e6,
    state_at_end: s.bookState ?? 'unknown',
  };
  const p = s.position;
  const open = p?.qty === undefined || Number(p.qty) === 0 ? null : {
    qty: p.qty, avg_entry: p.avgEntry ?? null, mark: p.mark ?? null, unrealized_usdt: p.unrealizedPnl ?? '0',
  };
  return { feed, openPosition: open, quality: s.execution?.quality ?? null, refusedDecisions: s.execution?.refusedDecisions ?? 0,
    limitsBound: s.execution?.limitsBound ?? {}, span: s.venueSpan ?? null,
    predictions: c?.predictions ?? 0, signals: c?.signals ?? 0 };
}

/** A span of market time as a person reads it: "10m 48s", "6h 0m", "2d 3h", "0.4s". */
export function formatSpan(micros: number): string {
  const seconds = Math.max(0, micros) / 1e6;
  if (seconds < 10) return `${Number(seconds.toFixed(1))}s`;
  const s = Math.round(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${rest}s`;
  return `${rest}s`;
}

/**
 * Sharpe and Sortino from daily returns on the starting capital (UTC days by the equity intervals'
 * ends), annualised by √365; null for a run with fewer than two days of returns or shorter than two
 * days of market time (ten minutes across midnight are not two days), where a ratio says nothing.
 */
export function dailyRatios(equity: readonly EquityRecord[], capital: number, coveredMicros: number): { sharpe: number | null; sortino: number | null; days: number } {
  const byDay = new Map<number, number>();
  for (const e of equity) byDay.set(Math.floor((e.intervalStart + e.interval - 1) / DAY_MICROS), e.equity / CASH_PER_USDT);
  return dailyRatiosOf(byDay, capital, coveredMicros);
}

/** dailyRatios from the PnL at each UTC day's last interval end, USDT, by day number. */
export function dailyRatiosOf(byDay: ReadonlyMap<number, number>, capital: number, coveredMicros: number): { sharpe: number | null; sortino: number | null; days: number } {
  const ends = [...byDay.entries()].sort((a, b) => a[0] - b[0]).map(([, pnl]) => pnl);
  const returns = ends.map((x, i) => (x - (i === 0 ? 0 : ends[i - 1])) / capital);
  if (returns.length < 2 || coveredMicros < 2 * DAY_MICROS) return { sharpe: null, sortino: null, days: returns.length };
  const m = returns.reduce((a, x) => a + x, 0) / returns.length;
  const sd = Math.sqrt(returns.reduce((a, x) => a + (x - m) ** 2, 0) / (returns.length - 1));
  const down = Math.sqrt(returns.reduce((a, x) => a + Math.min(0, x) ** 2, 0) / returns.length);
  const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
  return { sharpe: finite((m / sd) * Math.sqrt(365)), sortino: finite((m / down) * Math.sqrt(365)), days: returns.length };
}

/** Round trips closed (the position back to flat or through it), each's PnL net of fees, USDT. */
export interface PerTrade {
  readonly trades: number;
  readonly mean_usdt: number | null;
  readonly stdev_usdt: number | null;
  /** mean / stdev of the round trips, not annualised. */
  readonly ratio: number | null;
}

export function perTrade(positions: readonly PositionSnapshotRecord[]): PerTrade {
  const nets: number[] = [];
  let last = 0;
  let prevQty = 0;
  for (const p of positions) {
    const net = (p.realizedPnl - p.fees) / CASH_PER_USDT;
    const closed = prevQty !== 0 && (p.qty === 0 || Math.sign(p.qty) !== Math.sign(prevQty));
    if (closed) {
      nets.push(net - last);
      last = net;
    }
    prevQty = p.qty;
  }
  return perTradeOf(nets);
}

/** perTrade from the round trips' PnL net of fees, USDT, in order. */
export function perTradeOf(nets: ArrayLike<number>): PerTrade {
  if (nets.length === 0) return { trades: 0, mean_usdt: null, stdev_usdt: null, ratio: null };
  let sum = 0;
  for (let i = 0; i < nets.length; i++) sum += nets[i];
  const m = sum / nets.length;
  let squares = 0;
  for (let i = 0; i < nets.length; i++) squares += (nets[i] - m) ** 2;
  const sd = nets.length < 2 ? null : Math.sqrt(squares / (nets.length - 1));
  return { trades: nets.length, mean_usdt: m, stdev_usdt: sd, ratio: sd === null || sd === 0 ? null : m / sd };
}

/** "reduced by 55.1%" or "increased by 99.4%", from 1 − smart / baseline: never a negative reduction. */
export function slippageChange(reduction: number | null): string {
  if (reduction === null) return 'change n/a';
  return reduction >= 0 ? `reduced by ${(reduction * 100).toFixed(1)}%` : `increased by ${(-reduction * 100).toFixed(1)}%`;
}
