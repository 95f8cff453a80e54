import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { chooseOrder, type ChoiceInput } from '../../domain/execution/order-choice.ts';
import { pooledPriors } from '../../domain/execution/choice-priors.ts';

const evidence = fc.record({
  maker: fc.record({ fills: fc.nat(10_000), markoutBps: fc.double({ min: -20, max: 20, noNaN: true }) }),
  move: fc.record({ decisions: fc.nat(10_000), bps: fc.double({ min: -20, max: 20, noNaN: true }) }),
  drift: fc.record({ decisions: fc.nat(10_000), bps: fc.double({ min: -20, max: 20, noNaN: true }) }),
  fills: fc.nat(10_000).chain((decisions) => fc.record({
    decisions: fc.constant(decisions), expected: fc.double({ min: 0, max: decisions, noNaN: true }), filled: fc.double({ min: 0, max: decisions, noNaN: true }),
  })),
  escalation: fc.record({ fills: fc.nat(10_000), premiumBps: fc.double({ min: -20, max: 20, noNaN: true }) }),
});

const input: fc.Arbitrary<ChoiceInput> = fc
  .record({
    side: fc.constantFrom('Buy' as const, 'Sell' as const),
    bestBid: fc.integer({ min: 1_000, max: 2_000_000 }),
    spread: fc.integer({ min: 1, max: 20 }),
    queueLots: fc.nat(100_000),
    lots: fc.integer({ min: 1, max: 10_000 }),
    touchTradeLotsPerSec: fc.double({ min: 0, max: 1e6, noNaN: true }),
    restMs: fc.integer({ min: 1, max: 10_000 }),
    makerFeeBps: fc.double({ min: -2, max: 10, noNaN: true }),
    takerFeeBps: fc.double({ min: 0, max: 10, noNaN: true }),
    evidence,
    edgeBps: fc.double({ min: 0, max: 50, noNaN: true }),
    horizonMs: fc.integer({ min: 1, max: 600_000 }),
    sigmaBps: fc.option(fc.double({ min: 0, max: 50, noNaN: true })),
    priors: fc.constantFrom(pooledPriors(), pooledPriors(['Binance USD-M 2024-08-08']), pooledPriors(['Binance spot 2024-08-08/09'])),
  })
  .map(({ spread, ...c }) => ({ ...c, bestAsk: c.bestBid + spread }));

describe('chooseOrder: the cheapest way wins', () => {
  test.prop([input])('takes whenever every way of resting is expected to cost more than taking, and rests only where it is expected to cost no more', (c) => {
    const choice = chooseOrder(c);
    const { take, join, improve } = choice.costBps;
    const cheapestRest = Math.min(join, improve ?? Infinity);
    if (cheapestRest > take) expect(choice.kind).toBe('take');
    // A take is the cheapest under the pooled priors, or a rest that would cost more than taking under
    // one of the captures the pool was made of (the record names it).
    if (choice.kind === 'take' && choice.overruledBy === null) expect(take).toBeLessThan(cheapestRest);
    if (choice.overruledBy !== null) {
      expect(choice.kind).toBe('take');
      expect(c.priors.alternatives.map((a) => a.source)).toContain(choice.overruledBy);
    }
    if (choice.kind === 'join') expect(join).toBeLessThanOrEqual(Math.min(take, improve ?? Infinity));
    if (choice.kind === 'improve') expect(improve).toBeLessThanOrEqual(Math.min(take, join));
    if (improve === null) expect(c.bestAsk - c.bestBid).toBe(1);
    for (const p of [choice.fillProbability.join, choice.fillProbability.improve ?? 0]) expect(p >= 0 && p <= 1).toBe(true);
  });

  test.prop([input, fc.double({ min: 0.01, max: 20, noNaN: true })])('a more adverse maker markout never turns a take into a rest, and leaves the take\'s cost as it was', (c, worse) => {
    const maker = { fills: Math.max(1, c.evidence.maker.fills), markoutBps: c.evidence.maker.markoutBps };
    const before = chooseOrder({ ...c, evidence: { ...c.evidence, maker } });
    const after = chooseOrder({ ...c, evidence: { ...c.evidence, maker: { ...maker, markoutBps: maker.markoutBps - worse } } });
    expect(after.costBps.take).toBe(before.costBps.take);
    expect(after.costBps.join).toBeGreaterThanOrEqual(before.costBps.join);
    if (before.kind === 'take') expect(after.kind).toBe('take');
  });
});
