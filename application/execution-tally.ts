import { sideSign, type Side } from '../domain/trading/side.ts';
import { SignificantHistogram } from '../domain/stats/significant-histogram.ts';

/**
 * How a decision was executed: `maker` worked passively and never took; `escalated` worked passively,
 * then took the rest at market; `market` took at once (the baseline, or a decision urgent enough).
 */
export type ExecutionClass = 'maker' | 'escalated' | 'market';

export interface ClassFigures {
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
 * Significant digits the time to fill's p50 and p95 are kept to: each is the exact percentile rounded
 * to four significant digits (0.1 ms below a second, 1 ms below ten), at most 0.05% from it.
 */
export const TIME_TO_FILL_DIGITS = 4;

/** What a decision contributes to the run's figures, once its end mid is known (or taken as the last mid). */
export interface DecisionOutcome {
  readonly side: Side;
  readonly target: number;
  /** Mid × 2 when decided, and when it ended (or the last mid, for one still working). */
  readonly mid2: number;
  readonly endMid2: number;
  readonly startedAt: number;
  readonly filled: number;
  /** Σ side × (price − decision mid) × lots, in tick-lots; fees in Cash. */
  readonly paid: number;
  readonly fees: number;
  readonly lastFillAt: number | null;
  /** Σ 5 s markout × lots of its fills, and their lots. */
  readonly markBpsLots: number;
  readonly markLots: number;
  readonly kind: ExecutionClass;
  readonly paired: ExecutionClass | null;
}

/** A class's decisions: how many, Σ their shortfall (bps), their decided notional and cost (tick-lots), their fills' 5 s markouts. */
interface ClassSum {
  decisions: number;
  shortfallBps: number;
  notional: number;
  costTickLots: number;
  markBpsLots: number;
  markLots: number;
}

const newClassSum = (): ClassSum => ({ decisions: 0, shortfallBps: 0, notional: 0, costTickLots: 0, markBpsLots: 0, markLots: 0 });
const newClasses = (): Record<ExecutionClass, ClassSum> => ({ maker: newClassSum(), escalated: newClassSum(), market: newClassSum() });

/**
 * The decisions' figures as running sums and a histogram: a decision is added once, when nothing about
 * it can change any more (or, for one still working, when the summary is asked for, on a copy), and is
 * then forgotten. Its size does not grow with the run: three class sums twice, a few totals, and the
 * time to fill's histogram (bounded by its distinct rounded values, TIME_TO_FILL_DIGITS).
 */
export class DecisionTally {
  private readonly classes = newClasses();
  /** By how the run compared executed each decision (a paired run's); null until one is added. */
  private paired: Record<ExecutionClass, ClassSum> | null = null;
  /** Decided notional, fees and the shortfall without fees, tick-lots. */
  private notional = 0;
  private fees = 0;
  private exFees = 0;
  private readonly times = new SignificantHistogram(TIME_TO_FILL_DIGITS);
  private timeSumMs = 0;

  constructor(private readonly cashPerTickLot: number) {}

  add(d: DecisionOutcome): void {
    const decided = (d.mid2 / 2) * d.target;
    const unfilled = Math.max(0, d.target - d.filled);
    const missed = (sideSign(d.side) * (d.endMid2 - d.mid2) / 2) * unfilled;
    const feeTickLots = d.fees / this.cashPerTickLot;
    const cost = d.paid + missed + feeTickLots;
    const shortfall = (cost / decided) * 10_000;
    addTo(this.classes[d.kind], shortfall, decided, cost, d);
    if (d.paired !== null) {
      this.paired ??= newClasses();
      addTo(this.paired[d.paired], shortfall, decided, cost, d);
    }
    this.notional += decided;
    this.fees += feeTickLots;
    this.exFees += d.paid + missed;
    if (d.lastFillAt !== null) {
      const ms = (d.lastFillAt - d.startedAt) / 1000;
      this.times.record(ms);
      this.timeSumMs += ms;
    }
  }

  /** A copy, to add the decisions still working to for a summary without adding them for good. */
  copy(): DecisionTally {
    const c = new DecisionTally(this.cashPerTickLot);
    for (const k of CLASSES) Object.assign(c.classes[k], this.classes[k]);
    if (this.paired !== null) {
      const p = newClasses();
      for (const k of CLASSES) Object.assign(p[k], this.paired[k]);
      c.paired = p;
    }
    c.notional = this.notional;
    c.fees = this.fees;
    c.exFees = this.exFees;
    c.times.merge(this.times);
    c.timeSumMs = this.timeSumMs;
    return c;
  }

  /** The distinct rounded times to fill held: the only part whose size depends on the data. */
  get histogramSize(): number {
    return this.times.size;
  }

  figures(): {
    decisions: number;
    shortfall_bps_mean: number | null;
    by_class: Record<ExecutionClass, ClassFigures>;
    paired_classes: Record<ExecutionClass, ClassFigures> | null;
    escalation_rate: number | null;
    time_to_fill_ms: { p50: number | null; p95: number | null; mean: number | null };
    notional: number;
    fees: number;
    exFees: number;
  } {
    const { maker, escalated, market } = this.classes;
    const decisions = maker.decisions + escalated.decisions + market.decisions;
    const byClass = (sums: Record<ExecutionClass, ClassSum>): Record<ExecutionClass, ClassFigures> => ({
      maker: classFigures(sums.maker, this.notional),
      escalated: classFigures(sums.escalated, this.notional),
      market: classFigures(sums.market, this.notional),
    });
    const timed = this.times.weight;
    return {
      decisions,
      shortfall_bps_mean: decisions === 0 ? null : (maker.shortfallBps + escalated.shortfallBps + market.shortfallBps) / decisions,
      by_class: byClass(this.classes),
      paired_classes: this.paired === null ? null : byClass(this.paired),
      escalation_rate: decisions === 0 ? null : escalated.decisions / decisions,
      time_to_fill_ms: { p50: this.times.quantile(0.5), p95: this.times.quantile(0.95), mean: timed === 0 ? null : this.timeSumMs / timed },
      notional: this.notional,
      fees: this.fees,
      exFees: this.exFees,
    };
  }
}

const CLASSES: readonly ExecutionClass[] = ['maker', 'escalated', 'market'];

function addTo(c: ClassSum, shortfallBps: number, notional: number, costTickLots: number, d: DecisionOutcome): void {
  c.decisions++;
  c.shortfallBps += shortfallBps;
  c.notional += notional;
  c.costTickLots += costTickLots;
  c.markBpsLots += d.markBpsLots;
  c.markLots += d.markLots;
}

function classFigures(c: ClassSum, runNotional: number): ClassFigures {
  const shortfall_bps_mean = c.decisions === 0 ? null : c.shortfallBps / c.decisions;
  if (c.notional === 0) return { decisions: c.decisions, shortfall_bps_mean, cost_per_lot_bps: null, notional_share: null };
  const markout = c.markLots === 0 ? 0 : c.markBpsLots / c.markLots;
  return { decisions: c.decisions, shortfall_bps_mean, cost_per_lot_bps: (c.costTickLots / c.notional) * 10_000 - markout, notional_share: c.notional / runNotional };
}
