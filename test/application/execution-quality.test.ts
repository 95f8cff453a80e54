import { describe, expect, it } from 'vitest';
import { ExecutionQuality } from '../../application/execution-quality.ts';
import { BTCUSDT_SPEC, createInstrument } from '../../domain/values/instrument.ts';
import { unwrap } from '../../domain/result.ts';
import type { Fill, Liquidity } from '../../domain/trading/fill.ts';
import type { Side } from '../../domain/trading/side.ts';
import { cash, lots, ticks, type Micros } from '../../domain/values/units.ts';

const instrument = unwrap(createInstrument(BTCUSDT_SPEC));
const S = 1_000_000;
const P = 900_000;

let exec = 0;
const fill = (orderId: string, side: Side, price: number, qty: number, liquidity: Liquidity, ts: number, fee = 0): Fill => ({
  tradeId: `e${++exec}`, orderId, symbol: 'BTCUSDT', side, price: ticks(price), qty: lots(qty), fee: cash(fee), liquidity, ts: ts as Micros,
});
const bps = (x: number, of: number): number => (x / of) * 1e4;

describe('ExecutionQuality', () => {
  it('marks fills out at 1 s, 5 s and 30 s, negative when the market moves against them', () => {
    const q = new ExecutionQuality(instrument);
    q.book(0 as Micros, 2 * P + 1);
    q.decide(1, 'Buy', 2, 2 * P + 1, 0 as Micros, false);
    q.order(1, 'a', false);
    q.fill(fill('a', 'Buy', P, 2, 'maker', 100_000));
    // The mid falls 3 ticks by 1 s, 5 by 5 s, rises back to P + 1 by 30 s: a buy filled at P is hurt, then helped.
    q.book((1.1 * S) as Micros, 2 * (P - 3));
    q.book((5.1 * S) as Micros, 2 * (P - 5));
    q.book((30.1 * S) as Micros, 2 * (P + 1));
    const s = q.summary();
    expect(s.markout_bps.maker['1s']).toBeCloseTo(bps(-3, P), 12);
    expect(s.markout_bps.maker['5s']).toBeCloseTo(bps(-5, P), 12);
    expect(s.markout_bps.maker['30s']).toBeCloseTo(bps(1, P), 12);
    expect(s.markout_bps.taker['1s']).toBeNull();
    expect(s.markout_lots).toEqual({ maker: 2, taker: 0 });
  });

  it('measures shortfall against the exact half-tick mid, fees and the unfilled part included', () => {
    const q = new ExecutionQuality(instrument);
    const mid2 = 2 * P + 1; // P + 0.5
    q.book(0 as Micros, mid2);
    q.decide(1, 'Sell', 4, mid2, 0 as Micros, false);
    q.order(1, 'a', false);
    // 1 lot sold at P + 1: half a tick over the mid, a gain; fee 9,000 Cash = 0.9 tick-lots.
    q.fill(fill('a', 'Sell', P + 1, 1, 'maker', 50_000, 9_000));
    q.book((0.2 * S) as Micros, 2 * P - 3); // the mid has fallen to P − 1.5 when the decision ends
    q.end(1);
    const s = q.summary();
    const mid = P + 0.5;
    const paid = -0.5 * 1; // sold above the mid
    // 3 lots never sold while the mid fell 2 ticks: a seller that waited lost 2 ticks a lot.
    const missed = -(P - 1.5 - mid) * 3;
    const fee = 9_000 / instrument.cashPerTickLot;
    expect(missed).toBe(6);
    expect(s.shortfall_bps_mean).toBeCloseTo(bps(paid + missed + fee, mid * 4), 12);
    expect(s.slippage_bps_mean).toBeCloseTo(bps(-0.5, mid), 12);
    expect(s.by_class.maker.decisions).toBe(1);
    expect(s.cost_per_lot_bps.fees).toBeCloseTo(bps(fee, mid * 4), 12);
    expect(s.cost_per_lot_bps.shortfall_ex_fees).toBeCloseTo(bps(paid + missed, mid * 4), 12);
  });

  it('classes decisions as maker, escalated or market, and counts escalations in the time to fill', () => {
    const q = new ExecutionQuality(instrument);
    q.book(0 as Micros, 2 * P + 1);
    q.decide(1, 'Buy', 1, 2 * P + 1, 0 as Micros, false);
    q.order(1, 'p1', false);
    q.fill(fill('p1', 'Buy', P, 1, 'maker', 40_000));
    q.end(1);
    q.decide(2, 'Buy', 2, 2 * P + 1, S as Micros, false);
    q.order(2, 'p2', false);
    q.order(2, 'm2', true);
    q.end(2); // ends as the market order is sent; its fill comes after
    q.fill(fill('m2', 'Buy', P + 1, 2, 'taker', S + 320_000));
    q.decide(3, 'Sell', 1, 2 * P + 1, 2 * S as Micros, false);
    q.order(3, 'm3', true); // took at once
    q.fill(fill('m3', 'Sell', P, 1, 'taker', 2 * S + 15_000));
    q.end(3);
    q.decide(4, 'Sell', 1, 2 * P + 1, 3 * S as Micros, false);
    q.drop(4); // risk refused its first order
    const s = q.summary();
    expect(s.decisions).toBe(3);
    expect([s.by_class.maker.decisions, s.by_class.escalated.decisions, s.by_class.market.decisions]).toEqual([1, 1, 1]);
    expect(s.escalation_rate).toBeCloseTo(1 / 3, 12);
    expect(s.maker_share).toBeCloseTo(1 / 4, 12);
    // 40, 320 and 15 ms: the escalated decision's 320 ms is in.
    expect(s.time_to_fill_ms).toEqual({ p50: 40, p95: 320, mean: 125 });
  });

  it('gives the chooser the run\'s own evidence: maker markouts, decisions\' moves, escalations\' premium over a take at once, fills against expectation', () => {
    const q = new ExecutionQuality(instrument);
    expect(q.chooserEvidence()).toEqual({
      maker: { fills: 0, markoutBps: 0 }, move: { decisions: 0, bps: 0 }, drift: { decisions: 0, bps: 0 },
      escalation: { fills: 0, premiumBps: 0 }, fills: { decisions: 0, expected: 0, filled: 0 },
    });
    q.book(0 as Micros, 2 * P);
    // A buy rests (the chooser gave it even odds of filling, and a take at once would have paid P + 1),
    // fills 1 lot at P, then escalates: 1 lot taken at P + 2.
    q.decide(1, 'Buy', 2, 2 * P, 0 as Micros, false);
    q.expectRest(1, 0.5, P + 1);
    q.order(1, 'a', false);
    q.fill(fill('a', 'Buy', P, 1, 'maker', 100_000));
    q.order(1, 'b', true);
    q.fill(fill('b', 'Buy', P + 2, 1, 'taker', 400_000));
    q.end(1);
    // Half its lots filled resting, as expected.
    expect(q.chooserEvidence().fills).toEqual({ decisions: 1, expected: 0.5, filled: 0.5 });
    // A sell taken at once.
    q.decide(2, 'Sell', 1, 2 * P, (0.5 * S) as Micros, true);
    q.order(2, 'c', true);
    q.fill(fill('c', 'Sell', P - 1, 1, 'taker', 500_000));
    q.book((4.9 * S) as Micros, 2 * (P + 3));
    expect(q.chooserEvidence().maker.fills).toBe(0); // nothing marked out at 5 s yet
    // Over the 300 ms a child may rest, decision 1 (buy) moved +3 ticks, decision 2 (sell) −3.
    expect(q.chooserEvidence().drift).toEqual({ decisions: 2, bps: expect.closeTo(0, 12) });
    q.book((5.6 * S) as Micros, 2 * (P + 4));
    const e = q.chooserEvidence();
    // The maker buy at P marked out at +4 ticks; decision 1 (buy) moved +4, decision 2 (sell) −4.
    expect(e.maker).toEqual({ fills: 1, markoutBps: expect.closeTo(bps(4, P), 12) });
    expect(e.move).toEqual({ decisions: 2, bps: expect.closeTo((bps(4, P) - bps(4, P)) / 2, 12) });
    // The escalation paid 2 ticks over its decision's mid and marked out at +2; the take at once would
    // have paid 1 tick and marked out at +3: the wait cost 1 tick more in price and 1 less in markout.
    expect(e.escalation.fills).toBe(1);
    expect(e.escalation.premiumBps).toBeCloseTo(bps(2, P) - bps(2, P + 2) - (bps(1, P) - bps(3, P + 1)), 9);
  });

  it('leaves out a decision whose one market order the venue rejected, and keeps one that sent more', () => {
    const q = new ExecutionQuality(instrument);
    q.book(0 as Micros, 2 * P);
    q.decide(1, 'Buy', 1, 2 * P, 0 as Micros, true);
    q.order(1, 'a', true);
    q.rejected('a');
    q.end(1);
    q.decide(2, 'Buy', 2, 2 * P, 0 as Micros, false);
    q.order(2, 'b', false);
    q.rejected('b'); // a post-only child the venue rejected: the decision works on
    q.order(2, 'c', true);
    q.fill(fill('c', 'Buy', P + 1, 2, 'taker', 100_000, 0));
    q.end(2);
    const s = q.summary();
    expect(s.rejected_decisions).toBe(1);
    expect(s.decisions).toBe(1);
    // Only decision 2 is in the cost: 1 tick over the mid a lot, no fees.
    expect(s.cost_per_lot_bps.shortfall_ex_fees).toBeCloseTo(bps(1, P), 12);
  });
});
