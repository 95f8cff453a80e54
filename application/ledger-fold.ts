import type { Order } from '../domain/trading/order.ts';
import { sideSign } from '../domain/trading/side.ts';
import { notional, type Instrument } from '../domain/values/instrument.ts';
import type { EquityRecord, FillRecord, PositionSnapshotRecord } from './ports/trading-store.ts';

/** 1 USDT in the store's cash unit (1e-8 USDT). */
const CASH_PER_USDT = 1e8;
const DAY_MICROS = 86_400_000_000;

/**
 * What a backtest report reads of a run's ledger (equity intervals, fills, orders, position
 * snapshots), folded: the figures backtest-report.ts computes from the rows, with the rows gone. Every
 * figure is made by the same operations in the same order as from the rows read back sorted, so a
 * report from the fold equals, digit for digit, the report from the held rows: sums of integers
 * (lots, Cash) in any order, the rest in the rows' read order.
 */
export interface LedgerFigures {
  /** Equity intervals, in time order: PnL net of fees at each end, USDT, and the last one of each UTC day. */
  readonly equity: {
    readonly count: number;
    readonly pnl: ArrayLike<number>;
    /** UTC day (of the interval's last µs) → PnL at the day's last interval end, USDT. */
    readonly dayEnds: ReadonlyMap<number, number>;
    /** The first interval's start and the last one's end, µs; 0 without intervals. */
    readonly from: number;
    readonly to: number;
  };
  readonly fills: {
    readonly count: number;
    /** Lots filled, lots that made liquidity; traded notional and fees, Cash. */
    readonly filled: number;
    readonly maker: number;
    readonly traded: number;
    readonly fees: number;
    /** Fills with an arrival mid: bps paid against it and lots, by bps (ties in fill-time order). */
    readonly slippage: readonly { readonly bps: number; readonly lots: number }[];
  };
  /** Distinct orders, and the lots of their latest versions. */
  readonly orders: { readonly count: number; readonly ordered: number };
  readonly positions: {
    readonly count: number;
    /** PnL net of fees of each round trip closed, USDT, in order. */
    readonly roundTrips: ArrayLike<number>;
    /** Σ |notional| USDT × µs held, over every snapshot but the last, which is held until `to` (exposureOf). */
    readonly weighted: number;
    readonly last: { readonly ts: number; readonly value: number } | null;
  };
}

/**
 * Folds a run's ledger rows as they come. Equity intervals and position snapshots must come in their
 * read order (interval start, seq), as one writer writes them: the last key again is a batch written
 * twice and is left out, as a store keeps a key once; an earlier key throws, since the figures made
 * in order could not take it. Fills and orders may come in any order: their sums are of integers, and
 * the slippage list is sorted as the memory store reads fills back.
 */
export class LedgerFold {
  private equityCount = 0;
  private pnl = new Float64Array(256);
  private readonly dayEnds = new Map<number, number>();
  private from = 0;
  private to = 0;
  private lastIntervalStart = -Infinity;

  private fillCount = 0;
  private filled = 0;
  private maker = 0;
  private traded = 0;
  private fees = 0;
  /** Arrival order; sorted by fill time then bps when read (figures()). */
  private readonly slippage: { bps: number; lots: number; ts: number; tradeId: string }[] = [];

  /** Order id → lots of its latest version (as written); read back, each order is counted as given. */
  private readonly orderQty = new Map<string, number>();
  private readCount = 0;
  private readOrdered = 0;

  private positionCount = 0;
  private roundTrips = new Float64Array(64);
  private roundTripCount = 0;
  private weighted = 0;
  private lastPosition: { ts: number; value: number } | null = null;
  private lastSeq = -Infinity;
  private lastNet = 0;
  private prevQty = 0;

  /**
   * `readBack`: the rows come as a store reads them back, each kind in its read order and without
   * repeats; they are taken as given, the order of ties among fills included. Else they come as they
   * are written, and the fills are sorted as the memory store reads them back (fill time, trade id).
   */
  constructor(
    private readonly instrument: Instrument,
    private readonly readBack = false,
  ) {}

  addEquity(e: EquityRecord): void {
    if (!this.readBack && e.intervalStart <= this.lastIntervalStart) {
      if (e.intervalStart === this.lastIntervalStart) return;
      throw new Error(`equity interval ${e.intervalStart} came after ${this.lastIntervalStart}: the fold needs them in time order`);
    }
    this.lastIntervalStart = e.intervalStart;
    if (this.equityCount === 0) this.from = e.intervalStart;
    this.to = e.intervalStart + e.interval;
    if (this.equityCount === this.pnl.length) this.pnl = grown(this.pnl);
    const usdt = e.equity / CASH_PER_USDT;
    this.pnl[this.equityCount++] = usdt;
    this.dayEnds.set(Math.floor((e.intervalStart + e.interval - 1) / DAY_MICROS), usdt);
  }

  addFill(f: FillRecord): void {
    const { fill } = f;
    this.fillCount++;
    this.filled += fill.qty;
    if (fill.liquidity === 'maker') this.maker += fill.qty;
    this.traded += notional(this.instrument, fill.price, fill.qty);
    this.fees += fill.fee;
    if (f.arrivalMidTicks !== null) this.slippage.push({ bps: slippageBps(f), lots: fill.qty, ts: fill.ts, tradeId: fill.tradeId });
  }

  addOrder(order: Order): void {
    if (!this.readBack) {
      this.orderQty.set(order.id, order.qty);
      return;
    }
    this.readCount++;
    this.readOrdered += order.qty;
  }

  addPosition(p: PositionSnapshotRecord): void {
    if (!this.readBack && p.seq <= this.lastSeq) {
      if (p.seq === this.lastSeq) return;
      throw new Error(`position snapshot ${p.seq} came after ${this.lastSeq}: the fold needs them in seq order`);
    }
    this.lastSeq = p.seq;
    this.positionCount++;
    // Round trips, as perTrade reads them.
    const net = (p.realizedPnl - p.fees) / CASH_PER_USDT;
    const closed = this.prevQty !== 0 && (p.qty === 0 || Math.sign(p.qty) !== Math.sign(this.prevQty));
    if (closed) {
      if (this.roundTripCount === this.roundTrips.length) this.roundTrips = grown(this.roundTrips);
      this.roundTrips[this.roundTripCount++] = net - this.lastNet;
      this.lastNet = net;
    }
    this.prevQty = p.qty;
    // Exposure, as backtest-report.ts weighs it: the previous snapshot is held until this one.
    if (this.lastPosition !== null) this.weighted += this.lastPosition.value * Math.max(0, p.ts - this.lastPosition.ts);
    const cash = p.markTicks === null ? Math.abs(p.costBasis) : notional(this.instrument, p.markTicks, Math.abs(p.qty) as typeof p.qty);
    this.lastPosition = { ts: p.ts, value: cash / CASH_PER_USDT };
  }

  /** Distinct orders so far (rowCounts' orders). */
  get orderCount(): number {
    return this.readCount + this.orderQty.size;
  }

  figures(): LedgerFigures {
    const byTime = this.readBack ? this.slippage : this.slippage.slice().sort((a, b) => a.ts - b.ts || compare(a.tradeId, b.tradeId));
    let ordered = this.readOrdered;
    for (const qty of this.orderQty.values()) ordered += qty;
    return {
      equity: { count: this.equityCount, pnl: this.pnl.subarray(0, this.equityCount), dayEnds: this.dayEnds, from: this.from, to: this.to },
      fills: {
        count: this.fillCount, filled: this.filled, maker: this.maker, traded: this.traded, fees: this.fees,
        slippage: byTime.map(({ bps, lots }) => ({ bps, lots })).sort((a, b) => a.bps - b.bps),
      },
      orders: { count: this.readCount + this.orderQty.size, ordered },
      positions: {
        count: this.positionCount, roundTrips: this.roundTrips.subarray(0, this.roundTripCount), weighted: this.weighted, last: this.lastPosition,
      },
    };
  }
}

/**
 * The figures of rows read back from a store (equity by interval start, fills by fill time, position
 * snapshots by seq): the fold over them, taken in the order given.
 */
export function ledgerFigures(
  instrument: Instrument,
  rows: { readonly equity: readonly EquityRecord[]; readonly fills: readonly FillRecord[]; readonly orders: readonly Order[]; readonly positions: readonly PositionSnapshotRecord[] },
): LedgerFigures {
  const fold = new LedgerFold(instrument, true);
  for (const e of rows.equity) fold.addEquity(e);
  for (const f of rows.fills) fold.addFill(f);
  for (const o of rows.orders) fold.addOrder(o);
  for (const p of rows.positions) fold.addPosition(p);
  return fold.figures();
}

/** Time-weighted mean |position notional| in USDT over [from, to), the last snapshot held until `to`. */
export function exposureOf(p: LedgerFigures['positions'], from: number, to: number): number {
  if (p.count === 0 || p.last === null || to <= from) return 0;
  return (p.weighted + p.last.value * Math.max(0, to - p.last.ts)) / (to - from);
}

/** bps paid against the arrival mid: buying above it or selling below it is positive. */
export function slippageBps(f: FillRecord): number {
  const mid = f.arrivalMidTicks as number;
  return (sideSign(f.fill.side) * (f.fill.price - mid) / mid) * 10_000;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function grown(a: Float64Array): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
