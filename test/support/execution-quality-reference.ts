/*
 * The execution-quality measure as it was before it became bounded (application/execution-quality.ts
 * at commit bdea60a, kept whole, as one piece, so that it stays the same oracle): it keeps every
 * decision, the decision of every order and the slippage of every fill, and computes the summary's
 * figures from them with exact percentiles. test/application/execution-quality.prop.test.ts checks
 * that the bounded measure gives the same figures for any stream of decisions, orders, fills and books.
 * Not used by the application.
 */
import type { Fill } from '../../domain/trading/fill.ts';
import { sideSign, type Side } from '../../domain/trading/side.ts';
import type { Instrument } from '../../domain/values/instrument.ts';
import type { Micros } from '../../domain/values/units.ts';
import { weightedQuantile } from '../../domain/stats/weighted-quantile.ts';
import type { RunEvidence } from '../../domain/execution/order-choice.ts';

/** How far on a decision's own move is measured (the chooser's evidence of a take's markout), µs. */
const MOVE_HORIZON_MICROS = 5_000_000;

/** The horizons fills are marked out at, ms, with their report keys. */
const MARKOUT_HORIZONS = [['1s', 1_000], ['5s', 5_000], ['30s', 30_000]] as const;
type MarkoutKey = (typeof MARKOUT_HORIZONS)[number][0];
type Markouts = Record<MarkoutKey, number | null>;

/**
 * How a decision was executed: `maker` worked passively and never took; `escalated` worked passively,
 * then took the rest at market; `market` took at once (the baseline, or a decision urgent enough).
 */
type ExecutionClass = 'maker' | 'escalated' | 'market';

interface ClassFigures {
  readonly decisions: number;
  /** Mean implementation shortfall of the class's decisions, bps (positive: a cost). */
  readonly shortfall_bps_mean: number | null;
  /**
   * The class's cost a lot decided, bps, as `cost_per_lot_bps.total` is measured over all decisions:
   * fees and shortfall over the class's decided notional, less the 5 s markout of its fills.
   */
  readonly cost_per_lot_bps: number | null;
  /** The class's decided notional over the run's, in [0, 1]: its weight in the run's cost a lot. */
  readonly notional_share: number | null;
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
  /** The decision the fill is for, whose 5 s markout it adds to; null outside a decision. */
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
 * send and their end; the order flow of fills; the trading loop of every LIVE book's mid. Venue time
 * only, so that replay, backtest and paper agree. Markouts resolve at the first book at or after their
 * horizon; those still pending when the run ends are left out.
 */
export class ReferenceExecutionQuality {
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
  /** Of the decisions the chooser first rested: Σ the fill probability it expected, and Σ the share of lots they filled resting. */
  private readonly fills = { decisions: 0, expected: 0, filled: 0 };
  /** The decisions' moves 5 s on (a take's markout) and over the time a child may rest (the drift a wait gives away). */
  private readonly moved5s = new DecisionMoves(MOVE_HORIZON_MICROS);
  private readonly movedRest: DecisionMoves;
  private rejectedDecisions = 0;

  /** `restMicros`: how long a passive child may rest before it takes (the chooser's wait); 300 ms when absent. */
  constructor(private readonly instrument: Instrument, restMicros = 300_000) {
    this.movedRest = new DecisionMoves(restMicros);
  }

  /**
   * A decision taken at `ts` with the mid × 2 then; `market` when it takes at once. `paired`: how the
   * run this one is compared with executed the same decision (the paired comparison's run).
   */
  decide(id: number, side: Side, targetLots: number, mid2: number, ts: Micros, market: boolean, paired: ExecutionClass | null = null): void {
    this.decisions.set(id, {
      side, target: targetLots, mid2, startedAt: ts, market, orders: 0, escalated: false, filled: 0, paid: 0, fees: 0, lastFillAt: null, endMid2: null,
      markBpsLots: 0, markLots: 0, paired, expected: null, makerFilled: 0, mid5s2: null, judged: false,
    });
    this.moved5s.decide(ts, side, mid2, this.decisions.get(id) ?? null);
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
    this.decisionOf.set(orderId, id);
    if (market && d.orders === 0) d.market = true;
    else if (market && !d.market) d.escalated = true;
    d.orders++;
  }

  /** The decision has ended: what it has not filled by now stays unfilled, valued at this mid. */
  end(id: number): void {
    const d = this.decisions.get(id);
    if (d === undefined || d.endMid2 !== null) return;
    d.endMid2 = this.mid2 ?? d.mid2;
    this.judge(d);
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
    for (const d of this.moved5s.book(ts, mid2)) d.mid5s2 = mid2;
    this.movedRest.book(ts, mid2);
    for (let k = 0; k < MARKOUT_HORIZONS.length; k++) {
      const queue = this.pending[k];
      while (this.heads[k] < queue.length && queue[this.heads[k]].due <= ts) {
        const p = queue[this.heads[k]++];
        const bps = (p.sign * (mid2 / 2 - p.price) / p.price) * 10_000;
        const sum = this.sums[k];
        if (k === 1) {
          this.witness(p, bps);
          if (p.decision !== null) {
            p.decision.markBpsLots += bps * p.lots;
            p.decision.markLots += p.lots;
          }
        }
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
      this.pending[k].push({ due: fill.ts + ms * 1000, k, sign, price: fill.price, lots: fill.qty, maker, escalation, slipBps, decision: d ?? null });
    });
    if (d === undefined) return;
    const mid = d.mid2 / 2;
    d.filled += fill.qty;
    d.paid += sign * (fill.price - mid) * fill.qty;
    d.fees += fill.fee;
    d.lastFillAt = fill.ts;
    if (maker) {
      this.makerLots += fill.qty;
      d.makerFilled += fill.qty;
    }
    this.slippage.push({ bps: (sign * (fill.price - mid) / mid) * 10_000, lots: fill.qty });
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

  /** How decision `id` was executed so far; null for a decision not (or no longer) measured. */
  classOf(id: number): ExecutionClass | null {
    const d = this.decisions.get(id);
    return d === undefined ? null : classOf(d);
  }

  summary(): ExecutionQualitySummary {
    const cashPerTickLot = this.instrument.cashPerTickLot;
    const byClass = { maker: [] as number[], escalated: [] as number[], market: [] as number[] };
    const costs = { maker: newCostSum(), escalated: newCostSum(), market: newCostSum() };
    const pairedCosts = { maker: newCostSum(), escalated: newCostSum(), market: newCostSum() };
    const pairedShortfall = { maker: [] as number[], escalated: [] as number[], market: [] as number[] };
    let anyPaired = false;
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
      const kind = classOf(d);
      const shortfall = ((d.paid + missed + feeTickLots) / decided) * 10_000;
      byClass[kind].push(shortfall);
      addCost(costs[kind], decided, d.paid + missed + feeTickLots, d);
      if (d.paired !== null) {
        anyPaired = true;
        pairedShortfall[d.paired].push(shortfall);
        addCost(pairedCosts[d.paired], decided, d.paid + missed + feeTickLots, d);
      }
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
        maker: { decisions: byClass.maker.length, shortfall_bps_mean: meanOf(byClass.maker), ...classCost(costs.maker, notional) },
        escalated: { decisions: escalated, shortfall_bps_mean: meanOf(byClass.escalated), ...classCost(costs.escalated, notional) },
        market: { decisions: byClass.market.length, shortfall_bps_mean: meanOf(byClass.market), ...classCost(costs.market, notional) },
      },
      paired_classes: !anyPaired ? null : {
        maker: { decisions: pairedShortfall.maker.length, shortfall_bps_mean: meanOf(pairedShortfall.maker), ...classCost(pairedCosts.maker, notional) },
        escalated: { decisions: pairedShortfall.escalated.length, shortfall_bps_mean: meanOf(pairedShortfall.escalated), ...classCost(pairedCosts.escalated, notional) },
        market: { decisions: pairedShortfall.market.length, shortfall_bps_mean: meanOf(pairedShortfall.market), ...classCost(pairedCosts.market, notional) },
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
  book(ts: number, mid2: number): Decision[] {
    const resolved: Decision[] = [];
    while (this.head < this.queue.length && this.queue[this.head].due <= ts) {
      const m = this.queue[this.head++];
      this.decisions++;
      this.bps += ((m.sign * (mid2 - m.mid2)) / m.mid2) * 10_000;
      if (m.decision !== null) resolved.push(m.decision);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return resolved;
  }

  mean(): { readonly decisions: number; readonly bps: number } {
    return { decisions: this.decisions, bps: this.decisions === 0 ? 0 : this.bps / this.decisions };
  }
}

const classOf = (d: Decision): ExecutionClass => (d.market ? 'market' : d.escalated ? 'escalated' : 'maker');

/** A class's decided notional (tick-lots), its cost over the decisions' mids (fees included, tick-lots) and its fills' 5 s markouts. */
interface CostSum {
  notional: number;
  costTickLots: number;
  markBpsLots: number;
  markLots: number;
}

const newCostSum = (): CostSum => ({ notional: 0, costTickLots: 0, markBpsLots: 0, markLots: 0 });

function addCost(c: CostSum, notional: number, costTickLots: number, d: Decision): void {
  c.notional += notional;
  c.costTickLots += costTickLots;
  c.markBpsLots += d.markBpsLots;
  c.markLots += d.markLots;
}

function classCost(c: CostSum, runNotional: number): Pick<ClassFigures, 'cost_per_lot_bps' | 'notional_share'> {
  if (c.notional === 0) return { cost_per_lot_bps: null, notional_share: null };
  const markout = c.markLots === 0 ? 0 : c.markBpsLots / c.markLots;
  return { cost_per_lot_bps: (c.costTickLots / c.notional) * 10_000 - markout, notional_share: c.notional / runNotional };
}

const meanOf = (a: readonly number[]): number | null => (a.length === 0 ? null : a.reduce((s, x) => s + x, 0) / a.length);

/** The smallest value with at least `q` of the values at or below it; null for none. */
function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
