import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/builders.ts';
import { LiveRig } from '../support/live-rig.ts';

/*
 * The live fault suite: app:live's loop, outbox and gateway against the local Bybit v5 server, each
 * fault injected the way an exchange misbehaves. Every assertion that matters is on the exchange's
 * state: the position it held at its peak, the orders and executions it made.
 */

const CREATE = '/v5/order/create';
const LIMIT = 50;
let rig: LiveRig | null = null;

afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('live faults against the local Bybit', { timeout: 90_000 }, () => {
  it('an order whose create answers late four times is not rejected: counted at full size until found by orderLinkId, its hidden fill recorded once; the exchange never passes the limit', async () => {
    rig = await LiveRig.start({ maxPositionLots: LIMIT, gateway: { requestTimeoutMs: 300, maxAttempts: 4 } });
    // The first create is carried out at once but every answer comes after the timeout; its fill is
    // not shown on the stream either.
    rig.server.delayNext(CREATE, 1_500, 4);
    rig.server.hideNextFills(100);
    const summary = await rig.run(async (r) => {
      await eventually(() => r.creates().length >= 4, 30_000);
      // Signals keep coming while the outcome is in doubt and after; give them time to (not) act.
      await eventually(() => r.loop.position.qty === r.server.positionLots() && r.server.positionLots() !== 0, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    });
    const first = rig.creates()[0];
    expect(rig.creates().filter((id) => id === first).length).toBe(4);
    expect(rig.server.peakPositionLots()).toBeLessThanOrEqual(LIMIT);
    expect(rig.server.positionLots()).toBe(LIMIT);
    // Never reported rejected; every execution recorded once; the run's position is the exchange's.
    expect(rig.store.orders.get(`rig/${first}`)?.status).toBe('filled');
    expect([...rig.storedFillIds()].sort()).toEqual([...rig.runExecutions()].sort());
    expect(summary.position.qty).toBe((rig.server.positionLots() / 1000).toFixed(3));
  });
});
