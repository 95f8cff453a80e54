import { describe, expect, it } from 'vitest';
import { MS, P, setUp } from '../support/engine-harness.ts';

/*
 * The smart policy's replace on a venue that amends: a child whose price alone must change is amended
 * in place, never canceled and sent anew; an amend the venue refuses because the child filled
 * meanwhile leaves one order, filled once, and nothing sent in its place.
 */

describe('a replace on a venue that amends', () => {
  it('amends the resting child to the new price: one order, no cancel', async () => {
    const h = setUp();
    await h.show(P, P + 3, 0);
    await h.buy();
    const [id] = h.flow.liveOrderIds();
    const placed = h.flow.order(id)?.limitPrice ?? 0;
    await h.show(P, P + 3, 30 * MS); // accepted
    expect(h.flow.order(id)?.status).toBe('accepted');
    await h.show(P + 4, P + 7, 150 * MS); // the touch moved 4 ticks up: the child follows it
    await h.show(P + 4, P + 7, 200 * MS); // the amend reached the venue and its answer came back
    const order = h.flow.order(id);
    expect(order?.limitPrice).toBeGreaterThan(placed);
    expect(order?.limitPrice).toBeGreaterThanOrEqual(P + 4);
    expect(h.reports.filter((r) => r.kind !== 'fill' && r.kind !== 'funding' && r.clientOrderId === id).map((r) => r.kind)).toEqual(['accepted', 'amended']);
    expect(h.flow.counters.orders).toBe(1);
    expect(h.flow.counters.canceled).toBe(0);
    expect(h.engine.counters).toMatchObject({ placed: 1, replaced: 1, amended: 1, amendsRefused: 0 });
    expect(h.venue.queueOf(id)).not.toBeNull();
  });

  it('handles an amend refused because the child filled meanwhile: filled once, nothing sent in its place', async () => {
    const h = setUp();
    await h.show(P, P + 3, 0);
    await h.buy();
    const [id] = h.flow.liveOrderIds();
    const target = h.flow.order(id)?.qty ?? 0;
    const price = h.flow.order(id)?.limitPrice ?? 0;
    await h.show(P, P + 3, 30 * MS);
    await h.show(P + 4, P + 7, 150 * MS); // amend sent; it reaches the venue 15 ms later
    h.trade(price - 1, target + 10, 155 * MS); // a seller trades through the child's price first: filled in full
    await h.show(P + 4, P + 7, 170 * MS); // the fill's report; the amend arrives to an order gone
    await h.show(P + 4, P + 7, 200 * MS); // the amend's refusal
    await h.show(P + 4, P + 7, 250 * MS);
    await h.show(P + 4, P + 7, 400 * MS); // past the escalation time-out: nothing is left to take
    const amendAnswers = h.reports.filter((r) => r.kind === 'amendRejected' || r.kind === 'amended');
    expect(amendAnswers.map((r) => r.kind)).toEqual(['amendRejected']);
    expect(h.flow.counters.orders).toBe(1);
    expect(h.flow.position.qty).toBe(target);
    expect(h.flow.exposureLots).toBe(target);
    expect(h.venue.snapshot().positionLots).toBe(target);
    expect(h.flow.liveOrderIds()).toEqual([]);
    expect(h.engine.counters).toMatchObject({ placed: 1, amended: 1, amendsRefused: 1, escalations: 0, filledLots: target });
  });
});
