import { describe, expect, it } from 'vitest';
import { blend, chooseOrder, CHOICE_PRIORS, describeChoice, type ChoiceInput, type RunEvidence } from '../../domain/execution/order-choice.ts';

const P = 900_000;
const none: RunEvidence = { maker: { fills: 0, markoutBps: 0 }, move: { decisions: 0, bps: 0 }, escalation: { fills: 0, costBps: 0 } };
/** A run whose many maker fills have marked out flat: the prior no longer weighs. */
const benign: RunEvidence = { ...none, maker: { fills: 10_000, markoutBps: 0 } };
const base: ChoiceInput = {
  side: 'Buy', bestBid: P, bestAsk: P + 1, queueLots: 20, lots: 10, touchTradeLotsPerSec: 100, restMs: 300,
  makerFeeBps: 2, takerFeeBps: 5.5, evidence: benign, edgeBps: 1, horizonMs: 1000,
};

describe('chooseOrder', () => {
  it('rests where fills are likely and cheap: the maker fee is below the taker fee', () => {
    const c = chooseOrder(base);
    expect(c.kind).toBe('join');
    expect(c.costBps.join).toBeLessThan(c.costBps.take);
    expect(c.costBps.improve).toBeNull();
    expect(c.fillProbability.join).toBeCloseTo(1 - Math.exp(-30 / 30), 12);
  });

  it('takes when resting is expected to cost more: fills the market moves against, a queue that rarely fills', () => {
    // The run's maker fills have marked out at −4 bps: a maker fill costs 2 + 4 bps, more than taking.
    const adverse = chooseOrder({ ...base, evidence: { ...none, maker: { fills: 10_000, markoutBps: -4 } } });
    expect(adverse.kind).toBe('take');
    expect(adverse.costBps.take).toBeLessThan(adverse.costBps.join);
    // Few trades at the touch behind a long queue: waiting gives away the edge and takes anyway.
    const slow = chooseOrder({ ...base, touchTradeLotsPerSec: 1, queueLots: 500, edgeBps: 3 });
    expect(slow.kind).toBe('take');
    expect(slow.costBps.join).toBeGreaterThan(slow.costBps.take);
  });

  it('starts from the real captures\' adverse maker markout and learns from the run\'s own fills', () => {
    // No evidence: a maker fill is presumed to mark out at the prior, and where the maker fee saves
    // less than that (equal fees, as on Binance spot) the child takes.
    const spot = { ...base, makerFeeBps: 10, takerFeeBps: 10, evidence: none };
    expect(CHOICE_PRIORS.makerMarkoutBps).toBeLessThan(0);
    expect(chooseOrder(spot).kind).toBe('take');
    // A few benign fills move the expectation only part of the way; many move it to the evidence.
    expect(blend(CHOICE_PRIORS.makerMarkoutBps, CHOICE_PRIORS.weight, 0, 5)).toBe(CHOICE_PRIORS.makerMarkoutBps);
    expect(blend(-2, 5, 5, 0)).toBeCloseTo(-1, 12);
    expect(blend(-2, 5, 1e9, 0.5)).toBeCloseTo(0.5, 6);
    // Maker fills that marked out in our favour make resting cheaper than taking even at equal fees.
    expect(chooseOrder({ ...spot, evidence: { ...none, maker: { fills: 1000, markoutBps: 1 } } }).kind).toBe('join');
  });

  it('credits a take with the decisions\' own 5 s move: a signal the price follows is not worth waiting on', () => {
    const trending: RunEvidence = { ...benign, move: { decisions: 1000, bps: 5 } };
    const c = chooseOrder({ ...base, evidence: trending });
    // Taker fee, the half spread crossed, less the take's markout (the move less that half spread).
    const half = (0.5 / (P + 0.5)) * 10_000;
    expect(c.costBps.take).toBeCloseTo(5.5 + 2 * half - blend(0, CHOICE_PRIORS.weight, 1000, 5), 9);
    expect(c.kind).toBe('take');
    expect(chooseOrder({ ...base, evidence: benign }).kind).toBe('join');
  });

  it('counts what the run\'s escalations cost: an order left unfilled is one the price moved away from', () => {
    // About one fill in nine, and each escalation so far cost 0.3 bps over the decision mid net of its markout: take at once.
    const costly: RunEvidence = { ...none, maker: { fills: 10_000, markoutBps: -2 }, escalation: { fills: 10_000, costBps: 0.3 } };
    const c = chooseOrder({ ...base, touchTradeLotsPerSec: 20, queueLots: 40, edgeBps: 0, evidence: costly });
    expect(c.fillProbability.join).toBeLessThan(0.2);
    expect(c.kind).toBe('take');
    const cheap: RunEvidence = { ...costly, escalation: { fills: 10_000, costBps: 0 } };
    expect(chooseOrder({ ...base, touchTradeLotsPerSec: 20, queueLots: 40, edgeBps: 0, evidence: cheap }).kind).toBe('join');
  });

  it('improves inside a wide spread when being first in the queue pays for the tick', () => {
    const c = chooseOrder({ ...base, bestAsk: P + 4, queueLots: 400, touchTradeLotsPerSec: 40 });
    expect(c.kind).toBe('improve');
    expect(c.costBps.improve).not.toBeNull();
    expect(c.fillProbability.improve).toBeGreaterThan(c.fillProbability.join);
    expect(describeChoice(c)).toMatch(/^chose improve: expected bps take \d+\.\d{3}, join \d+\.\d{3} \(fill 0\.\d{3}\), improve \d+\.\d{3}/);
  });

  it('refuses a blend without a positive prior weight', () => {
    expect(() => blend(0, 0, 1, 1)).toThrow(/positive weight/);
  });
});
