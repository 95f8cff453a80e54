import { afterEach, describe, expect, it } from 'vitest';
import { createBybitGateway, type BybitGateway, type BybitGatewayOptions } from '../../adapters/bybit/gateway/bybit-gateway.ts';
import type { ExecutionReport, OrderRequest } from '../../application/ports/execution-venue.ts';
import type { VenueNotice } from '../../application/ports/live-venue.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { eventually } from '../support/builders.ts';
import { BybitV5Server } from '../support/bybit-v5-server.ts';
import { RecordingLogger } from '../support/fakes.ts';
import { LiveRig } from '../support/live-rig.ts';

/*
 * The live fault suite, clock and credentials: the gateway against the local Bybit v5 server with its
 * clock moved, 10002 answers, refused credentials, rate limits and requests that never arrive. Each
 * case checks what the exchange holds, not only what the gateway says.
 */

const KEY = 'clock-key';
const SECRET = 'clock-secret';
const REF = 900_000;
const CREATE = '/v5/order/create';
const clock = { nowMicros: () => (Date.now() * 1000) as Micros };

interface Setup {
  readonly server: BybitV5Server;
  readonly gateway: BybitGateway;
  readonly reports: ExecutionReport[];
  readonly notices: VenueNotice[];
  readonly logger: RecordingLogger;
}

let open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.reverse()) await o.close();
  open = [];
});

async function startServer(): Promise<BybitV5Server> {
  const server = await BybitV5Server.start({ apiKey: KEY, apiSecret: SECRET });
  open.push(server);
  server.setBook([[REF - 1, 500]], [[REF + 2, 500]]);
  return server;
}

async function setup(over: Partial<BybitGatewayOptions> = {}, server?: BybitV5Server): Promise<Setup> {
  const s = server ?? (await startServer());
  const logger = new RecordingLogger();
  const gateway = await createBybitGateway({
    network: 'testnet', restUrl: s.restUrl, privateWsUrl: s.privateWsUrl, apiKey: KEY, apiSecret: SECRET, symbol: 'BTCUSDT', clock, logger,
    rateLimitMs: 5, retryBackoffMs: 20, requestTimeoutMs: 1_000, ...over,
  });
  open.push(gateway);
  const reports: ExecutionReport[] = [];
  const notices: VenueNotice[] = [];
  gateway.onReport((r) => reports.push(r));
  gateway.onNotice((n) => notices.push(n));
  return { server: s, gateway, reports, notices, logger };
}

let nextId = 1;
function order(over: Partial<OrderRequest> = {}): OrderRequest {
  return { clientOrderId: `c${nextId++}-${Date.now() % 100_000}`, symbol: 'BTCUSDT', side: 'Buy', type: 'limit', qty: 5 as Lots, limitPrice: REF as Ticks, reduceOnly: false, ts: clock.nowMicros(), ...over };
}

const count = (server: BybitV5Server, path: string, id?: string): number =>
  server.requests.filter((r) => r.path === path && (id === undefined || r.body.includes(`"${id}"`) || r.query.includes(id))).length;

describe('live faults: the clock', { timeout: 60_000 }, () => {
  it('10002 three times: the clock is re-synced and the request sent once more; the first order is refused after its one retry, the second goes through, each on the exchange at most once', async () => {
    const { server, gateway } = await setup();
    const times = count(server, '/v5/market/time');
    server.retCodeNext(CREATE, 10002, 3);
    const a = order();
    const b = order();
    const [refused] = await gateway.submit(a);
    expect(refused).toMatchObject({ kind: 'rejected', clientOrderId: a.clientOrderId });
    expect(refused.kind === 'rejected' ? refused.reason : '').toMatch(/10002/);
    expect(await gateway.submit(b)).toEqual([]);
    expect(count(server, '/v5/market/time')).toBe(times + 2);
    expect(count(server, CREATE, a.clientOrderId)).toBe(2);
    expect(count(server, CREATE, b.clientOrderId)).toBe(2);
    await eventually(() => server.openOrderIds().includes(b.clientOrderId));
    expect(server.openOrderIds()).toEqual([b.clientOrderId]);
  });

  it('the exchange\'s clock jumps 20 s ahead: the next order is refused with 10002, re-synced and placed; the private stream signs its expires with the corrected time', async () => {
    const { server, gateway } = await setup();
    expect(Math.abs(gateway.clockOffsetMs)).toBeLessThan(2_000);
    server.skewClock(20_000);
    const o = order();
    expect(await gateway.submit(o)).toEqual([]);
    expect(server.openOrderIds()).toEqual([o.clientOrderId]);
    expect(Math.abs(gateway.clockOffsetMs - 20_000)).toBeLessThan(2_000);
    // Its own time would make the auth's expires 10 s in the exchange's past.
    server.dropStreams();
    await eventually(() => gateway.outOfSync() !== null, 5_000);
    await eventually(() => gateway.outOfSync() === null, 10_000);
  });

  it('refuses to start when the clock is further from Bybit\'s than allowed, saying by how much', async () => {
    const server = await startServer();
    server.skewClock(60_000);
    await expect(setup({ maxClockOffsetMs: 10_000 }, server)).rejects.toThrow(/clock is (59|60)\d{3} ms from Bybit's \(more than 10000 ms\)/);
    expect(count(server, CREATE)).toBe(0);
  });
});

describe('live faults: credentials, rate limits, requests lost', { timeout: 60_000 }, () => {
  for (const [label, inject] of [
    ['HTTP 401', (s: BybitV5Server) => s.failNext(CREATE, 1, 401)],
    ['retCode 10003', (s: BybitV5Server) => s.retCodeNext(CREATE, 10003, 1)],
    ['retCode 10004', (s: BybitV5Server) => s.retCodeNext(CREATE, 10004, 1)],
  ] as const) {
    it(`credentials refused mid-run (${label}): the order is rejected, the venue halts with the reason, and nothing more is sent`, async () => {
      const { server, gateway, notices } = await setup();
      inject(server);
      const [refused] = await gateway.submit(order());
      expect(refused.kind).toBe('rejected');
      expect(notices).toContainEqual(expect.objectContaining({ kind: 'halt', reason: expect.stringMatching(/refused the API credentials/) }));
      expect(gateway.outOfSync()).toMatch(/refused the API credentials/);
      const creates = count(server, CREATE);
      const [again] = await gateway.submit(order());
      expect(again.kind).toBe('rejected');
      expect(count(server, CREATE)).toBe(creates);
      expect(server.openOrderIds()).toEqual([]);
    });
  }

  it('rate limited three times (10006): waits, and places the order once', async () => {
    const { server, gateway } = await setup();
    server.rateLimitNext(CREATE, 3);
    const o = order();
    expect(await gateway.submit(o)).toEqual([]);
    expect(count(server, CREATE, o.clientOrderId)).toBe(4);
    expect(server.openOrderIds()).toEqual([o.clientOrderId]);
  });

  it('a create lost in transport every time is UNKNOWN, looked up by orderLinkId, and rejected only once it can no longer arrive', async () => {
    const { server, gateway, reports, notices } = await setup({ recvWindowMs: 500, maxAttempts: 3 });
    server.failNext(CREATE, 3, 503);
    const o = order();
    expect(await gateway.submit(o)).toEqual([]);
    expect(notices).toContainEqual(expect.objectContaining({ kind: 'unknown', clientOrderId: o.clientOrderId }));
    await eventually(() => reports.some((r) => r.kind === 'rejected' && r.clientOrderId === o.clientOrderId), 10_000);
    const rejected = reports.find((r) => r.kind === 'rejected');
    expect(rejected?.kind === 'rejected' ? rejected.reason : '').toMatch(/not on the exchange \(looked up by orderLinkId/);
    expect(count(server, '/v5/order/realtime', o.clientOrderId)).toBeGreaterThanOrEqual(2);
    expect(server.openOrderIds()).toEqual([]);
  });

  it('adopts the orders open at start when asked: they stay on the exchange and their fills are reported', async () => {
    const server = await startServer();
    const link = server.restOrder('Buy', 4, REF - 1);
    const { gateway, reports } = await setup({ onStartOrders: 'adopt' }, server);
    expect(gateway.adoptedOrders()).toEqual([expect.objectContaining({ clientOrderId: link, side: 'Buy', type: 'limit', qty: 4, filledQty: 0, limitPrice: REF - 1 })]);
    expect(server.openOrderIds()).toEqual([link]);
    server.trade(REF - 1, 600, 'Sell');
    await eventually(() => reports.some((r) => r.kind === 'fill' && r.fill.orderId === link));
    await eventually(() => gateway.position().lots === server.positionLots() && server.positionLots() > 0);
  });

  it('sets Bybit\'s disconnect-cancel-all when asked: once the private stream is gone for the window, the exchange cancels the orders itself', async () => {
    const { server, gateway } = await setup({ dcpWindowS: 3 });
    expect(server.dcpWindow).toBe(3);
    const o = order();
    await gateway.submit(o);
    expect(server.openOrderIds()).toEqual([o.clientOrderId]);
    // The process dies: no stream, no reconnect.
    await gateway.close();
    await eventually(() => server.openOrderIds().length === 0, 10_000);
  });
});

describe('live faults: a halt reaches the run', { timeout: 60_000 }, () => {
  it('credentials refused mid-run: the run halts at once, the reason stored as a risk event, and no order follows', async () => {
    const rig = await LiveRig.start({ maxPositionLots: 50 });
    open.push(rig);
    // The key is revoked: every create is refused from now on.
    rig.server.failNext(CREATE, 1_000, 401);
    let atHalt = 0;
    await rig.run(async (r) => {
      await eventually(() => r.logText().includes('trading halted'), 30_000);
      // Orders the run made by now: those on their way when the first answer came included.
      atHalt = r.loop.summary().orders.orders;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await r.writer.flush();
    });
    const halt = rig.store.riskEvents.find((e) => /refused the API credentials/.test(e.reason));
    expect(halt).toMatchObject({ kind: 'trip', cause: 'venueSync', state: 'HALTED' });
    // Those already on their way when the first answer came may have been sent; nothing after.
    expect(atHalt).toBeGreaterThan(0);
    expect(rig.creates().length).toBeLessThanOrEqual(atHalt);
    expect(rig.loop.summary().orders.orders).toBe(atHalt);
    expect(rig.server.positionLots()).toBe(0);
  });
});
