import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createBybitGateway, type BybitGateway, type BybitGatewayOptions } from '../../adapters/bybit/gateway/bybit-gateway.ts';
import { createCcxtBybit } from '../../adapters/bybit/gateway/ccxt-slice.ts';
import { meaningOf, retCodeOf } from '../../adapters/bybit/gateway/error-map.ts';
import { createPinoLogger } from '../../adapters/log/pino-logger.ts';
import { VENUE_REASONS, type ExecutionReport, type OrderRequest } from '../../application/ports/execution-venue.ts';
import { silentLogger, type Logger } from '../../application/ports/logger.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { btc, eventually } from '../support/builders.ts';
import { BybitV5Server, type BybitV5ServerOptions } from '../support/bybit-v5-server.ts';

const API_KEY = 'kEy-7f3a9c1e55d2';
const API_SECRET = 'sEcReT-0b8e4d2a6c91f7';
const REF = 900_000;
const CREATE = '/v5/order/create';
const REQUESTS = new URL('../../../shared/data/ccxt/request_bybit.json', import.meta.url);

const clock = { nowMicros: () => (Date.now() * 1000) as Micros };
let open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  for (const o of open.reverse()) await o.close();
  open = [];
});

interface Rig {
  readonly server: BybitV5Server;
  readonly gateway: BybitGateway;
  readonly reports: ExecutionReport[];
}

async function startServer(options: Partial<BybitV5ServerOptions> = {}): Promise<BybitV5Server> {
  const server = await BybitV5Server.start({ apiKey: API_KEY, apiSecret: API_SECRET, ...options });
  open.push(server);
  server.setBook([[REF - 1, 5]], [[REF + 2, 5]]);
  return server;
}

function gatewayOptions(server: BybitV5Server, over: Partial<BybitGatewayOptions> = {}): BybitGatewayOptions {
  return {
    network: 'testnet', restUrl: server.restUrl, privateWsUrl: server.privateWsUrl, apiKey: API_KEY, apiSecret: API_SECRET,
    symbol: 'BTCUSDT', clock, logger: silentLogger, rateLimitMs: 5, retryBackoffMs: 20, requestTimeoutMs: 2_000, ...over,
  };
}

async function rig(logger: Logger = silentLogger, over: Partial<BybitGatewayOptions> = {}): Promise<Rig> {
  const server = await startServer();
  const gateway = await createBybitGateway(gatewayOptions(server, { logger, ...over }));
  open.push(gateway);
  const reports: ExecutionReport[] = [];
  gateway.onReport((r) => reports.push(r));
  return { server, gateway, reports };
}

let nextId = 1;
function order(over: Partial<OrderRequest> = {}): OrderRequest {
  return { clientOrderId: `t${nextId++}-${Date.now() % 100_000}`, symbol: 'BTCUSDT', side: 'Buy', type: 'limit', qty: 5 as Lots, limitPrice: REF as Ticks, reduceOnly: false, ts: clock.nowMicros(), ...over };
}

const kindsOf = (reports: readonly ExecutionReport[], id: string): string[] =>
  reports.filter((r) => (r.kind === 'fill' ? r.fill.orderId === id : r.kind !== 'funding' && r.clientOrderId === id)).map((r) => r.kind);

/** Every fill the server made reported exactly once, and the gateway's position equal to the server's. */
async function expectConsistent({ server, gateway, reports }: Rig): Promise<void> {
  await server.settle();
  await eventually(() => {
    const ids = reports.flatMap((r) => (r.kind === 'fill' ? [r.fill.tradeId] : []));
    return ids.length === server.execIds().length && gateway.position().lots === server.positionLots();
  });
  const ids = reports.flatMap((r) => (r.kind === 'fill' ? [r.fill.tradeId] : []));
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual([...server.execIds()].sort());
  expect(gateway.position().lots).toBe(server.positionLots());
}

const creates = (server: BybitV5Server, id: string): number => server.requests.filter((r) => r.path === CREATE && r.body.includes(`"${id}"`)).length;

describe('Bybit gateway: start-up', () => {
  it('takes the instrument specs from the exchange', async () => {
    const { gateway } = await rig();
    expect([gateway.instrument.tickSize, gateway.instrument.lotSize, gateway.instrument.minQty]).toEqual([btc.tickSize, btc.lotSize, btc.minQty]);
    expect(gateway.instrument.minLots).toBe(1);
    expect(gateway.name).toBe('bybit-testnet');
  });

  it('takes fills from before the run as history: no reports, the position from the exchange', async () => {
    const first = await rig();
    await first.gateway.submit(order({ type: 'market', limitPrice: null, qty: 2 as Lots }));
    await expectConsistent(first);
    await first.gateway.close();
    const second = await createBybitGateway(gatewayOptions(first.server));
    open.push(second);
    const reports: ExecutionReport[] = [];
    second.onReport((r) => reports.push(r));
    expect((await second.reconcile()).applied).toEqual([]);
    expect(second.position().lots).toBe(2);
    const o = order({ type: 'market', limitPrice: null, qty: 1 as Lots });
    await second.submit(o);
    await first.server.settle();
    await eventually(() => reports.some((r) => r.kind === 'fill'));
    expect(reports.map((r) => r.kind)).toEqual(['accepted', 'fill']);
    await eventually(() => second.position().lots === 3);
  });

  it('takes funding from before the run as history too, and reports only what came after', async () => {
    const server = await startServer();
    server.funding('0.3');
    const gateway = await createBybitGateway(gatewayOptions(server));
    open.push(gateway);
    const reports: ExecutionReport[] = [];
    gateway.onReport((r) => reports.push(r));
    expect((await gateway.reconcile()).applied).toEqual([]);
    server.hideNextFills(1);
    server.funding('0.2');
    const after = await gateway.reconcile();
    expect(after.applied).toMatchObject([{ kind: 'funding', cash: -20_000_000 }]);
    expect(reports.filter((r) => r.kind === 'funding')).toHaveLength(1);
  });

  it('refuses to start when the exchange does not list the symbol', async () => {
    const server = await startServer({ unlistBtc: true });
    await expect(createBybitGateway(gatewayOptions(server))).rejects.toThrow(/does not list BTCUSDT/);
  });

  it('refuses clearly when the secret is wrong (signature refused, 10004), naming neither key nor secret', async () => {
    const server = await startServer();
    const failure = await createBybitGateway(gatewayOptions(server, { apiSecret: 'wrong-secret-value' })).then(() => null, (e: unknown) => e as Error);
    expect(failure?.message).toMatch(/10004/);
    expect(failure?.message).not.toContain(API_KEY);
    expect(failure?.message).not.toContain('wrong-secret-value');
  });
});

describe('Bybit gateway: faults', () => {
  it('retries a timed-out submit with the same orderLinkId and places one order only', async () => {
    const r = await rig(silentLogger, { requestTimeoutMs: 300 });
    r.server.delayNext(CREATE, 800);
    const o = order();
    expect(await r.gateway.submit(o)).toEqual([]);
    expect(creates(r.server, o.clientOrderId)).toBe(2);
    r.server.trade(REF, 2, 'Sell');
    await expectConsistent(r);
    expect(kindsOf(r.reports, o.clientOrderId)).toEqual(['accepted', 'fill']);
  });

  it('retries through 5xx answers', async () => {
    const r = await rig();
    r.server.failNext(CREATE, 2, 503);
    const o = order({ type: 'market', limitPrice: null, qty: 2 as Lots });
    await r.gateway.submit(o);
    expect(creates(r.server, o.clientOrderId)).toBe(3);
    await expectConsistent(r);
    expect(r.gateway.position().lots).toBe(2);
  });

  it('recovers what a stream dropped between submit and acknowledgement', async () => {
    const r = await rig();
    r.server.dropStreamOnNextCreate();
    const o = order({ type: 'market', limitPrice: null, qty: 3 as Lots });
    await r.gateway.submit(o);
    await expectConsistent(r);
    expect(kindsOf(r.reports, o.clientOrderId)).toEqual(['accepted', 'fill']);
    expect(r.gateway.position().lots).toBe(3);
  });

  it('reports a fill only REST shows, once, after a reconnect', async () => {
    const r = await rig();
    const o = order();
    await r.gateway.submit(o);
    await r.server.settle();
    r.server.hideNextFills(1);
    r.server.trade(REF, 2, 'Sell');
    await r.server.settle();
    expect(kindsOf(r.reports, o.clientOrderId)).toEqual(['accepted']);
    r.server.dropStreams();
    await expectConsistent(r);
    expect(kindsOf(r.reports, o.clientOrderId)).toEqual(['accepted', 'fill']);
    const again = await r.gateway.reconcile();
    expect(again.applied).toEqual([]);
    expect(kindsOf(r.reports, o.clientOrderId)).toEqual(['accepted', 'fill']);
  });

  it('reads every page of what it missed after a reconnect: 150 fills and a funding, each reported once', async () => {
    const r = await rig();
    const o = order({ qty: 150 as Lots });
    await r.gateway.submit(o);
    await r.server.settle();
    r.server.hideNextFills(151);
    for (let i = 0; i < 150; i++) r.server.trade(REF, 1, 'Sell');
    r.server.funding('0.25');
    await r.server.settle();
    expect(kindsOf(r.reports, o.clientOrderId)).toEqual(['accepted']);
    const listed = (): number => r.server.requests.filter((q) => q.path === '/v5/execution/list').length;
    const before = listed();
    r.server.dropStreams();
    await expectConsistent(r);
    expect(kindsOf(r.reports, o.clientOrderId)).toEqual(['accepted', ...Array<string>(150).fill('fill')]);
    const funding = r.reports.flatMap((x) => (x.kind === 'funding' ? [x] : []));
    expect(funding).toHaveLength(1);
    expect(funding[0]).toMatchObject({ cash: -25_000_000 });
    // Two pages of trades and the empty one the last cursor leads to, one page of funding.
    expect(listed() - before).toBeGreaterThanOrEqual(3);
    const again = await r.gateway.reconcile();
    expect(again.applied).toEqual([]);
  });

  it('is out of sync from a drop until the reconciliation after the reconnect, and retries one that fails', async () => {
    const r = await rig();
    expect(r.gateway.outOfSync()).toBeNull();
    const seen = new Set<string>();
    const watch = setInterval(() => seen.add(r.gateway.outOfSync() ?? 'in sync'), 2);
    try {
      r.server.failNext('/v5/execution/list', 1);
      r.server.dropStreams();
      await eventually(() => /reconciliation after a reconnect failed/.test(r.gateway.outOfSync() ?? ''), 5_000, 5);
      await eventually(() => r.gateway.outOfSync() === null, 8_000, 5);
    } finally {
      clearInterval(watch);
    }
    expect(seen).toContain('the Bybit private stream is down; reconnecting');
    const again = order({ type: 'market', limitPrice: null, qty: 1 as Lots });
    await r.gateway.submit(again);
    await expectConsistent(r);
  });

  it('waits out a rate limit (10006) and sends the order once it is allowed', async () => {
    const r = await rig();
    r.server.rateLimitNext(CREATE, 1);
    const o = order({ type: 'market', limitPrice: null, qty: 1 as Lots });
    await r.gateway.submit(o);
    expect(creates(r.server, o.clientOrderId)).toBe(2);
    await expectConsistent(r);
    expect(r.gateway.position().lots).toBe(1);
  });

  it('keeps key and secret out of every log line through errors and reconnects', async () => {
    const lines: string[] = [];
    const logger = createPinoLogger({ level: 'debug', destination: { write: (s: string) => { lines.push(s); } } });
    const server0 = await startServer();
    await createBybitGateway(gatewayOptions(server0, { logger, apiSecret: `${API_SECRET}x` })).catch((e: unknown) => logger.error({ error: String(e) }, 'start failed'));
    const r = await rig(logger, { requestTimeoutMs: 300 });
    r.server.rateLimitNext(CREATE, 1);
    r.server.failNext(CREATE, 1, 502);
    await r.gateway.submit(order({ type: 'market', limitPrice: null, qty: 1 as Lots }));
    r.server.dropStreams();
    r.server.delayNext(CREATE, 800);
    await r.gateway.submit(order());
    await expectConsistent(r);
    expect(lines.some((l) => l.includes(VENUE_REASONS.rateLimited))).toBe(true);
    expect(lines.some((l) => l.includes('reconnecting'))).toBe(true);
    for (const line of lines) {
      expect(line).not.toContain(API_KEY);
      expect(line).not.toContain(API_SECRET);
    }
  });
});

describe('Bybit gateway: error mapping', () => {
  it.each([
    [110007, VENUE_REASONS.insufficient], [110004, VENUE_REASONS.insufficient], [110012, VENUE_REASONS.insufficient],
    [110017, VENUE_REASONS.reduceOnly], [110018, VENUE_REASONS.reduceOnly], [170218, VENUE_REASONS.postOnly],
    [110001, VENUE_REASONS.unknownOrder], [170213, VENUE_REASONS.unknownOrder], [10001, VENUE_REASONS.invalid],
    [110003, VENUE_REASONS.invalid], [170136, VENUE_REASONS.invalid], [99999, VENUE_REASONS.invalid],
  ])('maps retCode %i to %s', (code, reason) => {
    expect(meaningOf(code)).toEqual({ kind: 'refusal', reason });
  });

  it('retries rate limits and recognises a duplicate orderLinkId and refused credentials', () => {
    expect([10006, 10018].map((c) => meaningOf(c).kind)).toEqual(['rateLimited', 'rateLimited']);
    expect(meaningOf(110072).kind).toBe('duplicate');
    expect([10003, 10004].map((c) => meaningOf(c).kind)).toEqual(['auth', 'auth']);
  });

  it('reads the retCode out of a ccxt exception message, and none out of a transport failure', () => {
    expect(retCodeOf(new Error('bybit {"retCode":110017,"retMsg":"reduce-only rule not satisfied","result":{}}'))).toEqual({ code: 110017, message: 'reduce-only rule not satisfied' });
    expect(retCodeOf(new Error('bybit GET http://127.0.0.1/v5/order/create request timed out (300 ms)'))).toBeNull();
  });

  it('turns a refusal of the exchange into a rejected report, not an exception', async () => {
    const r = await rig();
    const [report] = await r.gateway.submit(order({ side: 'Sell', type: 'market', limitPrice: null, qty: 1 as Lots, reduceOnly: true }));
    expect(report).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(new RegExp(`^${VENUE_REASONS.reduceOnly}`)) });
  });
});

describe('Bybit gateway: the request ccxt sends', () => {
  it.skipIf(!existsSync(REQUESTS))('matches ccxt\'s recorded "Swap limit order" request', async () => {
    const recorded = (JSON.parse(readFileSync(REQUESTS, 'utf8')) as { methods: Record<string, Array<{ description: string; url: string; input: unknown[]; output: string }>> })
      .methods.createOrder.find((c) => c.description === 'Swap limit order');
    expect(recorded).toBeDefined();
    if (recorded === undefined) return;
    const server = await startServer({ alsoList: [{ symbol: 'ADAUSDT', baseCoin: 'ADA', tickSize: '0.0001', qtyStep: '1', minOrderQty: '1' }] });
    const ccxt = createCcxtBybit({ network: 'testnet', restUrl: server.restUrl, apiKey: API_KEY, apiSecret: API_SECRET, rateLimitMs: 5 });
    await ccxt.loadMarkets();
    const [symbol, type, side, amount, price] = recorded.input as [string, string, string, number, number];
    // The server trades BTCUSDT only, so it refuses the ADAUSDT order; the request is what is compared.
    await ccxt.createOrder(symbol, type, side, amount, price).catch(() => null);
    const seen = server.requests.filter((q) => q.path === CREATE);
    expect(seen).toHaveLength(1);
    expect(new URL(recorded.url).pathname).toBe(seen[0].path);
    expect(JSON.parse(seen[0].body)).toEqual(JSON.parse(recorded.output));
  });
});
