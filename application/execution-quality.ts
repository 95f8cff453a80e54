import type { Fill } from '../domain/trading/fill.ts';
import { sideSign, type Side } from '../domain/trading/side.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import type { Micros } from '../domain/values/units.ts';
import { SignificantHistogram } from '../domain/stats/significant-histogram.ts';
import type { RunEvidence } from '../domain/execution/order-choice.ts';
import { DecisionTally, type ClassFigures, type DecisionOutcome, type ExecutionClass } from './execution-tally.ts';

export type { ClassFigures, ExecutionClass } from './execution-tally.ts';

/*
 * One piece (about 500 lines): the measure's events (decide, order, fill, book, end, forgotten) all
 * move the same per-decision state and the queues of pending markouts, and a decision is forgotten only
 * when all of them are done with it; the sums it is folded into live in execution-tally.ts.
 */

/** How far on a decision's own move is measured (the chooser's evidence of a take's markout), µs. */
const MOVE_HORIZON_MICROS = 5_000_000;

/**
 * Significant digits the slippage's p95 is kept to: the exact weighted percentile rounded to four
 * significant digits, at most 0.05% from it.
 */
export const SLIPPAGE_DIGITS = 4;

/** A queue of pending markouts or moves drops the entries it has taken once there are this many and they are half of it. */
const COMPACT_AFTER = 32;

/** The horizons fills are marked out at, ms, with their report keys. */
export const MARKOUT_HORIZONS = [['1s', 1_000], ['5s', 5_000], ['30s', 30_000]] as const;
export type MarkoutKey = (typeof MARKOUT_HORIZONS)[number][0];
export type Markouts = Record<MarkoutKey, number | null>;

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
  /**
   * A run that executed another run's decisions (the paired comparison): its decisions grouped by how
   * that run executed each one, so that each group is compared with the same decisions there. Null
   * in any other run.
   */
  readonly paired_classes: Readonly<Record<ExecutionClass, ClassFigures>> | null;
  /** Decisions that took the rest at market after working passively, over decisions. */
  readonly escalation_rate: number | null;
  /** Filled lots that made liquidity, over filled lots (decisions' fills). */
  readonly maker_share: number | null;
  /**
   * From decision to its last fill, escalations' market fills included, ms; p50 and p95 rounded to four
   * significant digits (TIME_TO_FILL_DIGITS: 0.1 ms below a second, 1 ms below ten), the mean exact.
   */
  readonly time_to_fill_ms: { readonly p50: number | null; readonly p95: number | null; readonly mean: number | null };
  /** Per lot against the exact decision-time mid, bps: mean and 95th percentile over lots (to four significant digits, SLIPPAGE_DIGITS). */
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
  readonly id: number;
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
  /** Σ 5 s markout × lots of its fills marked out so far, and their lots. */
  markBpsLots: number;
  markLots: number;
  /** How the run compared executed this decision (a paired run's); null otherwise. */
  readonly paired: ExecutionClass | null;
  /**
   * A decision the chooser first rested: the probability it gave the rest of filling, and the price a
   * take at once would have paid (ticks, the book walked for its size): the paired take the
   * escalation is measured against.
   */
  expected: { readonly fillProbability: number; readonly takePrice: number } | null;
  /** Lots it filled resting (maker fills). */
  makerFilled: number;
  /** Mid × 2 five seconds after the decision: the markout a take at once would have had. */
  mid5s2: number | null;
  judged: boolean;
  /** Its orders the order flow has not forgotten yet (a fill may still come for them). */
  openOrders: number;
  /** Its fills whose 5 s markout is still pending (it adds to `markBpsLots`). */
  pendingMarks: number;
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
  /** At 5 s, the decision the fill is for, whose 5 s markout it adds to; null outside a decision and at 1 s and 30 s. */
  readonly decision: Decision | null;
}

/** Fills marked out at 5 s of one kind: how many, and Σ bps × lots over Σ lots. */
interface Evidence {
  fills: number;
  bpsLots: number;
  lots: number;
}

function add(e: Evidence, bps: number, lots: number): void {
  e.fills++;
  e.lots += lots;
  e.bpsLots += bps * lots;
}

/**
 * Measures execution while a run goes on: the execution engine tells it of decisions, the orders they
 * send and their end; the order flow of fills and of the orders it forgets; the trading loop of every
 * LIVE book's mid. Venue time only, so that replay, backtest and paper agree. Markouts resolve at the
 * first book at or after their horizon; those still pending when the run ends are left out.
 *
 * Bounded: a decision is kept only until nothing about it can change, that is once it has ended, the
 * order flow has forgotten every order it sent (so no fill can come for them: a canceled order is
 * forgotten an hour after its cancel, order-flow.ts) and its fills' 5 s markouts are taken (the 1 s and
 * 30 s ones do not touch it). It is then added to the run's sums (execution-tally.ts) and forgotten,
 * with the decision of each of its orders. A fill the venue reports for an order after the order flow
 * forgot it counts as one outside any decision (its markouts, not its decision's shortfall). The
 * slippage's p95 and the time to fill's p50 and p95 come from histograms kept to four significant
 * digits. What stays: the decisions of the last hour or so, the fills of the last 30 s awaiting their
 * markouts, and the decisions of the last 5 s awaiting their moves.
 */
export class ExecutionQuality {
  private readonly decisions = new Map<number, Decision>();
  private readonly decisionOf = new Map<string, number>();
  private readonly pending: PendingMarkout[][] = MARKOUT_HORIZONS.map(() => []);
  private readonly heads = MARKOUT_HORIZONS.map(() => 0);
  /** Σ markout × lots and Σ lots, by horizon, maker then taker. */
  private readonly sums = MARKOUT_HORIZONS.map(() => ({ maker: 0, makerLots: 0, taker: 0, takerLots: 0 }));
  /** The decisions' fills: Σ slippage × lots (bps), their lots, and the slippage's histogram weighted by lots. */
  private slipBpsLots = 0;
  private filledLots = 0;
  private readonly slippage = new SignificantHistogram(SLIPPAGE_DIGITS);
  /** The decisions forgotten, added up. */
  private readonly done: DecisionTally;
  private mid2: number | null = null;
  /** Lots of the decisions' fills that made liquidity. */
  private makerLots = 0;
  /** The chooser's evidence, from fills marked out at 5 s. */
  private readonly evidence: Record<'maker' | 'escalation', Evidence> = {
    maker: { fills: 0, bpsLots: 0, lots: 0 }, escalation: { fills: 0, bpsLots: 0, lots: 0 },
  };
  /** Of the decisions the chooser first rested: Σ the fill probability it expected, and Σ the share of lots they filled resting. */
  private readonly fills = { decisions: 0, expected: 0, filled: 0 };
  /** The decisions' moves 5 s on (a take's markout) and over the time a child may rest (the drift a wait gives away). */
  private readonly moved5s = new DecisionMoves(MOVE_HORIZON_MICROS);
  private readonly movedRest: DecisionMoves;
  private rejectedDecisions = 0;

  /** `restMicros`: how long a passive child may rest before it takes (the chooser's wait); 300 ms when absent. */
  constructor(instrument: Instrument, restMicros = 300_000) {
    this.movedRest = new DecisionMoves(restMicros);
    this.done = new DecisionTally(instrument.cashPerTickLot);
  }

  /**
   * A decision taken at `ts` with the mid × 2 then; `market` when it takes at once. `paired`: how the
   * run this one is compared with executed the same decision (the paired comparison's run).
   */
  decide(id: number, side: Side, targetLots: number, mid2: number, ts: Micros, market: boolean, paired: ExecutionClass | null = null): void {
    const d: Decision = {
      id, side, target: targetLots, mid2, startedAt: ts, market, orders: 0, escalated: false, filled: 0, paid: 0, fees: 0, lastFillAt: null, endMid2: null,
      markBpsLots: 0, markLots: 0, paired, expected: null, makerFilled: 0, mid5s2: null, judged: false, openOrders: 0, pendingMarks: 0,
    };
    this.decisions.set(id, d);
    this.moved5s.decide(ts, side, mid2, d);
    this.movedRest.decide(ts, side, mid2, null);
  }

  /**
   * The chooser first rested decision `id`: the probability it gave the rest of filling within the time
   * it may rest, and the price a take at once would have paid (ticks, the book walked for the decision's
   * size). The share the decision then filled resting is set against the first; an escalation's cost
   * against what that take would have cost (its price and 5 s markout).
   */
  expectRest(id: number, fillProbability: number, takePrice: number): void {
    const d = this.decisions.get(id);
    if (d === undefined || d.expected !== null || !(fillProbability >= 0 && fillProbability <= 1) || !(takePrice > 0)) return;
    d.expected = { fillProbability, takePrice };
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
    if (this.decisionOf.get(orderId) !== id) {
      this.decisionOf.set(orderId, id);
      d.openOrders++;
    }
    if (market && d.orders === 0) d.market = true;
    else if (market && !d.market) d.escalated = true;
    d.orders++;
  }

  /**
   * The order flow forgot the order (order-flow.ts's `forgotten`): no report about it will be applied
   * to an order again, so its decision is not waited on for it any more.
   */
  forgotten(orderId: string): void {
    const id = this.decisionOf.get(orderId);
    if (id === undefined) return;
    this.decisionOf.delete(orderId);
    const d = this.decisions.get(id);
    if (d === undefined) return;
    d.openOrders--;
    this.settle(d);
  }

  /**
   * The decision has ended: what it has not filled by now stays unfilled, valued at this mid. Returns
   * how it was executed; null for a decision not measured (dropped, or rejected). Called once a
   * decision: one ended already may have been forgotten since.
   */
  end(id: number): ExecutionClass | null {
    const d = this.decisions.get(id);
    if (d === undefined) return null;
    if (d.endMid2 === null) {
      d.endMid2 = this.mid2 ?? d.mid2;
      this.judge(d);
      this.settle(d);
    }
    return classOf(d);
  }

  /** Once nothing about the decision can change (see the class's comment): into the sums, and forgotten. */
  private settle(d: Decision): void {
    if (d.endMid2 === null || d.openOrders > 0 || d.pendingMarks > 0 || this.decisions.get(d.id) !== d) return;
    this.decisions.delete(d.id);
    this.done.add(outcome(d, d.endMid2));
  }

  /** Once a rested decision has ended: the share it filled resting, against the probability expected. */
  private judge(d: Decision): void {
    const e = d.expected;
    if (d.judged || e === null || d.endMid2 === null) return;
    d.judged = true;
    this.fills.decisions++;
    this.fills.expected += e.fillProbability;
    this.fills.filled += d.makerFilled / d.target;
  }

  /** A LIVE book's mid × 2 at venue time `ts`: resolves every markout due by then. */
  book(ts: Micros, mid2: number | null): void {
    if (mid2 === null) return;
    this.mid2 = mid2;
    const moved = this.moved5s.book(ts, mid2);
    for (let i = 0; i < moved.length; i++) moved[i].mid5s2 = mid2;
    this.movedRest.book(ts, mid2);
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
        const d = p.decision;
        if (d !== null) {
          d.markBpsLots += bps * p.lots;
          d.markLots += p.lots;
          d.pendingMarks--;
          this.settle(d);
        }
      }
      // The entries taken are dropped once they are at least half the queue (amortized O(1) a markout):
      // left in place, up to a thousand of them kept their decisions alive between compactions.
      if (this.heads[k] >= COMPACT_AFTER && this.heads[k] * 2 >= queue.length) {
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
      // Only the 5 s markout adds to the decision (its cost a lot, the chooser's evidence); the others hold no reference to it.
      this.pending[k].push({ due: fill.ts + ms * 1000, k, sign, price: fill.price, lots: fill.qty, maker, escalation, slipBps, decision: k === 1 ? d ?? null : null });
    });
    if (d === undefined) return;
    d.pendingMarks++;
    const mid = d.mid2 / 2;
    d.filled += fill.qty;
    d.paid += sign * (fill.price - mid) * fill.qty;
    d.fees += fill.fee;
    d.lastFillAt = fill.ts;
    if (maker) {
      this.makerLots += fill.qty;
      d.makerFilled += fill.qty;
    }
    const bps = (sign * (fill.price - mid) / mid) * 10_000;
    this.slipBpsLots += bps * fill.qty;
    this.filledLots += fill.qty;
    this.slippage.record(bps, fill.qty);
  }

  /**
   * A fill marked out at 5 s, as evidence for the chooser: a maker fill's markout; an escalation's cost
   * (its price over the decision's mid less its 5 s markout) over what a take at once would have cost
   * on the same decision, its paired take (price and 5 s markout), once that is known.
   */
  private witness(p: PendingMarkout, markoutBps: number): void {
    if (p.maker) {
      add(this.evidence.maker, markoutBps, p.lots);
      return;
    }
    const d = p.decision;
    if (!p.escalation || d === null || d.expected === null || d.mid5s2 === null) return;
    const s = sideSign(d.side);
    const mid = d.mid2 / 2;
    const take = d.expected.takePrice;
    const atOnce = ((s * (take - mid)) / mid) * 10_000 - ((s * (d.mid5s2 / 2 - take)) / take) * 10_000;
    add(this.evidence.escalation, p.slipBps - markoutBps - atOnce, p.lots);
  }

  /** The run's own evidence on each way to place an order, from the fills marked out at 5 s so far. */
  chooserEvidence(): RunEvidence {
    const mean = (e: Evidence): number => (e.lots === 0 ? 0 : e.bpsLots / e.lots);
    const { maker, escalation } = this.evidence;
    return {
      maker: { fills: maker.fills, markoutBps: mean(maker) },
      move: this.moved5s.mean(),
      drift: this.movedRest.mean(),
      escalation: { fills: escalation.fills, premiumBps: mean(escalation) },
      fills: { decisions: this.fills.decisions, expected: this.fills.expected, filled: this.fills.filled },
    };
  }

  /** How decision `id` was executed so far; null for a decision not measured, or no longer held. */
  classOf(id: number): ExecutionClass | null {
    const d = this.decisions.get(id);
    return d === undefined ? null : classOf(d);
  }

  /**
   * What the measure holds now, for the tests of its bound: decisions, orders' decisions, pending
   * markouts and moves, and the distinct values of its two histograms.
   */
  get held(): { readonly decisions: number; readonly orders: number; readonly pending: number; readonly histograms: number } {
    const pending = this.pending.reduce((n, q, k) => n + q.length - this.heads[k], 0) + this.moved5s.held + this.movedRest.held;
    return { decisions: this.decisions.size, orders: this.decisionOf.size, pending, histograms: this.slippage.size + this.done.histogramSize };
  }

  summary(): ExecutionQualitySummary {
    // The decisions still held (working, or awaiting a fill or markout) are added to a copy of the sums:
    // a working one's unfilled part valued at the last mid, as if it ended now.
    const tally = this.done.copy();
    for (const d of this.decisions.values()) tally.add(outcome(d, d.endMid2 ?? this.mid2 ?? d.mid2));
    const t = tally.figures();
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
    const per = (x: number): number | null => (t.notional === 0 ? null : (x / t.notional) * 10_000);
    const filled = this.filledLots;
    return {
      decisions: t.decisions,
      rejected_decisions: this.rejectedDecisions,
      markout_bps: { maker: markouts('maker'), taker: markouts('taker') },
      markout_lots: { maker: five.makerLots, taker: five.takerLots },
      shortfall_bps_mean: t.shortfall_bps_mean,
      by_class: t.by_class,
      paired_classes: t.paired_classes,
      escalation_rate: t.escalation_rate,
      maker_share: filled === 0 ? null : this.makerLots / filled,
      time_to_fill_ms: t.time_to_fill_ms,
      slippage_bps_mean: filled === 0 ? null : this.slipBpsLots / filled,
      slippage_bps_p95: filled === 0 ? null : this.slippage.quantile(0.95),
      cost_per_lot_bps: {
        fees: per(t.fees),
        shortfall_ex_fees: per(t.exFees),
        markout_5s: markout5,
        total: t.notional === 0 ? null : ((t.fees + t.exFees) / t.notional) * 10_000 - (markout5 ?? 0),
      },
    };
  }
}

/** What `DecisionMoves.book` returns when no move is due, shared; not frozen (see market-data.ts's NO_TRADES). */
const NO_DECISIONS: readonly Decision[] = [];

/**
 * The mid's move `horizonMicros` after each decision, from the decision's mid, signed for its side
 * (positive: its way), resolved at the first LIVE book at or after the horizon: how many, and the mean.
 */
class DecisionMoves {
  private readonly queue: Array<{ readonly due: number; readonly sign: number; readonly mid2: number; readonly decision: Decision | null }> = [];
  private head = 0;
  private decisions = 0;
  private bps = 0;

  constructor(private readonly horizonMicros: number) {}

  decide(ts: number, side: Side, mid2: number, decision: Decision | null): void {
    this.queue.push({ due: ts + this.horizonMicros, sign: sideSign(side), mid2, decision });
  }

  /** Resolves the moves due by `ts`; returns their decisions (those given one). */
  book(ts: number, mid2: number): readonly Decision[] {
    // At most books no move is due: no array is made for them.
    if (this.head >= this.queue.length || this.queue[this.head].due > ts) return NO_DECISIONS;
    const resolved: Decision[] = [];
    while (this.head < this.queue.length && this.queue[this.head].due <= ts) {
      const m = this.queue[this.head++];
      this.decisions++;
      this.bps += ((m.sign * (mid2 - m.mid2)) / m.mid2) * 10_000;
      if (m.decision !== null) resolved.push(m.decision);
    }
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return resolved;
  }

  /** Moves not yet resolved. */
  get held(): number {
    return this.queue.length - this.head;
  }

  mean(): { readonly decisions: number; readonly bps: number } {
    return { decisions: this.decisions, bps: this.decisions === 0 ? 0 : this.bps / this.decisions };
  }
}

const classOf = (d: Decision): ExecutionClass => (d.market ? 'market' : d.escalated ? 'escalated' : 'maker');

const outcome = (d: Decision, endMid2: number): DecisionOutcome => ({
  side: d.side, target: d.target, mid2: d.mid2, endMid2, startedAt: d.startedAt, filled: d.filled, paid: d.paid, fees: d.fees,
  lastFillAt: d.lastFillAt, markBpsLots: d.markBpsLots, markLots: d.markLots, kind: classOf(d), paired: d.paired,
});
