import { describe, expect, it } from 'vitest';
import { chooseOrder, describeChoice, type ChoiceInput } from '../../domain/execution/order-choice.ts';

const P = 900_000;
const base: ChoiceInput = {
  side: 'Buy', bestBid: P, bestAsk: P + 1, queueLots: 20, lots: 10, touchTradeLotsPerSec: 100, restMs: 300,
  makerFeeBps: 2, takerFeeBps: 5.5, makerMarkoutBps: 0, escalationSlippageBps: null, edgeBps: 1, horizonMs: 1000,
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
    const adverse = chooseOrder({ ...base, makerMarkoutBps: -4 });
    expect(adverse.kind).toBe('take');
    expect(adverse.costBps.take).toBeLessThan(adverse.costBps.join);
    // Few trades at the touch behind a long queue: waiting gives away the edge and takes anyway.
    const slow = chooseOrder({ ...base, touchTradeLotsPerSec: 1, queueLots: 500, edgeBps: 3 });
    expect(slow.kind).toBe('take');
    expect(slow.costBps.join).toBeGreaterThan(slow.costBps.take);
  });

  it('counts what the run\'s escalations paid: an order left unfilled is one the price moved away from', () => {
    // About one fill in nine, and each escalation so far paid 0.3 bps over the decision mid: take at once.
    const c = chooseOrder({ ...base, touchTradeLotsPerSec: 20, queueLots: 40, edgeBps: 0, makerMarkoutBps: -2, escalationSlippageBps: 0.3 });
    expect(c.fillProbability.join).toBeLessThan(0.2);
    expect(c.kind).toBe('take');
    expect(chooseOrder({ ...base, touchTradeLotsPerSec: 20, queueLots: 40, edgeBps: 0, makerMarkoutBps: -2 }).kind).toBe('join');
  });

  it('improves inside a wide spread when being first in the queue pays for the tick', () => {
    const c = chooseOrder({ ...base, bestAsk: P + 4, queueLots: 400, touchTradeLotsPerSec: 40 });
    expect(c.kind).toBe('improve');
    expect(c.costBps.improve).not.toBeNull();
    expect(c.fillProbability.improve).toBeGreaterThan(c.fillProbability.join);
    expect(describeChoice(c)).toMatch(/^chose improve: expected bps take \d+\.\d{3}, join \d+\.\d{3} \(fill 0\.\d{3}\), improve \d+\.\d{3}/);
  });
});
