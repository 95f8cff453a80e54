import { describe, expect, it } from 'vitest';
import { blend, chooseOrder, describeChoice, fillProbability, type ChoiceInput, type ChoicePriors, type RunEvidence } from '../../domain/execution/order-choice.ts';
import { DEFAULT_CHOICE_PRIORS, pooledPriors } from '../../domain/execution/choice-priors.ts';

const P = 900_000;
const none: RunEvidence = {
  maker: { fills: 0, markoutBps: 0 }, move: { decisions: 0, bps: 0 }, drift: { decisions: 0, bps: 0 },
  escalation: { fills: 0, premiumBps: 0 }, fills: { decisions: 0, expected: 0, filled: 0 },
};
/** A run whose many maker fills have marked out flat: the prior no longer weighs. */
const benign: RunEvidence = { ...none, maker: { fills: 10_000, markoutBps: 0 } };
/** Round priors, so that the costs can be worked out by hand. */
const priors: ChoicePriors = {
  weight: 5, makerMarkoutBps: -1, moveBps: 0, escalationPremiumSigmas: 0.1, escalationPremiumBps: 0.2, fill: { alpha: -1, beta: 0.7 }, source: 'test priors', alternatives: [],
};
const base: ChoiceInput = {
  side: 'Buy', bestBid: P, bestAsk: P + 1, queueLots: 20, lots: 10, touchTradeLotsPerSec: 100, restMs: 300,
  makerFeeBps: 2, takerFeeBps: 5.5, evidence: benign, edgeBps: 0, horizonMs: 1000, sigmaBps: 1, priors,
};
const half = (0.5 / (P + 0.5)) * 10_000;

describe('chooseOrder', () => {
  it('rests where fills are likely and cheap: the maker fee is below the taker fee', () => {
    const c = chooseOrder(base);
    expect(c.kind).toBe('join');
    expect(c.costBps.join).toBeLessThan(c.costBps.take);
    expect(c.costBps.improve).toBeNull();
    // 100 lots a second over 300 ms against 20 ahead and 10 ours: x = 1, P(fill) = 1 / (1 + e).
    expect(c.fillProbability.join).toBeCloseTo(1 / (1 + Math.E), 12);
    const p = c.fillProbability.join;
    // Filled: the maker fee, less the half spread earned and the (flat) markout; unfilled: a take, and the
    // premium of a take after the wait (0.1 σ of 1 bps), blended with no escalation yet.
    const markout = blend(-1, 5, 10_000, 0);
    expect(c.costBps.join).toBeCloseTo(p * (2 - half - markout) + (1 - p) * (5.5 + 2 * half + 0.1), 9);
  });

  it('takes when resting is expected to cost more: fills the market moves against, a queue that rarely fills', () => {
    // The run's maker fills have marked out at −4 bps: a maker fill costs 2 + 4 bps, more than taking.
    const adverse = chooseOrder({ ...base, evidence: { ...none, maker: { fills: 10_000, markoutBps: -4 } } });
    expect(adverse.kind).toBe('take');
    expect(adverse.costBps.take).toBeLessThan(adverse.costBps.join);
    // Few trades behind a long queue: the rest rarely fills, and a take after the wait costs more.
    const slow = chooseOrder({ ...base, touchTradeLotsPerSec: 1, queueLots: 500 });
    expect(slow.fillProbability.join).toBeLessThan(0.02);
    expect(slow.kind).toBe('take');
    // No trade at all yet: no fill is presumed.
    expect(fillProbability(0, priors.fill)).toBe(0);
  });

  it('starts from the priors\' adverse maker markout and learns from the run\'s own fills', () => {
    // No evidence: a maker fill is presumed to mark out at the prior, and where the maker fee saves
    // less than that (equal fees, as on Binance spot) the child takes.
    const spot = { ...base, makerFeeBps: 10, takerFeeBps: 10, evidence: none };
    expect(chooseOrder(spot).kind).toBe('take');
    // A few benign fills move the expectation only part of the way; many move it to the evidence.
    expect(blend(priors.makerMarkoutBps, priors.weight, 0, 5)).toBe(priors.makerMarkoutBps);
    expect(blend(-2, 5, 5, 0)).toBeCloseTo(-1, 12);
    expect(blend(-2, 5, 1e9, 0.5)).toBeCloseTo(0.5, 6);
    // Maker fills that marked out in our favour make resting cheaper than taking even at equal fees.
    expect(chooseOrder({ ...spot, evidence: { ...none, maker: { fills: 1000, markoutBps: 1 } } }).kind).toBe('join');
  });

  it('credits a take with the decisions\' own 5 s move: a signal the price follows is not worth waiting on', () => {
    const trending: RunEvidence = { ...benign, move: { decisions: 1000, bps: 5 } };
    const c = chooseOrder({ ...base, evidence: trending });
    // Taker fee, the half spread crossed, less the take's markout (the move less that half spread).
    expect(c.costBps.take).toBeCloseTo(5.5 + 2 * half - blend(0, priors.weight, 1000, 5), 9);
    expect(c.kind).toBe('take');
    expect(chooseOrder(base).kind).toBe('join');
  });

  it('prices a take that walks the book: a size beyond the touch pays the levels behind it', () => {
    const walked = chooseOrder({ ...base, takePrice: P + 3 });
    // 2.5 ticks over the mid, paid in the price and again in the markout measured from it.
    expect(walked.costBps.take).toBeCloseTo(5.5 + 2 * ((2.5 / (P + 0.5)) * 10_000), 9);
    expect(walked.costBps.take - chooseOrder(base).costBps.take).toBeCloseTo(2 * (2 / (P + 0.5)) * 10_000, 9);
  });

  it('counts what the run\'s escalations cost over a take at once on the same decisions, and the signal\'s drift over the wait', () => {
    // Fills in about one case in seven; each escalation so far cost 1.5 bps more than its paired take: take at once.
    const slowish = { ...base, touchTradeLotsPerSec: 20, queueLots: 100 };
    const costly: RunEvidence = { ...benign, escalation: { fills: 10_000, premiumBps: 1.5 } };
    const c = chooseOrder({ ...slowish, evidence: costly });
    expect(c.fillProbability.join).toBeLessThan(0.2);
    expect(c.kind).toBe('take');
    const markout = blend(-1, 5, 10_000, 0);
    expect(c.costBps.join).toBeCloseTo(c.fillProbability.join * (2 - half - markout) + (1 - c.fillProbability.join) * (c.costBps.take + blend(0.1, 5, 10_000, 1.5)), 9);
    expect(chooseOrder({ ...slowish, evidence: { ...benign, escalation: { fills: 10_000, premiumBps: 0 } } }).kind).toBe('join');
    // The decisions' mids moved 1 bps their way over the 300 ms a rest waits: a take after it pays that twice.
    const drifting = chooseOrder({ ...slowish, evidence: { ...benign, drift: { decisions: 10_000, bps: 1 } } });
    expect(drifting.kind).toBe('take');
  });

  it('scales its fill model by how often the run\'s rests filled against how often it expected', () => {
    const c = { ...base, touchTradeLotsPerSec: 20, queueLots: 100 };
    const expected = chooseOrder(c).fillProbability.join;
    // Rests filled at a tenth of the rate expected: the model is scaled down (blended with the prior 1).
    const rarely: RunEvidence = { ...benign, fills: { decisions: 100, expected: 20, filled: 2 } };
    const scaled = chooseOrder({ ...c, evidence: rarely });
    expect(scaled.fillProbability.join).toBeCloseTo(expected * blend(1, 5, 100, 0.1), 12);
    expect(chooseOrder(c).kind).toBe('join');
    expect(scaled.kind).toBe('take');
  });

  it('waits less the faster the market moves: the premium of a take after a wait scales with volatility', () => {
    const c = { ...base, touchTradeLotsPerSec: 20, queueLots: 100 };
    expect(chooseOrder({ ...c, sigmaBps: 0.5 }).kind).toBe('join');
    const fast = chooseOrder({ ...c, sigmaBps: 10 });
    expect(fast.kind).toBe('take');
    // That take is urgent: in a still market it would have rested, and its record says so.
    expect(fast.urgent).toBe(true);
    expect(describeChoice(fast)).toMatch(/; urgent: the market moves too fast to wait$/);
    expect(chooseOrder({ ...c, evidence: { ...none, maker: { fills: 10_000, markoutBps: -4 } } }).urgent).toBe(false);
    expect(fast.costBps.join - chooseOrder({ ...c, sigmaBps: 0.5 }).costBps.join).toBeCloseTo((1 - fast.fillProbability.join) * priors.escalationPremiumSigmas * 9.5, 9);
    // Before the volatility is known, the premium is the captures' mean in bps.
    expect(chooseOrder({ ...c, sigmaBps: null }).costBps.join).toBeCloseTo(chooseOrder({ ...c, sigmaBps: 2 }).costBps.join, 9);
  });

  it('rests only where resting pays under each capture\'s priors the pool was made of', () => {
    // A market where fills are rarer than the pool presumes: the rest that pays under the pool does not there.
    const rare: ChoicePriors = { ...priors, fill: { alpha: -3, beta: 0.7 }, source: 'probes of a slow market', alternatives: [] };
    const c = { ...base, touchTradeLotsPerSec: 40, queueLots: 100 };
    expect(chooseOrder(c).kind).toBe('join');
    const robust = chooseOrder({ ...c, priors: { ...priors, alternatives: [priors, rare] } });
    expect(robust.kind).toBe('take');
    expect(robust.overruledBy).toBe('probes of a slow market');
    // The costs shown are the pool's: taking there is dearer, and the record says why it took anyway.
    expect(robust.costBps.join).toBeLessThan(robust.costBps.take);
    expect(describeChoice(robust)).toMatch(/; resting costs more than taking under the probes of a slow market(;|$)/);
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

describe('the priors from the real captures', () => {
  it('pool every capture\'s probes, or all but the ones a run is judged on', () => {
    expect(DEFAULT_CHOICE_PRIORS.alternatives).toHaveLength(3);
    expect(DEFAULT_CHOICE_PRIORS.makerMarkoutBps).toBeLessThan(0);
    expect(DEFAULT_CHOICE_PRIORS.escalationPremiumSigmas).toBeGreaterThan(0);
    const held = pooledPriors(['Binance USD-M 2024-08-08']);
    expect(held.alternatives.map((a) => a.source)).toEqual(['probes of Binance USD-M 2024-07-18/19', 'probes of Binance spot 2024-08-08/09']);
    expect(held.source).toMatch(/left out: Binance USD-M 2024-08-08/);
    // Weighted by fills: 50 at −1.313 and 161 at −1.466.
    expect(held.makerMarkoutBps).toBeCloseTo((50 * -1.313 + 161 * -1.466) / 211, 3);
    expect(() => pooledPriors(['Binance USD-M 2024-08-08', 'Binance USD-M 2024-07-18/19', 'Binance spot 2024-08-08/09'])).toThrow(/no capture probe left/);
  });
});
