import type { Clock } from '../../../application/ports/clock.ts';
import { VENUE_REASONS, type AmendRequest, type ExecutionReport, type ExecutionVenue, type OrderRequest } from '../../../application/ports/execution-venue.ts';
import type { AdoptedOrder, LiveVenue, VenueNotice } from '../../../application/ports/live-venue.ts';
import type { Logger } from '../../../application/ports/logger.ts';
import { createInstrument, lotsToQty, priceToTicks, qtyToLots, ticksToPrice, type Instrument } from '../../../domain/values/instrument.ts';
import type { Lots, Micros, Ticks } from '../../../domain/values/units.ts';
import { createCcxtBybit, type CcxtBybitSlice } from './ccxt-slice.ts';
import { ClockSync } from './clock-sync.ts';
import { meaningOf, retCodeOf } from './error-map.ts';
import { AuthRefused, OutcomeUnknown, sendWithRetries } from './retry.ts';
import { parseAvgPriceTicks, parseExecution, parseOrder, parsePositionLots, textOf } from './order-status.ts';
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
  /** Bybit's `recv_window`, ms; 5000 when absent. */
  readonly recvWindowMs?: number;
  /** Milliseconds between reconciliations when nothing is in doubt; 10 000 when absent, 0 for none. */
  readonly reconcileEveryMs?: number;
  /** Milliseconds between reads of Bybit's time; 60 000 when absent. */
  readonly clockSyncEveryMs?: number;
  /** The largest offset to Bybit's clock start-up accepts, ms; 10 000 when absent. */
  readonly maxClockOffsetMs?: number;
  /** What becomes of orders open on the exchange at start: canceled (the default) or adopted. */
  readonly onStartOrders?: 'cancel' | 'adopt';
  /** Lots the exchange's position may differ from the executions reported before a breaker trips; 0 when absent. */
  readonly positionToleranceLots?: number;
  /** Seconds of Bybit's disconnect-cancel-all (`/v5/order/disconnected-cancel-all`); not set when absent. */
  readonly dcpWindowS?: number;
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
/**
 * How long after an order's submit turned UNKNOWN a lookup that does not find it means it never
 * reached the exchange: past `recv_window`, Bybit refuses a request that arrives late, plus a margin.
 */
const NEVER_ARRIVED_MARGIN_MS = 1_000;
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
 *
 * The exchange is the truth: at start the position, open orders and recent executions are read before
 * any order (the run starts from that position; open orders are canceled or adopted). Reconciliation
 * then runs every `reconcileEveryMs` and at once after any doubt (a timeout, a reset, a 5xx, a cancel
 * refused, a stream gap): open orders, executions since the newest seen, the position. A position that
 * still differs from the executions reported after a second read is corrected and told as a notice.
 * A submit whose every attempt failed in transport is UNKNOWN, not refused: it stays open here and is
 * looked up by orderLinkId until found, or until it can no longer arrive. Refused credentials halt.
 *
 * One piece at ~790 lines: submit, cancel, amend, the stream and reconciliation share the tracker, the
 * position ledger and the doubt queue, and split apart they would pass the same state around.
 */
export class BybitGateway implements ExecutionVenue, LiveVenue {
  readonly name: string;
  readonly live: LiveVenue = this;
  private readonly notices: ((n: VenueNotice) => void)[] = [];
  private readonly clockSync: ClockSync;
  /** Signed lots: the opening position plus every trade execution reported since. */
  private appliedLots = 0;
  private opening: { lots: Lots; avgPrice: Ticks | null } = { lots: 0 as Lots, avgPrice: null };
  private adopted: AdoptedOrder[] = [];
  /** Orders whose submit outcome is unknown, and since when (our ms). */
  private readonly unknownSince = new Map<string, number>();
  /** Set once the credentials are refused: the venue cannot be traded on for the rest of the run. */
  private authFailure: string | null = null;
  /** Set when a correction went beyond the tolerance; cleared by a reconciliation that finds agreement. */
  private divergence: string | null = null;
  /** The reason of the reconciliation asked for and not started yet; null when none is. */
  private doubtReason: string | null = null;
  private doubting = false;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
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
    this.clockSync = new ClockSync(
      async () => Number(await ccxt.fetchTime()),
      () => this.localMs(),
      // ccxt stamps each request with its time minus `timeDifference`: ours minus the server's.
      (offset) => {
        ccxt.options.timeDifference = -offset;
      },
    );
  }

  /** Bybit's clock minus ours, ms, as last read. */
  get clockOffsetMs(): number {
    return this.clockSync.offsetMs;
  }

  /** Connects the private stream and reconciles; resolves when both are done. */
  async start(): Promise<void> {
    const o = this.options;
    await this.checkClock();
    this.stream = new PrivateStream({
      url: o.privateWsUrl ?? PRIVATE_WS_URLS[o.network],
      apiKey: o.apiKey,
      apiSecret: o.apiSecret,
      topics: o.dcpWindowS === undefined ? ['order', 'execution', 'position'] : ['order', 'execution', 'position', 'dcp'],
      logger: o.logger,
      nowMs: () => Math.floor(this.clockSync.nowMs()),
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
    await this.settleStartOrders();
    if (o.dcpWindowS !== undefined) await this.setDisconnectCancelAll(o.dcpWindowS);
    this.syncGap = null;
    const every = o.reconcileEveryMs ?? 10_000;
    if (every > 0) this.timers.push(setInterval(() => this.doubt('periodic reconciliation'), every));
    this.timers.push(setInterval(() => {
      this.clockSync.sync().catch((e: unknown) => o.logger.warn({ venue: 'bybit', error: this.safe(e) }, 'reading Bybit\'s time failed; keeping the last offset'));
    }, o.clockSyncEveryMs ?? 60_000));
    for (const t of this.timers) t.unref();
  }

  /**
   * Reads Bybit's time; refuses to start when our clock is further from it than `maxClockOffsetMs`
   * (requests are stamped with the corrected time, but a clock that far off says the host is broken).
   */
  private async checkClock(): Promise<void> {
    const offset = await this.clockSync.sync();
    const most = this.options.maxClockOffsetMs ?? 10_000;
    this.options.logger.info({ venue: 'bybit', clockOffsetMs: offset, recvWindowMs: this.options.recvWindowMs ?? 5_000 }, 'clock offset to Bybit measured');
    if (Math.abs(offset) > most) throw new Error(`this machine's clock is ${offset} ms from Bybit's (more than ${most} ms): set the clock (NTP) before trading`);
  }

  /** Orders open on the exchange before the first order: canceled, or adopted (`onStartOrders`). */
  private async settleStartOrders(): Promise<void> {
    const o = this.options;
    const open = (await this.ccxt.fetchOpenOrders(CCXT_SYMBOL, undefined, undefined, { category: 'linear' })).map((x) => x.info);
    if (open.length === 0) return;
    if ((o.onStartOrders ?? 'cancel') === 'cancel') {
      o.logger.warn({ venue: 'bybit', orders: open.map((x) => textOf(x.orderLinkId) || textOf(x.orderId)) }, 'orders open on the exchange at start: canceling them (--on-start-orders cancel)');
      await this.cancelAll();
      return;
    }
    for (const raw of open) {
      const adopted = this.adoptable(raw);
      if (adopted === null) {
        o.logger.warn({ venue: 'bybit', order: raw.orderId }, 'open order at start not understood: left as it is');
        continue;
      }
      this.tracker.adopt(adopted.clientOrderId, adopted.venueOrderId, adopted.filledQty, { side: adopted.side, qty: adopted.qty, price: adopted.limitPrice });
      this.adopted.push(adopted);
    }
    o.logger.warn({ venue: 'bybit', orders: this.adopted.map((a) => a.clientOrderId) }, 'orders open on the exchange at start adopted (--on-start-orders adopt)');
  }

  private adoptable(raw: Record<string, unknown>): AdoptedOrder | null {
    const qty = qtyToLots(this.instrument, textOf(raw.qty));
    const cum = qtyToLots(this.instrument, textOf(raw.cumExecQty) || '0');
    const side = raw.side === 'Buy' ? 'Buy' : raw.side === 'Sell' ? 'Sell' : null;
    const isLimit = raw.orderType === 'Limit';
    const price = priceToTicks(this.instrument, textOf(raw.price));
    if (!qty.ok || !cum.ok || side === null || (isLimit && !price.ok)) return null;
    const venueOrderId = textOf(raw.orderId);
    return {
      clientOrderId: textOf(raw.orderLinkId) || `venue-${venueOrderId}`, venueOrderId, side, type: isLimit ? 'limit' : 'market', qty: qty.value, filledQty: cum.value,
      limitPrice: isLimit && price.ok ? price.value : null, reduceOnly: raw.reduceOnly === true,
    };
  }

  /**
   * Bybit's disconnect-cancel-all: should every private connection stay down `windowS` seconds, the
   * exchange cancels every order itself. Not every account allows it; a refusal is logged, not fatal.
   */
  private async setDisconnectCancelAll(windowS: number): Promise<void> {
    try {
      await this.ccxt.privatePostV5OrderDisconnectedCancelAll({ timeWindow: windowS, product: 'DERIVATIVES' });
      this.options.logger.info({ venue: 'bybit', dcpWindowS: windowS }, 'disconnect-cancel-all set: the exchange cancels every order if the private stream stays down that long');
    } catch (e) {
      this.options.logger.warn({ venue: 'bybit', dcpWindowS: windowS, error: this.safe(e) }, 'disconnect-cancel-all could not be set (the account may not allow it)');
    }
  }

  // ---- LiveVenue

  openingPosition(): { readonly lots: Lots; readonly avgPrice: Ticks | null } {
    return this.opening;
  }

  adoptedOrders(): readonly AdoptedOrder[] {
    return this.adopted;
  }

  onNotice(listener: (notice: VenueNotice) => void): void {
    this.notices.push(listener);
  }

  async cancelAll(): Promise<void> {
    const outcome = await this.withRetries('cancel all', '*', () =>
      this.ccxt.cancelAllOrders(CCXT_SYMBOL, { category: 'linear' }).then(() => null),
    );
    if (outcome !== null) this.options.logger.warn({ venue: 'bybit', outcome }, 'cancel-all refused');
    for (const id of this.tracker.openOrders()) this.tracker.cancelRequested(id);
    this.doubt('cancel-all sent');
  }

  async readPosition(): Promise<Lots> {
    return (await this.fetchPosition()).lots;
  }

  /**
   * Asks for a reconciliation as soon as the one under way (if any) ends. Doubts that come while one
   * waits are folded into it: one more reconciliation covers them all.
   */
  doubt(reason: string): void {
    if (this.closed || !this.baselined) return;
    this.doubtReason ??= reason;
    if (this.doubting) return;
    this.doubting = true;
    void this.drainDoubts();
  }

  private async drainDoubts(): Promise<void> {
    while (this.doubtReason !== null && !this.closed) {
      const reason = this.doubtReason;
      this.doubtReason = null;
      try {
        await this.reconcile(reason);
      } catch (e) {
        if (this.closed) break;
        this.options.logger.warn({ venue: 'bybit', reason, error: this.safe(e), retryInMs: RESYNC_RETRY_MS }, 'reconciliation failed; trying again');
        const retry = setTimeout(() => this.doubt(reason), RESYNC_RETRY_MS);
        retry.unref();
        break;
      }
    }
    this.doubting = false;
  }

  /**
   * Why what this gateway reports may be behind the exchange right now: the private stream is down,
   * or a reconciliation after a reconnect has not finished (or failed, and is retried). Null when
   * every fill and order update up to now has been reported.
   */
  outOfSync(): string | null {
    return this.authFailure ?? this.syncGap ?? this.divergence;
  }

  /** After a reconnect: reconcile, and keep trying every RESYNC_RETRY_MS until one succeeds. */
  private resync(): void {
    if (this.closed) return;
    if (this.resyncTimer !== null) clearTimeout(this.resyncTimer);
    this.resyncTimer = null;
    const mine = ++this.resyncs;
    this.syncGap = RECONCILING;
    this.reconcile('the private stream reconnected').then(
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
    this.tracker.track(id, { side: order.side, qty: order.qty, price: order.limitPrice });
    const params: Record<string, unknown> = { clientOrderId: id, reduceOnly: order.reduceOnly };
    if (order.type === 'limit') params.timeInForce = order.timeInForce ?? 'GTC';
    const amount = Number(lotsToQty(this.instrument, order.qty));
    const price = order.limitPrice === null ? undefined : Number(ticksToPrice(this.instrument, order.limitPrice));
    if (this.authFailure !== null) return [{ kind: 'rejected', clientOrderId: id, reason: `${VENUE_REASONS.invalid}: not sent, ${this.authFailure}`, ts: order.ts }];
    let outcome: string | null;
    try {
      outcome = await this.withRetries('create order', id, (attempt) =>
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
    } catch (e) {
      if (e instanceof OutcomeUnknown) {
        // The stream may have shown the order meanwhile: then its outcome is known after all.
        if (!this.tracker.seen(id)) this.markUnknown(id, e.message, order.ts);
        return [];
      }
      if (e instanceof AuthRefused) this.haltOnAuth(e.message);
      outcome = `${VENUE_REASONS.invalid}: ${this.safe(e)}`;
    }
    if (outcome === null) return [];
    const report = this.tracker.refuse(id, outcome, this.options.clock.nowMicros());
    return report === null ? [] : [report];
  }

  async cancel(clientOrderId: string, ts: Micros): Promise<readonly ExecutionReport[]> {
    const venueId = this.tracker.venueOrderId(clientOrderId) ?? undefined;
    let outcome: string | null;
    try {
      outcome = await this.withRetries('cancel order', clientOrderId, () =>
        this.ccxt.cancelOrder(venueId, CCXT_SYMBOL, venueId === undefined ? { orderLinkId: clientOrderId } : {}).then(() => null),
      );
    } catch (e) {
      if (e instanceof AuthRefused) this.haltOnAuth(e.message);
      throw e;
    }
    if (outcome === null) {
      this.tracker.cancelRequested(clientOrderId);
      return [];
    }
    // Refused as filled, gone or unknown: what became of the order is for a lookup to say.
    this.doubt(`cancel of ${clientOrderId} refused: ${outcome}`);
    const reason = outcome.startsWith(VENUE_REASONS.unknownOrder) ? outcome : `${VENUE_REASONS.unknownOrder}: ${outcome}`;
    return [{ kind: 'cancelRejected', clientOrderId, reason, ts }];
  }

  /**
   * `/v5/order/amend` (ccxt `editOrder`) by orderLinkId: a new quantity (the order's total) or limit
   * price, or both. Like a cancel, REST only takes the request: the order stream then shows the order
   * with its new values, which the tracker reports `amended`. Refused (110001: filled, canceled or
   * never known; 10001: nothing changed or a bad value), it is `amendRejected` and the order is as the
   * exchange holds it; an order gone is looked up, since its end may not have reached us yet.
   */
  async amend(clientOrderId: string, change: AmendRequest, ts: Micros): Promise<readonly ExecutionReport[]> {
    const terms = this.tracker.terms(clientOrderId);
    if (terms === null) return [{ kind: 'amendRejected', clientOrderId, reason: `${VENUE_REASONS.unknownOrder}: ${clientOrderId} is not an open order of this run`, ts }];
    if (this.authFailure !== null) return [{ kind: 'amendRejected', clientOrderId, reason: `${VENUE_REASONS.invalid}: not sent, ${this.authFailure}`, ts }];
    const amount = change.qty === undefined ? undefined : Number(lotsToQty(this.instrument, change.qty));
    const price = change.limitPrice === undefined ? undefined : Number(ticksToPrice(this.instrument, change.limitPrice));
    let outcome: string | null;
    try {
      outcome = await this.withRetries('amend order', clientOrderId, () =>
        this.ccxt.editOrder(undefined, CCXT_SYMBOL, 'limit', terms.side.toLowerCase(), amount, price, { category: 'linear', orderLinkId: clientOrderId }).then(() => null),
      );
    } catch (e) {
      if (e instanceof AuthRefused) this.haltOnAuth(e.message);
      throw e;
    }
    if (outcome === null) return [];
    if (outcome.startsWith(VENUE_REASONS.unknownOrder)) this.doubt(`amend of ${clientOrderId} refused: ${outcome}`);
    // Bybit answers an amend that changes nothing with 10001 "order not modified".
    const reason = /not modified|unchanged/i.test(outcome) ? `${VENUE_REASONS.unchanged}: ${outcome}` : outcome;
    return [{ kind: 'amendRejected', clientOrderId, reason, ts }];
  }

  /**
   * Asks REST for what the stream may have missed: orders we hold open, every execution since a
   * minute before the newest one seen (page by page), the position. Every difference is applied once
   * (reports through `onReport`) and logged. The first reconciliation (at start) reads the newest page
   * of trades and of funding as history and reports none of them: the position they built comes from
   * the exchange.
   */
  reconcile(reason = 'asked'): Promise<ReconcileResult> {
    // One at a time: a reconnect during a reconciliation waits for it, then runs its own.
    const run = (this.reconciling ?? Promise.resolve(null)).catch(() => null).then(() => this.reconcileOnce(reason));
    this.reconciling = run;
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    if (this.resyncTimer !== null) clearTimeout(this.resyncTimer);
    this.stream?.close();
    this.stream = null;
    await this.reconciling?.catch(() => null);
  }

  private async reconcileOnce(reason: string): Promise<ReconcileResult> {
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
      }
      const open = await this.ccxt.fetchOpenOrders(CCXT_SYMBOL, undefined, undefined, { category: 'linear' });
      const openIds = new Set<string>();
      for (const o of open) {
        openIds.add(textOf(o.info.orderLinkId));
        this.applyOrder(o.info, 'rest');
      }
      for (const id of this.tracker.openOrders()) if (!openIds.has(id)) await this.lookUpOrGiveUp(id);
      let stated = await this.fetchPosition();
      if (!this.baselined) {
        this.baselined = true;
        this.appliedLots = stated.lots;
        this.opening = { lots: stated.lots, avgPrice: stated.avgPrice };
        if (stated.lots !== 0) this.options.logger.warn({ venue: 'bybit', lots: stated.lots, avgPrice: stated.avgPrice }, 'the exchange holds a position at start: the run starts from it');
      } else if (stated.lots !== this.appliedLots) {
        // An execution may have happened between the reads: read the executions and the position again.
        for (const raw of await this.executionsSince()) this.applyExecution(raw, 'rest');
        stated = await this.fetchPosition();
        if (stated.lots !== this.appliedLots) this.correct(stated, reason);
        else this.agreed();
      } else {
        this.agreed();
      }
    } finally {
      this.restApplied = null;
    }
    return { applied, position: this.pos };
  }

  /** The exchange's position, after a reconciliation, agrees with the executions reported. */
  private agreed(): void {
    if (this.divergence === null) return;
    this.options.logger.info({ venue: 'bybit', lots: this.appliedLots }, 'the position agrees with the exchange again');
    this.divergence = null;
  }

  /**
   * The exchange's position differs from the executions reported, twice read: the exchange is the
   * truth. The difference is told as a notice (the application corrects its position and stores
   * the correction); beyond the tolerance, the venue is out of sync until a later reconciliation agrees.
   */
  private correct(stated: { lots: Lots; avgPrice: Ticks | null }, reason: string): void {
    const before = this.appliedLots as Lots;
    const diff = stated.lots - before;
    this.appliedLots = stated.lots;
    const beyond = Math.abs(diff) > (this.options.positionToleranceLots ?? 0);
    const why = `reconciliation (${reason}) found the exchange's position ${stated.lots} lots where the executions reported make ${before}`;
    this.options.logger.error({ venue: 'bybit', before, after: stated.lots, reason, beyondTolerance: beyond }, 'reconciliation corrected the position to the exchange\'s');
    if (beyond) this.divergence = `${why}; beyond the tolerance of ${this.options.positionToleranceLots ?? 0} lots`;
    this.notify({ kind: 'correction', beforeLots: before, afterLots: stated.lots, price: stated.avgPrice, reason: why, beyondTolerance: beyond, ts: this.options.clock.nowMicros() });
  }

  /** The position as REST states it now, with its average entry. */
  private async fetchPosition(): Promise<{ lots: Lots; avgPrice: Ticks | null }> {
    const positions = await this.ccxt.fetchPositions([CCXT_SYMBOL], { category: 'linear' });
    const mine = positions.map((p) => p.info).find((p) => p.symbol === this.instrument.symbol);
    if (mine === undefined) {
      this.setPosition(0 as Lots, 0, 'rest');
      return { lots: 0 as Lots, avgPrice: null };
    }
    const lots = parsePositionLots(this.instrument, mine);
    if (!lots.ok) throw new Error(`Bybit's position is not understood: ${JSON.stringify(lots.error)}`);
    this.setPosition(lots.value, Number(mine.updatedTime ?? 0) * 1000, 'rest');
    return { lots: lots.value, avgPrice: lots.value === 0 ? null : parseAvgPriceTicks(this.instrument, mine) };
  }

  /** A submit that failed in transport every time: the order may exist. It stays open and is looked up. */
  private markUnknown(clientOrderId: string, why: string, ts: Micros): void {
    this.unknownSince.set(clientOrderId, this.localMs());
    this.options.logger.error({ venue: 'bybit', clientOrderId, error: why }, 'order outcome UNKNOWN: counted at full size until a lookup by orderLinkId resolves it');
    this.notify({ kind: 'unknown', clientOrderId, reason: why, ts });
    this.doubt(`submit of ${clientOrderId} UNKNOWN`);
    // If it is not found at once, look again once it can no longer arrive.
    const again = setTimeout(() => this.doubt(`submit of ${clientOrderId} still UNKNOWN`), (this.options.recvWindowMs ?? 5_000) + NEVER_ARRIVED_MARGIN_MS + 100);
    again.unref();
  }

  /**
   * Looks an order up; an UNKNOWN one the exchange does not know once it can no longer arrive (its
   * recv_window passed) never reached it, and is reported rejected.
   */
  private async lookUpOrGiveUp(clientOrderId: string): Promise<void> {
    const found = await this.lookUp(clientOrderId);
    const since = this.unknownSince.get(clientOrderId);
    if (since === undefined) return;
    if (found) {
      this.unknownSince.delete(clientOrderId);
      this.options.logger.warn({ venue: 'bybit', clientOrderId }, 'UNKNOWN order found on the exchange by orderLinkId');
      return;
    }
    if (this.localMs() - since < (this.options.recvWindowMs ?? 5_000) + NEVER_ARRIVED_MARGIN_MS) return;
    this.unknownSince.delete(clientOrderId);
    const report = this.tracker.refuse(clientOrderId, `${VENUE_REASONS.invalid}: not on the exchange (looked up by orderLinkId after its submit's outcome was unknown)`, this.options.clock.nowMicros());
    if (report !== null) this.emit(report);
  }

  /** The credentials were refused mid-run: nothing more is sent, and the run halts with the reason. */
  private haltOnAuth(reason: string): void {
    if (this.authFailure !== null) return;
    this.authFailure = reason;
    this.options.logger.error({ venue: 'bybit', reason }, 'Bybit refused the API credentials: trading halted');
    this.notify({ kind: 'halt', reason, ts: this.options.clock.nowMicros() });
  }

  private notify(notice: VenueNotice): void {
    for (const l of [...this.notices]) l(notice);
  }

  private localMs(): number {
    return Math.floor(this.options.clock.nowMicros() / 1000);
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
  private async lookUp(clientOrderId: string): Promise<boolean> {
    const found = await this.ccxt.fetchOpenOrders(CCXT_SYMBOL, undefined, undefined, { category: 'linear', orderLinkId: clientOrderId });
    for (const o of found) this.applyOrder(o.info, 'rest');
    return found.length > 0;
  }

  /** One message of the private stream: its topic and items (the socket calls it; a test may stand in for the socket). */
  onStream(topic: string, items: readonly Record<string, unknown>[]): void {
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
    return sendWithRetries(call, {
      what, clientOrderId, logger: o.logger, maxAttempts: o.maxAttempts ?? 4, backoffMs: o.retryBackoffMs ?? 200, safe: (e) => this.safe(e),
      resyncClock: async () => {
        const offset = await this.clockSync.sync();
        o.logger.warn({ venue: 'bybit', clockOffsetMs: offset }, 'clock re-synced to Bybit\'s');
      },
      onDoubt: (reason) => this.doubt(reason),
    });
  }

  private safe(e: unknown): string {
    return redact(e instanceof Error ? e.message : String(e), [this.options.apiKey, this.options.apiSecret]);
  }

  private emit(report: ExecutionReport): void {
    if (report.kind === 'fill') this.appliedLots += report.fill.side === 'Buy' ? report.fill.qty : 0 - report.fill.qty;
    if (this.restApplied !== null && this.applyingRest) this.restApplied.push(report);
    for (const l of [...this.listeners]) l(report);
  }
}

/**
 * Reads Bybit's time and hands the offset to ccxt; refuses, naming the offset, when our clock is
 * further from Bybit's than `maxClockOffsetMs` (10 s when absent): requests are stamped with the
 * corrected time, but a clock that far off says the host is broken.
 */
async function checkClockOffset(ccxt: CcxtBybitSlice, options: BybitGatewayOptions): Promise<number> {
  const sync = new ClockSync(async () => Number(await ccxt.fetchTime()), () => Math.floor(options.clock.nowMicros() / 1000), (offset) => {
    ccxt.options.timeDifference = -offset;
  });
  let offset: number;
  try {
    offset = await sync.sync();
  } catch (e) {
    throw new Error(`Bybit's time could not be read: ${redact(e instanceof Error ? e.message : String(e), [options.apiKey, options.apiSecret])}`);
  }
  const most = options.maxClockOffsetMs ?? 10_000;
  if (Math.abs(offset) > most) throw new Error(`this machine's clock is ${offset} ms from Bybit's (more than ${most} ms): set the clock (NTP) before trading`);
  return offset;
}

/**
 * Loads the instrument from Bybit (`/v5/market/instruments-info`, through ccxt's loadMarkets), then
 * connects the private stream and reconciles. Rejects, with a message free of keys, when the symbol is
 * not listed or the credentials are refused.
 */
export async function createBybitGateway(options: BybitGatewayOptions): Promise<BybitGateway> {
  const ccxt = createCcxtBybit(options);
  const keys = [options.apiKey, options.apiSecret];
  // Loading markets signs a request: the clock is checked, and corrected, first.
  await checkClockOffset(ccxt, options);
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
