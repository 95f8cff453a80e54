import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { textOf } from '../../adapters/bybit/gateway/order-status.ts';
import { rawText } from '../../adapters/bybit/gateway/private-stream.ts';
import { SimExchange } from '../../adapters/sim/sim-exchange.ts';
import { VENUE_REASONS, type ExecutionReport, type OrderRequest } from '../../application/ports/execution-venue.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { BYBIT_LINEAR_FEES } from '../../domain/trading/fees.ts';
import { Position } from '../../domain/trading/position.ts';
import type { Side } from '../../domain/trading/side.ts';
import { formatCash, lotsToQty, priceToTicks, qtyToLots, ticksToPrice } from '../../domain/values/instrument.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { btc, levelBuffer } from './builders.ts';

/** Another linear contract the server lists (ccxt's recorded requests use ADAUSDT); it takes no orders. */
export interface ListedContract {
  readonly symbol: string;
  readonly baseCoin: string;
  readonly tickSize: string;
  readonly qtyStep: string;
  readonly minOrderQty: string;
}

export interface BybitV5ServerOptions {
  readonly apiKey: string;
  readonly apiSecret: string;
  /**
   * Bybit acknowledges a cancel on REST and cancels in the engine afterwards. When true, a cancel the
   * server acknowledged takes effect at the next `settle()`, so market steps in between (a trade) reach
   * the engine first. When false it takes effect at once.
   */
  readonly holdCancelsUntilSettle?: boolean;
  readonly alsoList?: readonly ListedContract[];
  /** Leaves BTCUSDT out of the instrument list (a gateway must refuse to start). */
  readonly unlistBtc?: boolean;
}

/** A request as received: the raw query and body, before any check. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

type Json = Record<string, unknown>;

interface ServerOrder {
  readonly orderId: string;
  readonly orderLinkId: string;
  readonly side: Side;
  readonly orderType: 'Limit' | 'Market';
  /** Changed by an amend, as are qty and updatedTime. */
  price: string;
  qty: Lots;
  readonly timeInForce: string;
  readonly reduceOnly: boolean;
  status: string;
  cum: number;
  cancelType: string;
  rejectReason: string;
  readonly createdTime: number;
  updatedTime: number;
}

interface Fault {
  readonly path: string;
  kind: 'delay' | 'status' | 'rateLimit' | 'retCode';
  remaining: number;
  readonly ms: number;
  /** The HTTP status of a `status` fault, the retCode of a `retCode` fault. */
  readonly status: number;
}

/** The retMsg Bybit sends with a retCode the tests inject. */
const RET_MSGS: Readonly<Record<number, string>> = {
  10002: 'invalid request, please check your server timestamp or recv_window param',
  10003: 'API key is invalid.',
  10004: 'error sign! origin_string[...]',
  10006: 'Too many visits!',
};

const START_MICROS = 1_700_000_000_000_000;
const STEP_MICROS = 1_000;

/**
 * Enough of Bybit v5 for ccxt's loadMarkets and the gateway, on 127.0.0.1: signed REST (checked as
 * Bybit checks it), the private stream with auth, and a SimExchange with zero latency as the matching
 * engine, its reports turned into Bybit's `order`, `execution` and `position` messages. Hooks shape the
 * market (setBook, trade) and inject faults (slow or failing answers, rate limits, a dropped stream,
 * a fill the stream never shows, a clock that runs ahead, retCodes on demand, a position moved unseen).
 * Only BTCUSDT trades. One piece at ~630 lines: REST, the stream and the faults share the engine's
 * orders and executions, and a test drives them together.
 */
export class BybitV5Server {
  readonly requests: SeenRequest[] = [];
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<WebSocket>();
  private readonly engine: SimExchange;
  private readonly book = new OrderBook(btc);
  private readonly orders = new Map<string, ServerOrder>();
  private readonly executions: Json[] = [];
  private readonly heldCancels: string[] = [];
  private readonly faults: Fault[] = [];
  private engineReports: ExecutionReport[] = [];
  private ts = START_MICROS;
  private u = 0;
  private seq = 0;
  private hideFills = 0;
  private dropOnCreate = false;
  private port = 0;
  /** The server's clock minus ours, ms (`skewClock`). */
  private skewMs = 0;
  /** The largest |position| the engine ever held, lots. */
  private peakLots = 0;
  /** The position as Bybit's books keep it, for `avgPrice`. */
  private readonly ledger = new Position(btc);
  /** Disconnect-cancel-all window, seconds; 0 when not set. */
  private dcpWindowS = 0;
  private dcpTimer: ReturnType<typeof setTimeout> | null = null;
  private foreign = 0;
  private silent = false;

  private constructor(private readonly options: BybitV5ServerOptions) {
    this.engine = new SimExchange({ instrument: btc, fees: BYBIT_LINEAR_FEES, latency: { feedMicros: 0, orderMicros: 0 }, seed: 7 });
    this.engine.onReport((r) => this.engineReports.push(r));
    this.http = createServer((req, res) => this.onHttp(req, res));
    this.wss = new WebSocketServer({ server: this.http, path: '/v5/private' });
    this.wss.on('connection', (ws) => this.onSocket(ws));
  }

  static async start(options: BybitV5ServerOptions): Promise<BybitV5Server> {
    const s = new BybitV5Server(options);
    await new Promise<void>((resolve) => s.http.listen(0, '127.0.0.1', resolve));
    s.port = (s.http.address() as AddressInfo).port;
    return s;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get privateWsUrl(): string {
    return `ws://127.0.0.1:${this.port}/v5/private`;
  }

  /** The engine's position, signed lots. */
  positionLots(): number {
    return this.engine.snapshot().positionLots;
  }

  /** The largest |position| the engine held at any time, lots. */
  peakPositionLots(): number {
    return this.peakLots;
  }

  /** Orders open now (New or PartiallyFilled), placed by anyone. */
  openOrderIds(): string[] {
    return [...this.orders.values()].filter((o) => o.status === 'New' || o.status === 'PartiallyFilled').map((o) => o.orderLinkId);
  }

  /** The disconnect-cancel-all window set, seconds (0: none). */
  get dcpWindow(): number {
    return this.dcpWindowS;
  }

  /** Every trade execution: its id and its order's orderLinkId, in order. */
  tradeExecutions(): { execId: string; orderLinkId: string; side: string; qty: string }[] {
    return this.executions.filter((e) => e.execType === 'Trade').map((e) => ({ execId: String(e.execId), orderLinkId: String(e.orderLinkId), side: String(e.side), qty: String(e.execQty) }));
  }

  /** Execution ids of every trade the engine made, in order. */
  execIds(): string[] {
    return this.executions.filter((e) => e.execType === 'Trade').map((e) => String(e.execId));
  }

  // ---- market hooks

  setBook(bids: ReadonlyArray<readonly [number, number]>, asks: ReadonlyArray<readonly [number, number]>): void {
    this.ts += STEP_MICROS;
    this.u++;
    const t = this.ts as Micros;
    const applied = this.book.applyLevels({ type: 'snapshot', u: this.u, seq: this.u, ts: t, cts: t, recvTime: t, bids: levelBuffer(bids), asks: levelBuffer(asks) });
    if (!applied.ok) throw new Error(`server book refused: ${JSON.stringify(applied.error)}`);
    this.step(() => this.engine.observeBook(this.book, t));
  }

  /** Another participant takes `size` lots at `price`. */
  trade(price: number, size: number, takerSide: Side): void {
    this.ts += STEP_MICROS;
    const t = this.ts as Micros;
    this.step(() => this.engine.observeTrade({ tradeId: `x${this.ts}`, symbol: 'BTCUSDT', price: price as Ticks, size: size as Lots, takerSide, ts: t, recvTime: t, blockTrade: false }, t));
  }

  /** Applies held cancels, then waits until every stream client has read every message sent so far. */
  async settle(): Promise<void> {
    while (this.heldCancels.length > 0) this.applyCancel(this.heldCancels.shift() as string);
    await Promise.all([...this.clients].map((ws) => new Promise<void>((resolve) => {
      if (ws.readyState !== WebSocket.OPEN) return resolve();
      ws.once('pong', () => resolve());
      ws.ping();
    })));
  }

  /**
   * Someone else (another session, the web) trades `lots` (signed) at market before the run: the
   * position and its executions are on the exchange when the gateway starts. Needs a book.
   */
  holdPosition(lots: number, options: { silent?: boolean } = {}): void {
    // Silent: the position moves and nothing shows it, on the stream or in the execution list (as a
    // liquidation or an ADL the gateway does not read would look).
    this.silent = options.silent === true;
    const kept = this.executions.length;
    let answer: Json;
    try {
      answer = this.create({ symbol: 'BTCUSDT', orderLinkId: `elsewhere-${++this.foreign}`, side: lots > 0 ? 'Buy' : 'Sell', orderType: 'Market', qty: lotsToQty(btc, Math.abs(lots) as Lots) });
    } finally {
      if (this.silent) this.executions.splice(kept);
      this.silent = false;
    }
    if (answer.retCode !== 0) throw new Error(`holdPosition refused: ${JSON.stringify(answer)}`);
  }

  /** Someone else rests a limit order; returns its orderLinkId. */
  restOrder(side: Side, lots: number, price: number): string {
    const link = `elsewhere-${++this.foreign}`;
    const answer = this.create({ symbol: 'BTCUSDT', orderLinkId: link, side, orderType: 'Limit', qty: lotsToQty(btc, lots as Lots), price: ticksToPrice(btc, price as Ticks), timeInForce: 'GTC' });
    if (answer.retCode !== 0) throw new Error(`restOrder refused: ${JSON.stringify(answer)}`);
    return link;
  }

  /** The server's clock runs `ms` ahead of ours from now on (negative: behind). */
  skewClock(ms: number): void {
    this.skewMs = ms;
  }

  /** A funding settlement of the open position: `fee` USDT paid (negative: received). */
  funding(fee: string): void {
    this.ts += STEP_MICROS;
    const exec: Json = {
      category: 'linear', symbol: 'BTCUSDT', execId: `f-${++this.seq}`, orderId: '', orderLinkId: '', side: this.positionLots() >= 0 ? 'Buy' : 'Sell',
      orderType: 'UNKNOWN', execType: 'Funding', execPrice: '', execQty: lotsToQty(btc, Math.abs(this.positionLots()) as Lots), execFee: fee,
      feeRate: '0.0001', isMaker: false, execTime: String(Math.floor(this.ts / 1000)), seq: this.seq,
    };
    this.executions.push(exec);
    if (this.hideFills > 0) this.hideFills--;
    else this.push('execution', [exec]);
  }

  // ---- faults

  /** The next `count` requests to `path` are carried out, but answered `ms` late. */
  delayNext(path: string, ms: number, count = 1): void {
    this.faults.push({ path, kind: 'delay', remaining: count, ms, status: 200 });
  }

  /** The next `count` requests to `path` are answered with HTTP `status` and not carried out. */
  failNext(path: string, count: number, status = 503): void {
    this.faults.push({ path, kind: 'status', remaining: count, ms: 0, status });
  }

  /** The next `count` requests to `path` are answered with `retCode` (10002, 10003, …) and not carried out. */
  retCodeNext(path: string, retCode: number, count = 1): void {
    this.faults.push({ path, kind: 'retCode', remaining: count, ms: 0, status: retCode });
  }

  /** The next `count` requests to `path` get retCode 10006 (too many visits) and are not carried out. */
  rateLimitNext(path: string, count = 1): void {
    this.faults.push({ path, kind: 'rateLimit', remaining: count, ms: 0, status: 200 });
  }

  /** The next order create drops every stream connection before the engine acts on it. */
  dropStreamOnNextCreate(): void {
    this.dropOnCreate = true;
  }

  /** The next `count` executions are not sent on the stream (REST still lists them). */
  hideNextFills(count = 1): void {
    this.hideFills += count;
  }

  /** Private-stream connections authenticated and subscribed now. */
  streamClients(): number {
    return this.clients.size;
  }

  /** Closes every stream connection, as a network failure would. */
  dropStreams(): void {
    for (const ws of this.clients) ws.terminate();
    this.clients.clear();
  }

  async close(): Promise<void> {
    if (this.dcpTimer !== null) clearTimeout(this.dcpTimer);
    this.dropStreams();
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  // ---- engine

  /** Runs one engine step and publishes what it reported. */
  private step(run: () => void): ExecutionReport[] {
    this.engineReports = [];
    run();
    const reports = this.engineReports;
    this.engineReports = [];
    for (const r of reports) this.publish(r);
    return reports;
  }

  private publish(r: ExecutionReport): void {
    const now = Math.floor(this.ts / 1000);
    if (r.kind === 'fill') {
      const o = this.orders.get(r.fill.orderId);
      if (o === undefined) return;
      o.cum += r.fill.qty;
      o.status = o.cum >= o.qty ? 'Filled' : 'PartiallyFilled';
      this.peakLots = Math.max(this.peakLots, Math.abs(this.positionLots()));
      this.ledger.applyFill(r.fill);
      o.updatedTime = now;
      const exec: Json = {
        category: 'linear', symbol: 'BTCUSDT', execId: `e-${++this.seq}`, orderId: o.orderId, orderLinkId: o.orderLinkId, side: r.fill.side,
        orderType: o.orderType, execType: 'Trade', execPrice: ticksToPrice(btc, r.fill.price), execQty: lotsToQty(btc, r.fill.qty),
        execFee: formatCash(r.fill.fee), feeRate: r.fill.liquidity === 'maker' ? '0.0002' : '0.00055', isMaker: r.fill.liquidity === 'maker',
        execTime: String(now), orderQty: lotsToQty(btc, o.qty), orderPrice: o.price, leavesQty: lotsToQty(btc, (o.qty - o.cum) as Lots), seq: this.seq,
      };
      this.executions.push(exec);
      if (this.hideFills > 0) this.hideFills--;
      else this.push('execution', [exec]);
      this.push('order', [this.orderJson(o)]);
      this.push('position', [this.positionJson()]);
      return;
    }
    if (r.kind === 'funding' || r.kind === 'amendRejected') return; // an amend refused is answered on REST only
    const o = this.orders.get(r.clientOrderId);
    if (o === undefined) return;
    o.updatedTime = now;
    if (r.kind === 'amended') {
      // Bybit pushes the order with its new qty and price; nothing else about it changes.
      o.qty = r.qty;
      o.price = ticksToPrice(btc, r.limitPrice);
      this.push('order', [this.orderJson(o)]);
      return;
    }
    if (r.kind === 'accepted') {
      if (o.status === 'Created') o.status = 'New';
    } else if (r.kind === 'canceled') {
      o.status = 'Cancelled';
      if (r.reason.startsWith(VENUE_REASONS.canceledByRequest)) o.cancelType = 'CancelByUser';
      else if (r.reason.startsWith(VENUE_REASONS.reduceOnly)) o.cancelType = 'CancelByReduceOnly';
      else if (r.reason.startsWith(VENUE_REASONS.insufficient)) o.rejectReason = 'EC_NoEnoughQtyToFill';
      else o.rejectReason = 'EC_NoImmediateQtyToFill';
    } else if (r.kind === 'rejected') {
      // Only post-only rejections reach the stream; the others are answered on REST.
      if (!r.reason.startsWith(VENUE_REASONS.postOnly)) return;
      o.status = 'Cancelled';
      o.rejectReason = 'EC_PostOnlyWillTakeLiquidity';
    } else {
      return; // cancelRejected: Bybit has no message for it; REST already answered the cancel.
    }
    this.push('order', [this.orderJson(o)]);
  }

  private applyCancel(orderLinkId: string): void {
    this.ts += STEP_MICROS;
    const t = this.ts as Micros;
    this.step(() => {
      void this.engine.cancel(orderLinkId, t);
      this.engine.observeBook(this.book, t);
    });
  }

  private orderJson(o: ServerOrder): Json {
    return {
      category: 'linear', symbol: 'BTCUSDT', orderId: o.orderId, orderLinkId: o.orderLinkId, side: o.side, orderType: o.orderType,
      price: o.price, qty: lotsToQty(btc, o.qty), timeInForce: o.timeInForce, orderStatus: o.status, cancelType: o.cancelType || 'UNKNOWN',
      rejectReason: o.rejectReason || 'EC_NoError', cumExecQty: lotsToQty(btc, o.cum as Lots), leavesQty: lotsToQty(btc, (o.status === 'New' || o.status === 'PartiallyFilled' ? o.qty - o.cum : 0) as Lots),
      avgPrice: '', reduceOnly: o.reduceOnly, positionIdx: 0, createdTime: String(o.createdTime), updatedTime: String(o.updatedTime),
    };
  }

  private positionJson(): Json {
    const lots = this.positionLots();
    const avg = this.ledger.avgEntryTicks();
    return {
      category: 'linear', symbol: 'BTCUSDT', positionIdx: 0, side: lots > 0 ? 'Buy' : lots < 0 ? 'Sell' : '', size: lotsToQty(btc, Math.abs(lots) as Lots),
      avgPrice: avg === null ? '0' : ticksToPrice(btc, Math.round(avg) as Ticks), positionValue: '0', leverage: '10', markPrice: '0', positionStatus: 'Normal', tradeMode: 0, updatedTime: String(Math.floor(this.ts / 1000)), seq: this.seq,
    };
  }

  private push(topic: string, data: Json[]): void {
    if (this.silent) return;
    const text = JSON.stringify({ id: `m${++this.seq}`, topic, creationTime: Math.floor(this.ts / 1000), data });
    for (const ws of this.clients) if (ws.readyState === WebSocket.OPEN) ws.send(text);
  }

  // ---- websocket

  private onSocket(ws: WebSocket): void {
    let authed = false;
    ws.on('message', (raw) => {
      const msg = JSON.parse(rawText(raw)) as Json;
      const args = Array.isArray(msg.args) ? (msg.args as unknown[]) : [];
      if (msg.op === 'auth') {
        const [key, expires, sign] = args;
        const want = createHmac('sha256', this.options.apiSecret).update(`GET/realtime${String(expires)}`).digest('hex');
        authed = key === this.options.apiKey && sign === want && Number(expires) > this.nowMs();
        ws.send(JSON.stringify({ success: authed, ret_msg: authed ? '' : 'Request not authorized', op: 'auth', conn_id: 'c1' }));
        if (!authed) ws.close();
      } else if (msg.op === 'subscribe') {
        if (authed) this.clients.add(ws);
        ws.send(JSON.stringify({ success: authed, ret_msg: '', op: 'subscribe', conn_id: 'c1' }));
      } else if (msg.op === 'ping') {
        ws.send(JSON.stringify({ success: true, ret_msg: 'pong', op: 'ping', conn_id: 'c1' }));
      }
    });
    ws.on('close', () => {
      this.clients.delete(ws);
      this.armDisconnectCancel();
    });
  }

  /** Bybit's DCP: once no private connection is left for the window, every open order is canceled. */
  private armDisconnectCancel(): void {
    if (this.dcpWindowS === 0 || this.clients.size > 0 || this.dcpTimer !== null) return;
    this.dcpTimer = setTimeout(() => {
      this.dcpTimer = null;
      if (this.clients.size > 0) return;
      for (const link of this.openOrderIds()) this.applyCancel(link);
    }, this.dcpWindowS * 1000);
  }

  // ---- http

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [path, query = ''] = (req.url ?? '').split('?', 2);
      const body = Buffer.concat(chunks).toString('utf8');
      this.requests.push({ method: req.method ?? '', path, query, body, headers: req.headers });
      const fault = this.faults.find((f) => f.path === path && f.remaining > 0);
      if (fault !== undefined) fault.remaining--;
      if (fault?.kind === 'status') {
        res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(fault.status === 401 ? 'Unauthorized' : 'Service Unavailable');
        return;
      }
      const answer = fault?.kind === 'rateLimit'
        ? this.envelope(10006, 'Too many visits!', {})
        : fault?.kind === 'retCode'
          ? this.envelope(fault.status, RET_MSGS[fault.status] ?? 'error', {})
          : this.route(req, path, query, body);
      const send = (): void => {
        if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      };
      if (fault?.kind === 'delay') setTimeout(send, fault.ms);
      else send();
    });
  }

  private envelope(retCode: number, retMsg: string, result: Json): Json {
    return { retCode, retMsg, result, retExtInfo: {}, time: this.nowMs() };
  }

  private nowMs(): number {
    return Date.now() + this.skewMs;
  }

  private route(req: IncomingMessage, path: string, query: string, body: string): Json {
    const q = new URLSearchParams(query);
    if (path === '/v5/market/instruments-info') return this.envelope(0, 'OK', this.instruments(q));
    if (path === '/v5/market/time') return this.envelope(0, 'OK', { timeSecond: String(Math.floor(this.nowMs() / 1000)), timeNano: `${this.nowMs()}000000` });
    const refusal = this.checkSignature(req, req.method === 'GET' ? query : body);
    if (refusal !== null) return refusal;
    const p = req.method === 'POST' ? (JSON.parse(body || '{}') as Json) : Object.fromEntries(q);
    switch (path) {
      case '/v5/asset/coin/query-info':
        return this.envelope(0, 'OK', { rows: [] });
      case '/v5/order/create':
        return this.create(p);
      case '/v5/order/cancel':
        return this.cancel(p);
      case '/v5/order/amend':
        return this.amend(p);
      case '/v5/order/cancel-all': {
        const list = this.openOrderIds().map((link) => this.cancel({ orderLinkId: link })).filter((a) => a.retCode === 0).map((a) => a.result);
        return this.envelope(0, 'OK', { list, success: '1' });
      }
      case '/v5/order/disconnected-cancel-all':
        this.dcpWindowS = Number(p.timeWindow);
        return this.envelope(0, 'success', {});
      case '/v5/order/realtime': {
        const all = [...this.orders.values()];
        const list = typeof p.orderLinkId === 'string' ? all.filter((o) => o.orderLinkId === p.orderLinkId) : typeof p.orderId === 'string' ? all.filter((o) => o.orderId === p.orderId) : all.filter((o) => o.status === 'New' || o.status === 'PartiallyFilled');
        return this.envelope(0, 'OK', { category: 'linear', nextPageCursor: '', list: list.reverse().map((o) => this.orderJson(o)) });
      }
      case '/v5/execution/list':
        return this.envelope(0, 'OK', this.executionPage(p));
      case '/v5/position/list':
        return this.envelope(0, 'OK', { category: 'linear', nextPageCursor: '', list: [this.positionJson()] });
      default:
        return this.envelope(10001, `unknown path ${path}`, {});
    }
  }

  /**
   * `/v5/execution/list` as Bybit pages it: newest first, `limit` 50 by default and 100 at most,
   * `execType`, `startTime` and `endTime` (ms) filters, and a cursor that is sent even with the last page.
   */
  private executionPage(p: Json): Json {
    const num = (v: unknown): number | null => (typeof v === 'string' && v !== '' ? Number(v) : null);
    const limit = Math.min(100, num(p.limit) ?? 50);
    const start = num(p.startTime);
    const end = num(p.endTime);
    const chosen = [...this.executions].reverse().filter((e) =>
      (typeof p.execType !== 'string' || e.execType === p.execType) &&
      (start === null || Number(e.execTime) >= start) &&
      (end === null || Number(e.execTime) <= end));
    const from = typeof p.cursor === 'string' ? Number(/^page(?:%3A|:)(\d+)$/.exec(p.cursor)?.[1] ?? 0) : 0;
    const list = chosen.slice(from, from + limit);
    return { category: 'linear', nextPageCursor: list.length === 0 ? '' : `page%3A${from + list.length}`, list };
  }

  /** Bybit v5: X-BAPI-SIGN = hex HMAC-SHA256(secret, timestamp + apiKey + recvWindow + query or body). */
  private checkSignature(req: IncomingMessage, payload: string): Json | null {
    const h = (name: string): string => String(req.headers[name] ?? '');
    const key = h('x-bapi-api-key');
    const ts = h('x-bapi-timestamp');
    const recv = h('x-bapi-recv-window') || '5000';
    if (key !== this.options.apiKey) return this.envelope(10003, 'API key is invalid.', {});
    const want = createHmac('sha256', this.options.apiSecret).update(ts + key + recv + payload).digest('hex');
    if (h('x-bapi-sign') !== want) return this.envelope(10004, 'error sign! origin_string[...]', {});
    if (Math.abs(this.nowMs() - Number(ts)) > Number(recv)) return this.envelope(10002, 'invalid request, please check your server timestamp or recv_window param', {});
    return null;
  }

  private instruments(q: URLSearchParams): Json {
    if (q.get('category') !== 'linear' || q.get('status') === 'PreLaunch') return { category: q.get('category'), list: [], nextPageCursor: '' };
    const btcRow: ListedContract = { symbol: 'BTCUSDT', baseCoin: 'BTC', tickSize: btc.tickSize, qtyStep: btc.lotSize, minOrderQty: btc.minQty };
    const listed = [...(this.options.unlistBtc === true ? [] : [btcRow]), ...(this.options.alsoList ?? [])];
    const list = listed.map((c) => ({
      symbol: c.symbol, contractType: 'LinearPerpetual', status: 'Trading', baseCoin: c.baseCoin, quoteCoin: 'USDT', settleCoin: 'USDT',
      launchTime: '1585526400000', deliveryTime: '0', deliveryFeeRate: '', priceScale: String(c.tickSize.split('.')[1]?.length ?? 0),
      leverageFilter: { minLeverage: '1', maxLeverage: '100.00', leverageStep: '0.01' },
      priceFilter: { minPrice: c.tickSize, maxPrice: '1999999.80', tickSize: c.tickSize },
      lotSizeFilter: { maxOrderQty: '1190.000', minOrderQty: c.minOrderQty, qtyStep: c.qtyStep, postOnlyMaxOrderQty: '1190.000', maxMktOrderQty: '500.000', minNotionalValue: '5' },
      unifiedMarginTrade: true, fundingInterval: 480, copyTrading: 'both', upperFundingRate: '0.005', lowerFundingRate: '-0.005', isPreListing: false,
    }));
    return { category: 'linear', list, nextPageCursor: '' };
  }

  private create(p: Json): Json {
    const link = textOf(p.orderLinkId);
    if (p.symbol !== 'BTCUSDT') return this.envelope(10001, 'params error: symbol invalid', {});
    if (link === '' || this.orders.has(link)) return this.envelope(110072, 'OrderLinkedID is duplicate', {});
    const qty = qtyToLots(btc, textOf(p.qty));
    if (!qty.ok || qty.value < btc.minLots) return this.envelope(10001, 'Qty invalid', {});
    const isLimit = p.orderType === 'Limit';
    const price = isLimit ? priceToTicks(btc, textOf(p.price)) : null;
    if (price !== null && !price.ok) return this.envelope(10001, 'Price invalid', {});
    const tif = textOf(p.timeInForce) || 'GTC';
    const side = p.side === 'Sell' ? 'Sell' : 'Buy';
    if (this.dropOnCreate) {
      this.dropOnCreate = false;
      this.dropStreams();
    }
    this.ts += STEP_MICROS;
    const t = this.ts as Micros;
    const order: OrderRequest = {
      clientOrderId: link, symbol: 'BTCUSDT', side, type: isLimit ? 'limit' : 'market', qty: qty.value, limitPrice: price?.ok === true ? price.value : null,
      reduceOnly: p.reduceOnly === true, timeInForce: tif === 'PostOnly' || tif === 'IOC' ? tif : 'GTC', ts: t,
    };
    const o: ServerOrder = {
      orderId: `o-${++this.seq}`, orderLinkId: link, side, orderType: isLimit ? 'Limit' : 'Market', price: isLimit ? textOf(p.price) : '0', qty: qty.value,
      timeInForce: isLimit ? tif : 'IOC', reduceOnly: order.reduceOnly, status: 'Created', cum: 0, cancelType: '', rejectReason: '', createdTime: Math.floor(this.ts / 1000), updatedTime: Math.floor(this.ts / 1000),
    };
    this.orders.set(link, o);
    const reports = this.step(() => {
      void this.engine.submit(order);
      this.engine.observeBook(this.book, t);
    });
    const refused = reports.find((r) => r.kind === 'rejected' && r.clientOrderId === link && !r.reason.startsWith(VENUE_REASONS.postOnly));
    if (refused !== undefined && refused.kind === 'rejected') {
      this.orders.delete(link);
      if (refused.reason.startsWith(VENUE_REASONS.reduceOnly)) return this.envelope(110017, 'current position is zero, cannot fix reduce-only order qty', {});
      if (refused.reason.startsWith(VENUE_REASONS.insufficient)) return this.envelope(110007, 'ab not enough for new order', {});
      return this.envelope(10001, refused.reason, {});
    }
    return this.envelope(0, 'OK', { orderId: o.orderId, orderLinkId: link });
  }

  /**
   * `/v5/order/amend` as Bybit answers it: 110001 for an order that is not open (filled, canceled,
   * unknown), 10001 for a bad qty or price and for an amend that changes nothing ("order not
   * modified"); accepted, the engine applies it with its queue rules and the stream shows the order
   * with its new qty and price.
   */
  private amend(p: Json): Json {
    const o = typeof p.orderLinkId === 'string' ? this.orders.get(p.orderLinkId) : [...this.orders.values()].find((x) => x.orderId === p.orderId);
    if (o === undefined || !(o.status === 'New' || o.status === 'PartiallyFilled')) return this.envelope(110001, 'order not exists or too late to replace', {});
    const qty = p.qty === undefined ? null : qtyToLots(btc, textOf(p.qty));
    if (qty !== null && (!qty.ok || qty.value < btc.minLots)) return this.envelope(10001, 'Qty invalid', {});
    const price = p.price === undefined ? null : priceToTicks(btc, textOf(p.price));
    if (price !== null && !price.ok) return this.envelope(10001, 'Price invalid', {});
    this.ts += STEP_MICROS;
    const t = this.ts as Micros;
    const change = { ...(qty?.ok === true ? { qty: qty.value } : {}), ...(price?.ok === true ? { limitPrice: price.value } : {}) };
    const reports = this.step(() => {
      void this.engine.amend(o.orderLinkId, change, t);
      this.engine.observeBook(this.book, t);
    });
    const refused = reports.find((r) => r.kind === 'amendRejected' && r.clientOrderId === o.orderLinkId);
    if (refused !== undefined && refused.kind === 'amendRejected') {
      if (refused.reason.startsWith(VENUE_REASONS.unknownOrder)) return this.envelope(110001, 'order not exists or too late to replace', {});
      if (refused.reason.startsWith(VENUE_REASONS.unchanged)) return this.envelope(10001, 'order not modified', {});
      return this.envelope(10001, refused.reason, {});
    }
    return this.envelope(0, 'OK', { orderId: o.orderId, orderLinkId: o.orderLinkId });
  }

  private cancel(p: Json): Json {
    const o = typeof p.orderLinkId === 'string' ? this.orders.get(p.orderLinkId) : [...this.orders.values()].find((x) => x.orderId === p.orderId);
    if (o === undefined || !(o.status === 'New' || o.status === 'PartiallyFilled')) return this.envelope(110001, 'order not exists or too late to cancel', {});
    if (this.options.holdCancelsUntilSettle === true) this.heldCancels.push(o.orderLinkId);
    else this.applyCancel(o.orderLinkId);
    return this.envelope(0, 'OK', { orderId: o.orderId, orderLinkId: o.orderLinkId });
  }
}
