import { describe, expect, it } from 'vitest';
import { MS, P, setUp } from '../support/engine-harness.ts';

/*
 * What the summary counts as escalated: a decision that rested a child and then took the rest at
 * market. A decision whose first choice was a take at market is counted apart, as taken at once, so
 * that "escalated 0.0% (10)" no longer reads as ten escalations on a run where every decision took.
 */

describe('escalations and takes at once, counted apart', () => {
  it('counts a decision that rested and then took the rest after the time-out as an escalation', async () => {
    const h = setUp();
    await h.show(P, P + 3, 0);
    await h.buy(0.9);
    await h.show(P, P + 3, 30 * MS); // the passive child is accepted and rests
    await h.show(P, P + 3, 200 * MS);
    await h.show(P, P + 3, 400 * MS); // past the 300 ms time-out: the rest goes to market
    await h.show(P, P + 3, 450 * MS);
    expect(h.engine.counters).toMatchObject({ parents: 1, placed: 1, escalations: 1, takenAtOnce: 0 });
    expect(h.flow.counters.orders).toBe(2);
  });

  it('counts a decision whose first order was a market order as taken at once, not escalated', async () => {
    const h = setUp();
    await h.show(P, P + 3, 0);
    await h.buy(0.99); // above the urgency's aggressive level: taken at once
    await h.show(P, P + 3, 30 * MS);
    await h.show(P, P + 3, 60 * MS);
    expect(h.engine.counters).toMatchObject({ parents: 1, escalations: 0, takenAtOnce: 1 });
    expect(h.flow.counters.orders).toBe(1);
    expect(h.venue.snapshot().positionLots).toBeGreaterThan(0);
  });
});
