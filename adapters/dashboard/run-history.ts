import { slippageBps } from '../../application/backtest-report.ts';
import type { BookSnapshotRecord, PositionSnapshotRecord, TradingStore } from '../../application/ports/trading-store.ts';
import { unwrap } from '../../domain/result.ts';
import { cashToNumber, createInstrument, lotsToNumber, notional, ticksToNumber, type Instrument } from '../../domain/values/instrument.ts';
import type { Cash, Lots, Ticks } from '../../domain/values/units.ts';

/**
 * What the dashboard of a stored run draws (GET /api/run), read once from the store. Like the live
 * snapshot: prices and sizes as numbers in the instrument's units (USDT, BTC), times in µs since the
 * Unix epoch (venue time), oldest first.
 */
export interface RunHistory {
  readonly runId: string;
  readonly symbol: string;
  readonly mode: string;
  readonly source: string;
  readonly modelId: string;
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
  readonly capital: number;
  readonly startedAt: number;
  /** Null for a run still open (under way, or left open by a process that died). */
  readonly endedAt: number | null;
  readonly endReason: string | null;
  /** The confidence threshold of the run's model (its manifest's, as the store recorded it); null when not recorded. */
  readonly threshold: number | null;
  /**
   * The mid, one point a second at most: the touch of the run's book snapshots (recorded each second of
   * venue time), else, for a run stored without them, the mids of its signals and the marks of its
   * position snapshots. `from` says which.
   */
  readonly mids: readonly { readonly t: number; readonly mid: number }[];
  readonly midsFrom: 'book snapshots' | 'signals and positions' | 'none';
  /** Every order, at its creation; `price` null for a market order. */
  readonly orders: readonly {
    readonly t: number; readonly id: string; readonly side: 'Buy' | 'Sell'; readonly type: string; readonly price: number | null;
    readonly qty: number; readonly filled: number; readonly status: string; readonly reduceOnly: boolean;
  }[];
  readonly fills: readonly {
    readonly t: number; readonly tradeId: string; readonly orderId: string; readonly side: 'Buy' | 'Sell'; readonly price: number;
    readonly qty: number; readonly liquidity: 'maker' | 'taker'; readonly fee: number; readonly slippageBps: number | null;
  }[];
  /** Signed BTC after each fill (positive long). */
  readonly position: readonly { readonly t: number; readonly qty: number }[];
  /** Net PnL (realized, unrealized at the mid, less fees) and equity, USDT, at each mid and each position snapshot. */
  readonly equity: readonly { readonly t: number; readonly equity: number; readonly pnl: number }[];
  /** The signals the run stored: those that cleared the model's threshold. */
  readonly signals: readonly { readonly t: number; readonly score: number; readonly confidence: number; readonly acted: boolean }[];
  /** The risk manager's trips, clears and kills, in order. */
  readonly risk: readonly { readonly t: number; readonly kind: string; readonly cause: string; readonly reason: string; readonly state: string }[];
}

const SECOND = 1_000_000;

/** The run's history; null for a run the store does not hold. */
export async function readRunHistory(store: TradingStore, runId: string, capitalUsdt: number): Promise<RunHistory | null> {
  const run = await store.readRun(runId);
  if (run === null) return null;
  const instrument = unwrap(createInstrument(run.instrument));
  const [books, signals, orders, fills, positions, risk, model] = await Promise.all([
    store.readBookSnapshots(runId), store.readSignals(runId), store.readOrders(runId), store.readFills(runId),
    store.readPositionSnapshots(runId), store.readRiskEvents(runId), store.readModel(run.modelId),
  ]);
  const px = (t: number): number => ticksToNumber(instrument, t as Ticks);
  const qty = (l: number): number => lotsToNumber(instrument, l as Lots);
  let midsFrom: RunHistory['midsFrom'] = 'book snapshots';
  let mid2 = touchMids(books);
  if (mid2.length === 0) {
    midsFrom = 'signals and positions';
    const points: [number, number][] = [];
    for (const s of signals) if (s.midTicks !== null) points.push([s.signal.ts, 2 * s.midTicks]);
    for (const p of positions) if (p.markTicks !== null) points.push([p.ts, 2 * p.markTicks]);
    mid2 = perSecond(points.sort((a, b) => a[0] - b[0]));
    if (mid2.length === 0) midsFrom = 'none';
  }
  const threshold = model?.manifest.threshold;
  return {
    runId,
    symbol: instrument.symbol,
    mode: run.mode,
    source: run.source,
    modelId: run.modelId,
    priceDecimals: instrument.priceScale,
    qtyDecimals: instrument.qtyScale,
    capital: capitalUsdt,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    endReason: run.endReason ?? null,
    threshold: typeof threshold === 'number' ? threshold : null,
    mids: mid2.map(([t, m]) => ({ t, mid: px(m / 2) })),
    midsFrom,
    orders: orders
      .map((o) => ({
        t: o.createdAt, id: o.id, side: o.side, type: o.type, price: o.limitPrice === null ? null : px(o.limitPrice),
        qty: qty(o.qty), filled: qty(o.filledQty), status: o.status, reduceOnly: o.reduceOnly,
      }))
      .sort((a, b) => a.t - b.t),
    fills: fills.map((f) => ({
      t: f.fill.ts, tradeId: f.fill.tradeId, orderId: f.fill.orderId, side: f.fill.side, price: px(f.fill.price), qty: qty(f.fill.qty),
      liquidity: f.fill.liquidity, fee: cashToNumber(f.fill.fee), slippageBps: f.arrivalMidTicks === null || f.arrivalMidTicks === 0 ? null : slippageBps(f),
    })),
    position: positions.map((p) => ({ t: p.ts, qty: qty(p.qty) })),
    equity: equityCurve(instrument, mid2, positions).map(([t, pnl]) => ({ t, equity: capitalUsdt + pnl, pnl })),
    signals: signals.map((s) => ({ t: s.signal.ts, score: s.signal.score, confidence: s.signal.confidence, acted: s.acted })),
    risk: risk.map((e) => ({ t: e.ts, kind: e.kind, cause: e.cause, reason: e.reason, state: e.state })),
  };
}

/** Twice the mid at each book snapshot with both sides, in ticks (an integer, exact). */
function touchMids(books: readonly BookSnapshotRecord[]): [number, number][] {
  const mids: [number, number][] = [];
  for (const b of books) if (b.bidTicks.length > 0 && b.askTicks.length > 0) mids.push([b.ts, b.bidTicks[0] + b.askTicks[0]]);
  return perSecond(mids);
}

/** The last point of each second, of points sorted by time. */
function perSecond(points: readonly [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const p of points) {
    const last = out.at(-1);
    if (last !== undefined && Math.floor(last[0] / SECOND) === Math.floor(p[0] / SECOND)) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

/**
 * Net PnL, USDT, at each mid (the position then held, marked at the mid rounded down to a tick, as the
 * run marks) and at each position snapshot (its own mark): realized - fees + qty × mark - cost basis,
 * summed exactly in Cash before the one conversion to a float.
 */
function equityCurve(instrument: Instrument, mid2: readonly [number, number][], positions: readonly PositionSnapshotRecord[]): [number, number][] {
  const out: [number, number][] = [];
  let k = -1;
  let i = 0;
  const at = (p: PositionSnapshotRecord | undefined, markTicks: number | null): number | null => {
    if (p === undefined) return 0;
    if (markTicks === null) return p.qty === 0 ? cashToNumber((p.realizedPnl - p.fees) as Cash) : null;
    return cashToNumber((p.realizedPnl - p.fees + notional(instrument, markTicks as Ticks, p.qty) - p.costBasis) as Cash);
  };
  // Merge the two time-sorted series; a snapshot and a mid at the same time: the snapshot first.
  while (i < mid2.length || k + 1 < positions.length) {
    const nextPos = positions[k + 1];
    if (nextPos !== undefined && (i >= mid2.length || nextPos.ts <= mid2[i][0])) {
      k++;
      const pnl = at(nextPos, nextPos.markTicks);
      if (pnl !== null) out.push([nextPos.ts, pnl]);
      continue;
    }
    const [t, m2] = mid2[i++];
    const pnl = at(positions[k], Math.floor(m2 / 2));
    if (pnl !== null) out.push([t, pnl]);
  }
  return out;
}
