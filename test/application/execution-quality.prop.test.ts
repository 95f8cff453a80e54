import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ExecutionQuality, type ExecutionQualitySummary } from '../../application/execution-quality.ts';
import { BTCUSDT_SPEC, createInstrument } from '../../domain/values/instrument.ts';
import { unwrap } from '../../domain/result.ts';
import type { Liquidity } from '../../domain/trading/fill.ts';
import type { Side } from '../../domain/trading/side.ts';
import { cash, lots, ticks, type Micros } from '../../domain/values/units.ts';
import { ReferenceExecutionQuality } from '../support/execution-quality-reference.ts';

/*
 * The bounded measure against the one that kept every decision, order and fill (the reference, its
 * code before it became bounded): for any stream of decisions, orders, fills, rejections, ends and
 * books, where an order is forgotten (as the order flow does) only after the last fill it gets, both
 * give the same figures: counts exactly, sums to rounding, and the percentiles as the reference's
 * rounded to four significant digits. And over many thousands of decisions, what it holds stays small.
 */

const instrument = unwrap(createInstrument(BTCUSDT_SPEC));
const P = 900_000;

/** Rounded as the histograms keep values. */
const round4 = (x: number | null): number | null => (x === null ? null : Number(x.toPrecision(4)) + 0);

type Step =
  | { kind: 'book'; dtMs: number; move: number }
  | { kind: 'decide'; side: Side; target: number; market: boolean; paired: 0 | 1 | 2 | 3 }
  | { kind: 'expect'; pick: number; p: number; take: number }
  | { kind: 'order'; pick: number; market: boolean }
  | { kind: 'fill'; pick: number; qty: number; offset: number; maker: boolean; fee: number; dtMs: number }
  | { kind: 'reject'; pick: number }
  | { kind: 'end'; pick: number }
  | { kind: 'drop'; pick: number }
  | { kind: 'forget'; pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('book' as const), dtMs: fc.integer({ min: 0, max: 8_000 }), move: fc.integer({ min: -4, max: 4 }) }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('decide' as const), side: fc.constantFrom<Side>('Buy', 'Sell'), target: fc.integer({ min: 1, max: 5 }), market: fc.boolean(), paired: fc.constantFrom<0 | 1 | 2 | 3>(0, 0, 1, 2, 3) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('expect' as const), pick: fc.nat(), p: fc.double({ min: 0, max: 1, noNaN: true }), take: fc.integer({ min: -2, max: 3 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('order' as const), pick: fc.nat(), market: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('fill' as const), pick: fc.nat(), qty: fc.integer({ min: 1, max: 3 }), offset: fc.integer({ min: -6, max: 6 }), maker: fc.boolean(), fee: fc.integer({ min: -500, max: 20_000 }), dtMs: fc.integer({ min: 0, max: 900 }) }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('reject' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('end' as const), pick: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('forget' as const), pick: fc.nat() }), weight: 3 },
);

const PAIRED = [null, 'maker', 'escalated', 'market'] as const;

/** Drives both measures through the same stream; returns them and the largest count of decisions the bounded one held. */
function run(steps: readonly Step[]): { bounded: ExecutionQuality; reference: ReferenceExecutionQuality; mostHeld: number } {
  const bounded = new ExecutionQuality(instrument);
  const reference = new ReferenceExecutionQuality(instrument);
  let ts = 0;
  let mid2 = 2 * P + 1;
  let nextDecision = 0;
  let nextOrder = 0;
  let trade = 0;
  const decisions: number[] = [];
  /** Orders not yet forgotten, with their decision and side. */
  const open: { id: string; decision: number; side: Side }[] = [];
  const sideOf = new Map<number, Side>();
  const ended = new Set<number>();
  /** Decisions not ended yet, oldest first. */
  const working: number[] = [];
  // A pick below 0 counts from the end (−1: the newest).
  const pick = <T>(xs: readonly T[], n: number): T | undefined => (xs.length === 0 ? undefined : xs[n < 0 ? xs.length + (n % xs.length) : n % xs.length]);
  let mostHeld = 0;
  const both = (f: (q: ExecutionQuality | ReferenceExecutionQuality) => void): void => {
    f(bounded);
    f(reference);
  };
  both((q) => q.book(ts as Micros, mid2));
  for (const s of steps) {
    switch (s.kind) {
      case 'book':
        ts += s.dtMs * 1000;
        mid2 = Math.max(2, mid2 + s.move);
        both((q) => q.book(ts as Micros, mid2));
        break;
      case 'decide': {
        const id = ++nextDecision;
        decisions.push(id);
        working.push(id);
        sideOf.set(id, s.side);
        both((q) => q.decide(id, s.side, s.target, mid2, ts as Micros, s.market, PAIRED[s.paired]));
        break;
      }
      case 'expect': {
        // Orders, expectations and drops come before a decision's end (the engine's order of calls).
        const id = pick(working, s.pick);
        if (id !== undefined) both((q) => q.expectRest(id, s.p, Math.floor(mid2 / 2) + s.take));
        break;
      }
      case 'order': {
        const id = pick(working, s.pick);
        if (id === undefined) break;
        const orderId = `o${++nextOrder}`;
        open.push({ id: orderId, decision: id, side: sideOf.get(id) ?? 'Buy' });
        both((q) => q.order(id, orderId, s.market));
        break;
      }
      case 'fill': {
        const o = pick(open, s.pick);
        if (o === undefined) break;
        const liquidity: Liquidity = s.maker ? 'maker' : 'taker';
        const fill = {
          tradeId: `t${++trade}`, orderId: o.id, symbol: 'BTCUSDT', side: o.side, price: ticks(Math.floor(mid2 / 2) + s.offset), qty: lots(s.qty),
          fee: cash(s.fee), liquidity, ts: (ts + s.dtMs * 1000) as Micros,
        };
        both((q) => q.fill(fill));
        break;
      }
      case 'reject': {
        const o = pick(open, s.pick);
        if (o !== undefined) both((q) => q.rejected(o.id));
        break;
      }
      case 'end': {
        const id = pick(decisions, s.pick);
        if (id === undefined) break;
        // The engine ends a decision once and asks how it was executed then: compared that first time.
        const executed = bounded.end(id);
        reference.end(id);
        if (!ended.has(id)) expect(executed).toBe(reference.classOf(id));
        ended.add(id);
        const at = working.indexOf(id);
        if (at >= 0) working.splice(at, 1);
        break;
      }
      case 'drop': {
        // Only a decision that sent nothing is dropped (risk refused its first order).
        const id = pick(working, s.pick);
        if (id !== undefined && !open.some((o) => o.decision === id)) both((q) => q.drop(id));
        break;
      }
      case 'forget': {
        // The order flow forgets an order after the last report it applies: no fill for it follows.
        if (open.length === 0) break;
        const [o] = open.splice(s.pick % open.length, 1);
        bounded.forgotten(o.id);
        break;
      }
    }
    mostHeld = Math.max(mostHeld, bounded.held.decisions);
  }
  return { bounded, reference, mostHeld };
}

const close = (a: number | null, b: number | null): void => {
  if (a === null || b === null) {
    expect(a).toBe(b);
    return;
  }
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
};

/** Every figure of the two summaries: counts the same, sums to rounding, percentiles as the reference's to four digits. */
function expectSame(s: ExecutionQualitySummary, r: ExecutionQualitySummary): void {
  expect(s.decisions).toBe(r.decisions);
  expect(s.rejected_decisions).toBe(r.rejected_decisions);
  expect(s.markout_lots).toEqual(r.markout_lots);
  for (const side of ['maker', 'taker'] as const) for (const k of ['1s', '5s', '30s'] as const) close(s.markout_bps[side][k], r.markout_bps[side][k]);
  close(s.shortfall_bps_mean, r.shortfall_bps_mean);
  for (const classes of [[s.by_class, r.by_class], [s.paired_classes, r.paired_classes]] as const) {
    if (classes[0] === null || classes[1] === null) {
      expect(classes[0]).toBe(classes[1]);
      continue;
    }
    for (const k of ['maker', 'escalated', 'market'] as const) {
      expect(classes[0][k].decisions).toBe(classes[1][k].decisions);
      close(classes[0][k].shortfall_bps_mean, classes[1][k].shortfall_bps_mean);
      close(classes[0][k].cost_per_lot_bps, classes[1][k].cost_per_lot_bps);
      close(classes[0][k].notional_share, classes[1][k].notional_share);
    }
  }
  close(s.escalation_rate, r.escalation_rate);
  close(s.maker_share, r.maker_share);
  expect(s.time_to_fill_ms.p50).toBe(round4(r.time_to_fill_ms.p50));
  expect(s.time_to_fill_ms.p95).toBe(round4(r.time_to_fill_ms.p95));
  close(s.time_to_fill_ms.mean, r.time_to_fill_ms.mean);
  close(s.slippage_bps_mean, r.slippage_bps_mean);
  expect(s.slippage_bps_p95).toBe(round4(r.slippage_bps_p95));
  close(s.cost_per_lot_bps.fees, r.cost_per_lot_bps.fees);
  close(s.cost_per_lot_bps.shortfall_ex_fees, r.cost_per_lot_bps.shortfall_ex_fees);
  close(s.cost_per_lot_bps.markout_5s, r.cost_per_lot_bps.markout_5s);
  close(s.cost_per_lot_bps.total, r.cost_per_lot_bps.total);
}

describe('the bounded execution-quality measure', () => {
  test.prop([fc.array(step, { maxLength: 400 })], { numRuns: 300 })('gives the figures and the chooser\'s evidence of the one that kept everything', (steps) => {
    const { bounded, reference } = run(steps);
    expectSame(bounded.summary(), reference.summary());
    expect(bounded.chooserEvidence()).toEqual(reference.chooserEvidence());
  });

  it('holds a bounded number of decisions, orders and histogram values over 30,000 decisions and 60,000 fills', () => {
    // A day's worth at twice the soak's pace: a decision every 3 s, each a resting order then a
    // market one, two fills, its orders forgotten a minute later (the order flow's hour after a cancel
    // is shortened to keep the test quick; the bound scales with it, not with the run).
    const steps: Step[] = [];
    let rng = 7;
    const next = (n: number): number => {
      rng = (rng * 48_271) % 2_147_483_647;
      return rng % n;
    };
    for (let i = 0; i < 30_000; i++) {
      steps.push({ kind: 'decide', side: next(2) === 0 ? 'Buy' : 'Sell', target: 2, market: false, paired: 0 });
      steps.push({ kind: 'order', pick: -1, market: false });
      steps.push({ kind: 'fill', pick: -1, qty: 1, offset: next(5) - 2, maker: true, fee: -200, dtMs: next(300) });
      steps.push({ kind: 'book', dtMs: 100 + next(200), move: next(5) - 2 });
      steps.push({ kind: 'order', pick: -1, market: true });
      steps.push({ kind: 'fill', pick: -1, qty: 1, offset: next(5) - 1, maker: false, fee: 5_000, dtMs: next(50) });
      steps.push({ kind: 'end', pick: i });
      steps.push({ kind: 'book', dtMs: 2_600 + next(200), move: next(9) - 4 });
      // The orders of the decision 20 back (a minute ago) are forgotten: both are the oldest open.
      if (i >= 20) steps.push({ kind: 'forget', pick: 0 }, { kind: 'forget', pick: 0 });
    }
    const { bounded, reference, mostHeld } = run(steps);
    expect(mostHeld).toBeLessThan(40);
    expect(bounded.held.orders).toBeLessThan(80);
    expect(bounded.held.pending).toBeLessThan(100);
    // Both histograms together: the distinct rounded values, far fewer than the 60,000 fills.
    expect(bounded.held.histograms).toBeLessThan(3_000);
    expectSame(bounded.summary(), reference.summary());
    expect(bounded.summary().decisions).toBe(30_000);
  });
});
