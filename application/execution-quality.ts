import type { Fill } from '../domain/trading/fill.ts';
import { sideSign, type Side } from '../domain/trading/side.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import type { Micros } from '../domain/values/units.ts';
import { weightedQuantile } from '../domain/stats/weighted-quantile.ts';
import type { RunEvidence } from '../domain/execution/order-choice.ts';

/** How far on a decision's own move is measured (the chooser's evidence of a take's markout), µs. */
const MOVE_HORIZON_MICROS = 5_000_000;

/** The horizons fills are marked out at, ms, with their report keys. */
export const MARKOUT_HORIZONS = [['1s', 1_000], ['5s', 5_000], ['30s', 30_000]] as const;
export type MarkoutKey = (typeof MARKOUT_HORIZONS)[number][0];
export type Markouts = Record<MarkoutKey, number | null>;

/**
 * How a decision was executed: `maker` worked passively and never took; `escalated` worked passively,
 * then took the rest at market; `market` took at once (the baseline, or a decision urgent enough).
 */
export type ExecutionClass = 'maker' | 'escalated' | 'market';

export interface ClassFigures {
  readonly decisions: number;
  /** Mean implementation shortfall of the class's decisions, bps (positive: a cost). */
  readonly shortfall_bps_mean: number | null;
}

/**
 * A run's execution as traders measure it. Markouts: per filled lot, the mid's move from the fill
 * price after 1 s, 5 s and 30 s in bps, signed for the fill's side (negative: the market moved against
 * the fill, adverse selection). Implementation shortfall: per decision, against the exact mid when it
 * was taken (mid × 2, half ticks kept), what its fills paid over that mid, their fees, and for the part
 * never filled the mid's move from the decision to its end (the opportunity lost), over the decided
 * notional, in bps (positive: a cost).
 */
export interface ExecutionQualitySummary {
  readonly decisions: number;
  /** Decisions whose one market order the venue rejected, filling nothing: left out of every figure. */
  readonly rejected_decisions: number;
  readonly markout_bps: { readonly maker: Markouts; readonly taker: Markouts };
  /** Lots marked out at 5 s, by liquidity (markouts whose horizon passed before the run ended). */
  readonly markout_lots: { readonly maker: number; readonly taker: number };
  readonly shortfall_bps_mean: number | null;
  readonly by_class: Readonly<Record<ExecutionClass, ClassFigures>>;
  /** Decisions that took the rest at market after working passively, over decisions. */
  readonly escalation_rate: number | null;
  /** Filled lots that made liquidity, over filled lots (decisions' fills). */
  readonly maker_share: number | null;
  /** From decision to its last fill, escalations' market fills included, ms. */
  readonly time_to_fill_ms: { readonly p50: number | null; readonly p95: number | null; readonly mean: number | null };
  /** Per lot against the exact decision-time mid, bps: mean and 95th percentile over lots. */
  readonly slippage_bps_mean: number | null;
  readonly slippage_bps_p95: number | null;
  /**
   * Cost a lot decided, bps of the decided notional: fees, the shortfall without fees (price paid over
   * the decision mid and the unfilled part's move), minus the 5 s markout of the fills (a fill the
   * market moves against costs more than its price said), and their sum.
   */
  readonly cost_per_lot_bps: { readonly fees: number | null; readonly shortfall_ex_fees: number | null; readonly markout_5s: number | null; readonly total: number | null };
}

interface Decision {
  readonly side: Side;
  readonly target: number;
  readonly mid2: number;
  readonly startedAt: number;
  market: boolean;
  orders: number;
  escalated: boolean;
  filled: number;
  /** Σ side × (price − decision mid) × lots, in tick-lots; fees in Cash. */
  paid: number;
  fees: number;
  lastFillAt: number | null;
  /** Mid × 2 when the decision ended (its last order canceled or sent at market); null while working. */
  endMid2: number | null;
}

interface PendingMarkout {
  readonly due: number;
  readonly k: number;
  readonly sign: number;
  readonly price: number;
  readonly lots: number;
  readonly maker: boolean;
  /** A decision's escalation (a take after resting), for the chooser's evidence; null otherwise. */
  readonly escalation: boolean;
  /** The fill's price over its decision's mid, signed for its side, bps (0 outside a decision). */
  readonly slipBps: number;
}

/** Fills marked out at 5 s of one kind: how many, and Σ bps × lots over Σ lots. */
interface Evidence {
  fills: number;
  bpsLots: number;
  lots: number;
}

/**
 * Measures execution while a run goes on: the execution engine tells it of decisions, the orders they
 * send and their end; the order flow of fills; the trading loop of every LIVE book's mid. Venue time
 * only, so that replay, backtest and paper agree. Markouts resolve at the first book at or after their
 * horizon; those still pending when the run ends are left out.
 */
export class ExecutionQuality {
  private readonly decisions = new Map<number, Decision>();
  private readonly decisionOf = new Map<string, number>();
  private readonly pending: PendingMarkout[][] = MARKOUT_HORIZONS.map(() => []);
  private readonly heads = MARKOUT_HORIZONS.map(() => 0);
  /** Σ markout × lots and Σ lots, by horizon, maker then taker. */
  private readonly sums = MARKOUT_HORIZONS.map(() => ({ maker: 0, makerLots: 0, taker: 0, takerLots: 0 }));
  private readonly slippage: Array<{ readonly bps: number; readonly lots: number }> = [];
  private mid2: number | null = null;
  /** Lots of the decisions' fills that made liquidity. */
  private makerLots = 0;
  /** The chooser's evidence, from fills marked out at 5 s. */
  private readonly evidence: Record<'maker' | 'escalation', Evidence> = {
    maker: { fills: 0, bpsLots: 0, lots: 0 }, escalation: { fills: 0, bpsLots: 0, lots: 0 },
  };
  /** Decisions waiting for the mid 5 s on, and the moves of those resolved: Σ bps, signed for their side. */
  private readonly moves: Array<{ readonly due: number; readonly sign: number; readonly mid2: number }> = [];
  private movesHead = 0;
  private readonly moved = { decisions: 0, bps: 0 };
  private rejectedDecisions = 0;

  constructor(private readonly instrument: Instrument) {}

  /** A decision taken at `ts` with the mid × 2 then; `market` when it takes at once. */
  decide(id: number, side: Side, targetLots: number, mid2: number, ts: Micros, market: boolean): void {
    this.decisions.set(id, {
      side, target: targetLots, mid2, startedAt: ts, market, orders: 0, escalated: false, filled: 0, paid: 0, fees: 0, lastFillAt: null, endMid2: null,
    });
    this.moves.push({ due: ts + MOVE_HORIZON_MICROS, sign: sideSign(side), mid2 });
  }

  /** Forgets a decision that sent nothing (risk refused its first order). */
  drop(id: number): void {
    this.decisions.delete(id);
  }

  /**
   * The venue rejected an order. A decision that took at once with it alone and filled nothing never
   * reached the market (a size below the venue's minimum, say): it is counted apart, not as a decision
   * that cost nothing, which would lower the cost a lot by its notional.
   */
  rejected(orderId: string): void {
    const id = this.decisionOf.get(orderId);
    const d = id === undefined ? undefined : this.decisions.get(id);
    if (id === undefined || d === undefined || !d.market || d.orders !== 1 || d.filled !== 0) return;
    this.decisions.delete(id);
    this.rejectedDecisions++;
  }

  /**
   * An order sent for decision `id`. A market order as its first order makes it a market decision;
   * after passive orders, its escalation.
   */
  order(id: number, orderId: string, market: boolean): void {
    const d = this.decisions.get(id);
    if (d === undefined) return;
    this.decisionOf.set(orderId, id);
    if (market && d.orders === 0) d.market = true;
    else if (market && !d.market) d.escalated = true;
    d.orders++;
  }

  /** The decision has ended: what it has not filled by now stays unfilled, valued at this mid. */
  end(id: number): void {
    const d = this.decisions.get(id);
    if (d !== undefined && d.endMid2 === null) d.endMid2 = this.mid2 ?? d.mid2;
  }

  /** A LIVE book's mid × 2 at venue time `ts`: resolves every markout due by then. */
  book(ts: Micros, mid2: number | null): void {
    if (mid2 === null) return;
    this.mid2 = mid2;
    while (this.movesHead < this.moves.length && this.moves[this.movesHead].due <= ts) {
      const m = this.moves[this.movesHead++];
      this.moved.decisions++;
      this.moved.bps += ((m.sign * (mid2 - m.mid2)) / m.mid2) * 10_000;
    }
    if (this.movesHead > 1024 && this.movesHead * 2 > this.moves.length) {
      this.moves.splice(0, this.movesHead);
      this.movesHead = 0;
    }
    for (let k = 0; k < MARKOUT_HORIZONS.length; k++) {
      const queue = this.pending[k];
      while (this.heads[k] < queue.length && queue[this.heads[k]].due <= ts) {
        const p = queue[this.heads[k]++];
        const bps = (p.sign * (mid2 / 2 - p.price) / p.price) * 10_000;
        const sum = this.sums[k];
        if (k === 1) this.witness(p, bps);
        if (p.maker) {
          sum.maker += bps * p.lots;
          sum.makerLots += p.lots;
        } else {
          sum.taker += bps * p.lots;
          sum.takerLots += p.lots;
        }
      }
      if (this.heads[k] > 1024 && this.heads[k] * 2 > queue.length) {
        queue.splice(0, this.heads[k]);
        this.heads[k] = 0;
      }
    }
  }

  fill(fill: Fill): void {
    const sign = sideSign(fill.side);
    const id = this.decisionOf.get(fill.orderId);
    const d = id === undefined ? undefined : this.decisions.get(id);
    const maker = fill.liquidity === 'maker';
    const escalation = d !== undefined && !maker && !d.market;
    const slipBps = d === undefined ? 0 : ((sign * (fill.price - d.mid2 / 2)) / (d.mid2 / 2)) * 10_000;
    MARKOUT_HORIZONS.forEach(([, ms], k) => {
      this.pending[k].push({ due: fill.ts + ms * 1000, k, sign, price: fill.price, lots: fill.qty, maker, escalation, slipBps });
    });
    if (d === undefined) return;
    const mid = d.mid2 / 2;
    d.filled += fill.qty;
    d.paid += sign * (fill.price - mid) * fill.qty;
    d.fees += fill.fee;
    d.lastFillAt = fill.ts;
    if (maker) this.makerLots += fill.qty;
    this.slippage.push({ bps: (sign * (fill.price - mid) / mid) * 10_000, lots: fill.qty });
  }

  /** A fill marked out at 5 s, as evidence for the chooser. */
  private witness(p: PendingMarkout, markoutBps: number): void {
    const kind = p.maker ? 'maker' : p.escalation ? 'escalation' : null;
    if (kind === null) return;
    const e = this.evidence[kind];
    e.fills++;
    e.lots += p.lots;
    e.bpsLots += (kind === 'escalation' ? p.slipBps - markoutBps : markoutBps) * p.lots;
  }

  /** The run's own evidence on each way to place an order, from the fills marked out at 5 s so far. */
  chooserEvidence(): RunEvidence {
    const mean = (e: Evidence): number => (e.lots === 0 ? 0 : e.bpsLots / e.lots);
    const { maker, escalation } = this.evidence;
    const { decisions, bps } = this.moved;
    return {
      maker: { fills: maker.fills, markoutBps: mean(maker) },
      move: { decisions, bps: decisions === 0 ? 0 : bps / decisions },
      escalation: { fills: escalation.fills, costBps: mean(escalation) },
    };
  }

  summary(): ExecutionQualitySummary {
    const cashPerTickLot = this.instrument.cashPerTickLot;
    const byClass = { maker: [] as number[], escalated: [] as number[], market: [] as number[] };
    const times: number[] = [];
    let notional = 0;
    let fees = 0;
    let exFees = 0;
    let filled = 0;
    for (const d of this.decisions.values()) {
      const decided = (d.mid2 / 2) * d.target;
      const unfilled = Math.max(0, d.target - d.filled);
      const endMid2 = d.endMid2 ?? this.mid2 ?? d.mid2;
      const missed = (sideSign(d.side) * (endMid2 - d.mid2) / 2) * unfilled;
      const feeTickLots = d.fees / cashPerTickLot;
      byClass[d.market ? 'market' : d.escalated ? 'escalated' : 'maker'].push(((d.paid + missed + feeTickLots) / decided) * 10_000);
      notional += decided;
      fees += feeTickLots;
      exFees += d.paid + missed;
      if (d.lastFillAt !== null) times.push((d.lastFillAt - d.startedAt) / 1000);
    }
    for (const x of this.slippage) filled += x.lots;
    const all = [...byClass.maker, ...byClass.escalated, ...byClass.market];
    const markouts = (side: 'maker' | 'taker'): Markouts => {
      const out = {} as Record<MarkoutKey, number | null>;
      MARKOUT_HORIZONS.forEach(([key], k) => {
        const s = this.sums[k];
        const lots = side === 'maker' ? s.makerLots : s.takerLots;
        out[key] = lots === 0 ? null : (side === 'maker' ? s.maker : s.taker) / lots;
      });
      return out;
    };
    const five = this.sums[1];
    const fiveLots = five.makerLots + five.takerLots;
    const markout5 = fiveLots === 0 ? null : (five.maker + five.taker) / fiveLots;
    const per = (x: number): number | null => (notional === 0 ? null : (x / notional) * 10_000);
    const sorted = [...this.slippage].sort((a, b) => a.bps - b.bps);
    const decisions = all.length;
    const escalated = byClass.escalated.length;
    return {
      decisions,
      rejected_decisions: this.rejectedDecisions,
      markout_bps: { maker: markouts('maker'), taker: markouts('taker') },
      markout_lots: { maker: five.makerLots, taker: five.takerLots },
      shortfall_bps_mean: meanOf(all),
      by_class: {
        maker: { decisions: byClass.maker.length, shortfall_bps_mean: meanOf(byClass.maker) },
        escalated: { decisions: escalated, shortfall_bps_mean: meanOf(byClass.escalated) },
        market: { decisions: byClass.market.length, shortfall_bps_mean: meanOf(byClass.market) },
      },
      escalation_rate: decisions === 0 ? null : escalated / decisions,
      maker_share: filled === 0 ? null : this.makerLots / filled,
      time_to_fill_ms: { p50: quantile(times, 0.5), p95: quantile(times, 0.95), mean: meanOf(times) },
      slippage_bps_mean: filled === 0 ? null : sorted.reduce((n, x) => n + x.bps * x.lots, 0) / filled,
      slippage_bps_p95: filled === 0 ? null : weightedQuantile(sorted, filled, 0.95),
      cost_per_lot_bps: {
        fees: per(fees),
        shortfall_ex_fees: per(exFees),
        markout_5s: markout5,
        total: notional === 0 ? null : ((fees + exFees) / notional) * 10_000 - (markout5 ?? 0),
      },
    };
  }
}

const meanOf = (a: readonly number[]): number | null => (a.length === 0 ? null : a.reduce((s, x) => s + x, 0) / a.length);

/** The smallest value with at least `q` of the values at or below it; null for none. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
