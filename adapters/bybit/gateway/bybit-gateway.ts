import type { Clock } from '../../../application/ports/clock.ts';
import { VENUE_REASONS, type ExecutionReport, type ExecutionVenue, type OrderRequest } from '../../../application/ports/execution-venue.ts';
import type { Logger } from '../../../application/ports/logger.ts';
import { createInstrument, lotsToQty, ticksToPrice, type Instrument } from '../../../domain/values/instrument.ts';
import type { Lots, Micros } from '../../../domain/values/units.ts';
import { createCcxtBybit, type CcxtBybitSlice } from './ccxt-slice.ts';
import { meaningOf, retCodeOf } from './error-map.ts';
import { sendWithRetries } from './retry.ts';
import { parseExecution, parseOrder, parsePositionLots, textOf } from './order-status.ts';
import { OrderTracker } from './order-tracker.ts';
import { PRIVATE_WS_URLS, PrivateStream } from './private-stream.ts';
import { redact } from './redact.ts';

export interface BybitGatewayOptions {
  readonly network: 'testnet' | 'mainnet';
  readonly restUrl?: string;
  readonly privateWsUrl?: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly symbol: 'BTCUSDT';
  readonly clock: Clock;
  readonly logger: Logger;
  readonly requestTimeoutMs?: number;
  /** Milliseconds between REST requests (ccxt's throttle); RATE_LIMIT_MS when absent. */
  readonly rateLimitMs?: number;
  /** Attempts of one request before a transport failure is given up on; 4 when absent. */
  readonly maxAttempts?: number;
  /** First wait before a retry, doubling each time; 200 ms when absent. */
  readonly retryBackoffMs?: number;
}

/** The position as the exchange states it. */
export interface GatewayPosition {
  /** Signed: positive long. */
  readonly lots: Lots;
  /** Venue time of the statement it comes from (stream or REST), 0 before the first. */
  readonly ts: Micros;
}

/** What a reconciliation found and applied. */
export interface ReconcileResult {
  /** Reports emitted because the stream had not delivered them. */
  readonly applied: readonly ExecutionReport[];
  readonly position: GatewayPosition;
}

/** Wait before a reconciliation that failed after a reconnect is tried again. */
const RESYNC_RETRY_MS = 2_000;
const RECONCILING = 'reconciling with Bybit after a reconnect';

/** ccxt's unified symbol of Bybit's linear BTCUSDT. */
const CCXT_SYMBOL = 'BTC/USDT:USDT';

/** The executions reconciliation reads: ccxt asks for one `execType` a request (`Trade` unless told). */
const EXEC_TYPES = ['Trade', 'Funding'] as const;
/** `/v5/execution/list` answers at most 100 executions a page. */
const EXECUTIONS_PAGE = 100;
/** Pages one reconciliation reads at most (10,000 executions) before it says it could not see them all. */
const MAX_EXECUTION_PAGES = 100;
/**
 * How far before the newest execution already seen a reconciliation looks: executions of the same
 * millisecond, or reported out of order, are read again and skipped by execId.
 */
const EXECUTION_OVERLAP_MS = 60_000;

/**
 * Bybit linear perpetual orders through ccxt (REST) and the v5 private stream (`ws`).
 *
 * Every order carries `orderLinkId` = clientOrderId, so a retry after a transport failure is safe:
 * Bybit answers a repeated id with 110072, which on a retry means the first attempt got through, and
 * the order is looked up instead of reported as refused. Bybit acknowledges create and cancel
 * asynchronously (https://bybit-exchange.github.io/docs/v5/order/create-order): REST says the request
 * was taken, the stream says what became of it. So `submit` and `cancel` resolve with a report only
 * when REST refused; acceptance, fills and cancels arrive through `onReport`, each exactly once
 * (OrderTracker), from the stream or from the reconciliation that follows every (re)connection.
 */
export class BybitGateway implements ExecutionVenue {
  readonly name: string;
  private readonly listeners: ((r: ExecutionReport) => void)[] = [];
  private readonly tracker: OrderTracker;
  private stream: PrivateStream | null = null;
  private pos: GatewayPosition = { lots: 0 as Lots, ts: 0 as Micros };
  private reconciling: Promise<ReconcileResult> | null = null;
  /** Reports caused by REST answers during a reconciliation, for its result. */
  private restApplied: ExecutionReport[] | null = null;
  private baselined = false;
  private applyingRest = false;
  /** Why reports may be incomplete now (see `outOfSync`); null once the stream is up and reconciled. */
  private syncGap: string | null = 'not started';
  private resyncTimer: ReturnType<typeof setTimeout> | null = null;
  private resyncs = 0;
  private closed = false;
  /** Venue time (ms) of the newest execution seen, from the stream or REST; null before the first. */
  private newestExecMs: number | null = null;

  constructor(
    readonly instrument: Instrument,
    private readonly ccxt: CcxtBybitSlice,
    private readonly options: BybitGatewayOptions,
  ) {
    this.name = options.network === 'mainnet' ? 'bybit' : 'bybit-testnet';
    this.tracker = new OrderTracker((r) => this.emit(r));
  }

  /** Connects the private stream and reconciles; resolves when both are done. */
  async start(): Promise<void> {
    const o = this.options;
    this.stream = new PrivateStream({
      url: o.privateWsUrl ?? PRIVATE_WS_URLS[o.network],
      apiKey: o.apiKey,
      apiSecret: o.apiSecret,
      topics: ['order', 'execution', 'position'],
      logger: o.logger,
      nowMs: () => Math.floor(o.clock.nowMicros() / 1000),
      onData: (topic, items) => this.onStream(topic, items),
      onReady: (reconnect) => {
        if (reconnect) this.resync();
      },
      onDown: () => {
        this.syncGap = 'the Bybit private stream is down; reconnecting';
        o.logger.warn({ venue: 'bybit' }, 'private stream down: no new orders until it is back and reconciled');
      },
    });
    await this.stream.start();
    await this.reconcile();
    this.syncGap = null;
  }

  /**
   * Why what this gateway reports may be behind the exchange right now: the private stream is down,
   * or a reconciliation after a reconnect has not finished (or failed, and is retried). Null when
   * every fill and order update up to now has been reported.
   */
  outOfSync(): string | null {
    return this.syncGap;
  }

  /** After a reconnect: reconcile, and keep trying every RESYNC_RETRY_MS until one succeeds. */
  private resync(): void {
    if (this.closed) return;
    if (this.resyncTimer !== null) clearTimeout(this.resyncTimer);
    this.resyncTimer = null;
    const mine = ++this.resyncs;
    this.syncGap = RECONCILING;
    this.reconcile().then(
      () => {
        // Only the latest resync speaks; a drop since then has left its own gap.
        if (mine === this.resyncs && this.syncGap === RECONCILING) this.syncGap = null;
      },
      (e: unknown) => {
        if (mine !== this.resyncs || this.closed) return;
        this.syncGap = `reconciliation after a reconnect failed (${this.safe(e)}); retrying`;
        this.options.logger.error({ venue: 'bybit', error: this.safe(e), retryInMs: RESYNC_RETRY_MS }, 'reconciliation after reconnect failed');
        this.resyncTimer = setTimeout(() => this.resync(), RESYNC_RETRY_MS);
      },
    );
  }

  onReport(listener: (report: ExecutionReport) => void): void {
    this.listeners.push(listener);
  }

  position(): GatewayPosition {
    return this.pos;
  }

  /** Drops the private stream as a network failure would; it reconnects and reconciles. */
  dropStream(): void {
    this.stream?.drop();
  }

  async submit(order: OrderRequest): Promise<readonly ExecutionReport[]> {
    const id = order.clientOrderId;
    if (order.symbol !== this.instrument.symbol) return [{ kind: 'rejected', clientOrderId: id, reason: `${VENUE_REASONS.invalid}: symbol ${order.symbol}`, ts: order.ts }];
    if (order.type === 'limit' && order.limitPrice === null) return [{ kind: 'rejected', clientOrderId: id, reason: `${VENUE_REASONS.invalid}: limit order without a price`, ts: order.ts }];
    if (this.tracker.knows(id)) return [{ kind: 'rejected', clientOrderId: id, reason: `${VENUE_REASONS.duplicate}: ${id}`, ts: order.ts }];
    this.tracker.track(id);
    const params: Record<string, unknown> = { clientOrderId: id, reduceOnly: order.reduceOnly };
    if (order.type === 'limit') params.timeInForce = order.timeInForce ?? 'GTC';
    const amount = Number(lotsToQty(this.instrument, order.qty));
    const price = order.limitPrice === null ? undefined : Number(ticksToPrice(this.instrument, order.limitPrice));
    const outcome = await this.withRetries('create order', id, (attempt) =>
      this.ccxt.createOrder(CCXT_SYMBOL, order.type, order.side.toLowerCase(), amount, price, params).then(
        () => null,
        (e: unknown) => {
          const code = retCodeOf(e);
          if (code !== null && attempt > 0 && meaningOf(code.code).kind === 'duplicate') {
            this.options.logger.warn({ venue: 'bybit', clientOrderId: id, attempt }, 'retried order already placed (110072): looking it up');
            return this.lookUp(id).then(() => null);
          }
          throw e;
        },
      ),
    );
    if (outcome === null) return [];
    const report = this.tracker.refuse(id, outcome, this.options.clock.nowMicros());
    return report === null ? [] : [report];
  }

  async cancel(clientOrderId: string, ts: Micros): Promise<readonly ExecutionReport[]> {
    const venueId = this.tracker.venueOrderId(clientOrderId) ?? undefined;
    const outcome = await this.withRetries('cancel order', clientOrderId, () =>
      this.ccxt.cancelOrder(venueId, CCXT_SYMBOL, venueId === undefined ? { orderLinkId: clientOrderId } : {}).then(() => null),
    );
    if (outcome === null) {
      this.tracker.cancelRequested(clientOrderId);
      return [];
    }
    const reason = outcome.startsWith(VENUE_REASONS.unknownOrder) ? outcome : `${VENUE_REASONS.unknownOrder}: ${outcome}`;
    return [{ kind: 'cancelRejected', clientOrderId, reason, ts }];
  }

  /**
   * Asks REST for what the stream may have missed: orders we hold open, every execution since a
   * minute before the newest one seen (page by page), the position. Every difference is applied once
   * (reports through `onReport`) and logged. The first reconciliation (at start) reads the newest page
   * of trades and of funding as history and reports none of them: the position they built comes from
   * the exchange.
   */
  reconcile(): Promise<ReconcileResult> {
    // One at a time: a reconnect during a reconciliation waits for it, then runs its own.
    const run = (this.reconciling ?? Promise.resolve(null)).catch(() => null).then(() => this.reconcileOnce());
    this.reconciling = run;
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.resyncTimer !== null) clearTimeout(this.resyncTimer);
    this.stream?.close();
    this.stream = null;
    await this.reconciling?.catch(() => null);
  }

  private async reconcileOnce(): Promise<ReconcileResult> {
    const applied: ExecutionReport[] = [];
    this.restApplied = applied;
    try {
      if (this.baselined) {
        for (const raw of await this.executionsSince()) this.applyExecution(raw, 'rest');
      } else {
        // The first look: what executed before this run, trades and funding, is history, not news.
        for (const execType of EXEC_TYPES) {
          for (const raw of (await this.executionPage(execType, undefined, null)).rows) {
            this.tracker.baseline(textOf(raw.execId), Number(raw.execTime) * 1000);
            this.noteExecTime(raw);
          }
        }
        this.baselined = true;
      }
      const open = await this.ccxt.fetchOpenOrders(CCXT_SYMBOL, undefined, undefined, { category: 'linear' });
      const openIds = new Set<string>();
      for (const o of open) {
        openIds.add(textOf(o.info.orderLinkId));
        this.applyOrder(o.info, 'rest');
      }
      for (const id of this.tracker.openOrders()) if (!openIds.has(id)) await this.lookUp(id);
      const positions = await this.ccxt.fetchPositions([CCXT_SYMBOL], { category: 'linear' });
      const mine = positions.map((p) => p.info).find((p) => p.symbol === this.instrument.symbol);
      if (mine === undefined) this.setPosition(0 as Lots, 0, 'rest');
      else {
        const lots = parsePositionLots(this.instrument, mine);
        if (lots.ok) this.setPosition(lots.value, Number(mine.updatedTime ?? 0) * 1000, 'rest');
      }
    } finally {
      this.restApplied = null;
    }
    return { applied, position: this.pos };
  }

  /**
   * Every execution, trades and funding, from a minute before the newest seen (all of the last
   * 7 days, Bybit's default, when none was), oldest first.
   */
  private async executionsSince(): Promise<Record<string, unknown>[]> {
    const since = this.newestExecMs === null ? undefined : Math.max(0, this.newestExecMs - EXECUTION_OVERLAP_MS);
    const found = new Map<string, Record<string, unknown>>();
    for (const execType of EXEC_TYPES) {
      for (const raw of await this.executionPages(execType, since)) found.set(textOf(raw.execId), raw);
    }
    return [...found.values()].sort((a, b) => Number(a.execTime) - Number(b.execTime));
  }

  /**
   * One `execType`'s executions since `since`, page by page. Bybit pages newest first with a cursor it
   * sends even with the last page, so a short page, an empty page or a repeated cursor ends the walk.
   */
  private async executionPages(execType: string, since: number | undefined): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    for (let page = 1; ; page++) {
      const { rows: got, next } = await this.executionPage(execType, since, cursor);
      rows.push(...got);
      if (got.length < EXECUTIONS_PAGE || next === null || next === cursor) return rows;
      if (page === MAX_EXECUTION_PAGES) {
        this.options.logger.error(
          { venue: 'bybit', execType, pages: page, executions: rows.length, sinceMs: since ?? null },
          'reconciliation read the most pages of executions it may; older ones since the last seen were not read',
        );
        return rows;
      }
      cursor = next;
    }
  }

  /** One page of `/v5/execution/list`, newest first, and the cursor of the next (null when none is given). */
  private async executionPage(execType: string, since: number | undefined, cursor: string | null): Promise<{ rows: Record<string, unknown>[]; next: string | null }> {
    const params: Record<string, unknown> = { category: 'linear', execType, ...(cursor === null ? {} : { cursor }) };
    const rows = (await this.ccxt.fetchMyTrades(CCXT_SYMBOL, since, EXECUTIONS_PAGE, params)).map((t) => t.info);
    const next = rows.map((r) => r.nextPageCursor).find((c): c is string => typeof c === 'string' && c !== '') ?? null;
    return { rows, next };
  }

  private noteExecTime(raw: Record<string, unknown>): void {
    const ms = Number(raw.execTime);
    if (Number.isFinite(ms) && (this.newestExecMs === null || ms > this.newestExecMs)) this.newestExecMs = ms;
  }

  /** Looks an order up by orderLinkId (Bybit's realtime endpoint also returns recently closed orders). */
  private async lookUp(clientOrderId: string): Promise<void> {
    const found = await this.ccxt.fetchOpenOrders(CCXT_SYMBOL, undefined, undefined, { category: 'linear', orderLinkId: clientOrderId });
    for (const o of found) this.applyOrder(o.info, 'rest');
  }

  private onStream(topic: string, items: readonly Record<string, unknown>[]): void {
    for (const item of items) {
      if (item.category !== undefined && item.category !== 'linear') continue;
      if (item.symbol !== undefined && item.symbol !== this.instrument.symbol) continue;
      if (topic === 'order') this.applyOrder(item, 'stream');
      else if (topic === 'execution') this.applyExecution(item, 'stream');
      else if (topic === 'position') {
        const lots = parsePositionLots(this.instrument, item);
        if (lots.ok) this.setPosition(lots.value, Number(item.updatedTime ?? 0) * 1000, 'stream');
      }
    }
  }

  private applyOrder(raw: Record<string, unknown>, source: 'stream' | 'rest'): void {
    this.fromSource(source, () => this.applyOrderNow(raw, source));
  }

  private applyExecution(raw: Record<string, unknown>, source: 'stream' | 'rest'): void {
    this.fromSource(source, () => this.applyExecutionNow(raw, source));
  }

  /** Runs `apply` with `applyingRest` saying whether the update came from REST reconciliation. */
  private fromSource(source: 'stream' | 'rest', apply: () => void): void {
    this.applyingRest = source === 'rest';
    try {
      apply();
    } finally {
      this.applyingRest = false;
    }
  }

  private applyOrderNow(raw: Record<string, unknown>, source: 'stream' | 'rest'): void {
    const u = parseOrder(this.instrument, raw);
    if (!u.ok) {
      this.options.logger.warn({ venue: 'bybit', source, error: u.error }, 'order update not understood');
      return;
    }
    const changed = this.tracker.onOrder(u.value);
    if (changed && source === 'rest') this.options.logger.warn({ venue: 'bybit', clientOrderId: u.value.clientOrderId, phase: u.value.phase, cumLots: u.value.cumLots }, 'reconciliation applied an order state the stream had not delivered');
  }

  private applyExecutionNow(raw: Record<string, unknown>, source: 'stream' | 'rest'): void {
    const e = parseExecution(this.instrument, raw);
    if (!e.ok) {
      this.options.logger.warn({ venue: 'bybit', source, error: e.error }, 'execution not understood');
      return;
    }
    this.noteExecTime(raw);
    const fresh = this.tracker.onExecution(e.value, this.instrument.symbol);
    if (fresh && source === 'rest') this.options.logger.warn({ venue: 'bybit', execId: e.value.execId, kind: e.value.kind }, 'reconciliation applied an execution the stream had not delivered');
  }

  private setPosition(lots: Lots, tsMicros: number, source: 'stream' | 'rest'): void {
    if (source === 'rest' && lots !== this.pos.lots) this.options.logger.warn({ venue: 'bybit', was: this.pos.lots, now: lots }, 'reconciliation corrected the position');
    this.pos = { lots, ts: tsMicros as Micros };
  }

  private withRetries(what: string, clientOrderId: string, call: (attempt: number) => Promise<null>): Promise<string | null> {
    const o = this.options;
    return sendWithRetries(call, { what, clientOrderId, logger: o.logger, maxAttempts: o.maxAttempts ?? 4, backoffMs: o.retryBackoffMs ?? 200, safe: (e) => this.safe(e) });
  }

  private safe(e: unknown): string {
    return redact(e instanceof Error ? e.message : String(e), [this.options.apiKey, this.options.apiSecret]);
  }

  private emit(report: ExecutionReport): void {
    if (this.restApplied !== null && this.applyingRest) this.restApplied.push(report);
    for (const l of [...this.listeners]) l(report);
  }
}

/**
 * Loads the instrument from Bybit (`/v5/market/instruments-info`, through ccxt's loadMarkets), then
 * connects the private stream and reconciles. Rejects, with a message free of keys, when the symbol is
 * not listed or the credentials are refused.
 */
export async function createBybitGateway(options: BybitGatewayOptions): Promise<BybitGateway> {
  const ccxt = createCcxtBybit(options);
  const keys = [options.apiKey, options.apiSecret];
  try {
    await ccxt.loadMarkets();
  } catch (e) {
    throw new Error(`Bybit markets could not be loaded: ${redact(e instanceof Error ? e.message : String(e), keys)}`);
  }
  let info: Record<string, unknown>;
  try {
    info = ccxt.market(CCXT_SYMBOL).info;
  } catch {
    throw new Error(`Bybit does not list ${options.symbol} as a linear contract`);
  }
  if (info.symbol !== options.symbol) throw new Error(`Bybit does not list ${options.symbol} as a linear contract`);
  const priceFilter = (info.priceFilter ?? {}) as Record<string, unknown>;
  const lotFilter = (info.lotSizeFilter ?? {}) as Record<string, unknown>;
  const instrument = createInstrument({ symbol: options.symbol, tickSize: textOf(priceFilter.tickSize), lotSize: textOf(lotFilter.qtyStep), minQty: textOf(lotFilter.minOrderQty) });
  if (!instrument.ok) throw new Error(`Bybit's ${options.symbol} spec is not usable: ${JSON.stringify(instrument.error)}`);
  const gateway = new BybitGateway(instrument.value, ccxt, options);
  try {
    await gateway.start();
  } catch (e) {
    await gateway.close();
    throw new Error(redact(e instanceof Error ? e.message : String(e), keys));
  }
  return gateway;
}
