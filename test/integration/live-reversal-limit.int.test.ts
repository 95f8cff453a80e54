import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/builders.ts';
import { LiveRig } from '../support/live-rig.ts';

/*
 * A reversal through the position limit against the local Bybit v5 server: the app holds the limit
 * long, the signal turns, and the orders that take it to the limit short (and back) may never leave
 * the exchange beyond the limit in either direction, even when the exchange answers the reversal's
 * orders late and hides their fills from the private stream. Every assertion that matters is on the
 * server's own state: the largest |position| its engine held after any execution
 * (`peakPositionLots`), the signed extremes seen by polling it, and its position at the end, which the
 * app's must equal. Checked against two breakages on 2026-12-07: exposure counted without the working
 * orders (both tests fail, the exchange at 20 lots), and a sell counted as reducing a long whatever the
 * orders already working to sell (the second fails: the exchange short 20 lots, its fills not yet seen
 * by the app).
 */

const CREATE = '/v5/order/create';
/** 0.01 BTC in lots of 0.001; a baseline order (5% of 40 000 USDT at 90 000, 22 lots) is sized to it. */
const LIMIT = 10;
let rig: LiveRig | null = null;

afterEach(async () => {
  await rig?.close();
  rig = null;
});

/** The server's signed position, polled every 2 ms until stopped: the lowest and highest seen. */
function watchExchange(r: LiveRig): { readonly low: () => number; readonly high: () => number; readonly stop: () => void } {
  let low = r.server.positionLots();
  let high = low;
  const timer = setInterval(() => {
    const p = r.server.positionLots();
    low = Math.min(low, p);
    high = Math.max(high, p);
  }, 2);
  return { low: () => low, high: () => high, stop: () => clearInterval(timer) };
}

/**
 * Waits until the exchange and the app both hold `lots`; fails at once, naming the position, if the
 * exchange has gone beyond the limit meanwhile (else a position past the limit would only show as a wait that never ends).
 */
async function reach(r: LiveRig, lots: number, timeoutMs: number): Promise<void> {
  await eventually(() => {
    if (r.server.peakPositionLots() > LIMIT) throw new Error(`the exchange went beyond the limit: ${r.server.peakPositionLots()} lots held (now ${r.server.positionLots()}), limit ±${LIMIT}`);
    return r.server.positionLots() === lots && r.loop.position.qty === lots;
  }, timeoutMs);
}

describe('a reversal through the position limit against the local Bybit', { timeout: 120_000 }, () => {
  it('long at the limit, the signal turns: short at the limit and long again, the exchange never beyond the limit, app and exchange agree', async () => {
    let side = 1;
    rig = await LiveRig.start({ maxPositionLots: LIMIT, score: () => side });
    const watch = watchExchange(rig);
    const summary = await rig.run(async (r) => {
      await reach(r, LIMIT, 30_000);
      // The app holds the limit long; the signal turns.
      side = -1;
      await reach(r, -LIMIT, 30_000);
      // Signals to sell go on at the limit short: nothing more may reach the exchange.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      side = 1;
      await reach(r, LIMIT, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    });
    watch.stop();
    const server = rig.server;
    expect(server.peakPositionLots()).toBe(LIMIT);
    expect(watch.low()).toBe(-LIMIT);
    expect(watch.high()).toBe(LIMIT);
    expect(server.positionLots()).toBe(LIMIT);
    // Each turn went through flat in orders within the order limit: creates of at most the limit each.
    const quantities = server.requests.filter((q) => q.path === CREATE).map((q) => Math.round(Number((JSON.parse(q.body) as { qty: string }).qty) * 1000));
    expect(Math.max(...quantities)).toBeLessThanOrEqual(LIMIT);
    // App and exchange agree: the position, and every execution of the run's orders stored once.
    expect(rig.loop.position.qty).toBe(server.positionLots());
    expect(summary.position.qty).toBe((server.positionLots() / 1000).toFixed(3));
    expect([...rig.storedFillIds()].sort()).toEqual([...rig.runExecutions()].sort());
    expect(server.openOrderIds()).toEqual([]);
  });

  it('the reversal\'s creates answered late and their fills hidden from the stream: the exchange still never beyond the limit, short side included', async () => {
    let side = 1;
    rig = await LiveRig.start({ maxPositionLots: LIMIT, score: () => side, gateway: { requestTimeoutMs: 300, maxAttempts: 4 } });
    const watch = watchExchange(rig);
    await rig.run(async (r) => {
      await reach(r, LIMIT, 30_000);
      // The turn: every create is carried out at once but answered after the gateway's timeout (it
      // retries by orderLinkId), and no fill is shown on the stream, so the app learns of each only by
      // reading the exchange. Signals to sell keep coming all the while.
      r.server.delayNext(CREATE, 1_000, 6);
      r.server.hideNextFills(100);
      side = -1;
      await reach(r, -LIMIT, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      // And back, with the same faults on the way.
      r.server.delayNext(CREATE, 1_000, 6);
      side = 1;
      await reach(r, LIMIT, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    });
    watch.stop();
    const server = rig.server;
    // The faults took: creates repeated by orderLinkId after their timeouts (the reversal's orders and the way back's).
    const creates = rig.creates();
    expect(creates.length).toBeGreaterThan(new Set(creates).size + 4);
    expect(server.peakPositionLots()).toBe(LIMIT);
    expect(watch.low()).toBe(-LIMIT);
    expect(watch.high()).toBe(LIMIT);
    expect(rig.loop.position.qty).toBe(server.positionLots());
    expect([...rig.storedFillIds()].sort()).toEqual([...rig.runExecutions()].sort());
    expect(server.openOrderIds()).toEqual([]);
  });
});
