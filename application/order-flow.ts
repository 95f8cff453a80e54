import type { Fill } from '../domain/trading/fill.ts';
import { applyOrderEvent, createOrder, type Order, type OrderEvent } from '../domain/trading/order.ts';
import { Position } from '../domain/trading/position.ts';
import type { OrderDecision } from '../domain/trading/risk.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import type { Lots, Micros, Ticks } from '../domain/values/units.ts';
import type { BatchedWriter } from './batched-writer.ts';
import type { AmendRequest, ExecutionReport, ExecutionVenue, TimeInForce } from './ports/execution-venue.ts';
import type { AdoptedOrder, LiveVenue } from './ports/live-venue.ts';
import type { Logger } from './ports/logger.ts';

export interface OrderFlowCounters {
  orders: number;
  fills: number;
  /** Lots filled over the run, both sides. */
  filledLots: number;
  /** Orders the venue acknowledged. */
  accepted: number;
  rejected: number;
  canceled: number;
  /** Cancels the venue refused: the order had filled or was gone already. */
  cancelRejected: number;
  /** Amends the venue applied, and those it refused (the order had filled or was gone, or nothing changed). */
  amended: number;
  amendRejected: number;
  /** Funding settlements applied to the position's cash. */
  fundings: number;
  unknownReports: number;
  illegalTransitions: number;
}

/** What a tracer learns from the order flow: when each order is handed to the venue, and every report. */
export interface OrderObserver {
  /** An order is being created and sent under `clientOrderId`. */
  submitting(clientOrderId: string): void;
  /** The venue answered the submit, or could not be reached. */
  submitted(clientOrderId: string): void;
  /** Every report, before it is applied. */
  report(report: ExecutionReport): void;
  /** The order reached a final state (filled, rejected, canceled). */
  closed(clientOrderId: string): void;
  /** The id of the trace the order is in, when known: log lines about the order carry it. */
  traceIdOf?(clientOrderId: string): string | undefined;
}

interface Working {
  order: Order;
  arrivalMid: Ticks | null;
}

/**
 * How long a canceled order is kept after its cancel, venue time, µs: a venue may still report a fill
 * it matched before the cancel (Bybit's order and execution topics are not ordered; a fill the stream
 * dropped comes back in the reconciliation after a reconnect). After that, the order is forgotten, and
 * a fill for it still moves the position (see `applyFill`).
 */
export const CANCELED_KEPT_MICROS = 3_600_000_000;

/**
 * Owns the orders of one run and the position they build: creates orders from decisions, sends them,
 * and applies every execution report — returned by `submit` or pushed later by the venue — to the
 * order's state machine and to the position, handing each new state and fill to the writer.
 */
export class OrderFlow {
  readonly position: Position;
  readonly counters: OrderFlowCounters = {
    orders: 0, fills: 0, filledLots: 0, accepted: 0, rejected: 0, canceled: 0, cancelRejected: 0, amended: 0, amendRejected: 0, fundings: 0, unknownReports: 0, illegalTransitions: 0,
  };
  /** Orders not yet final. */
  private readonly working = new Map<string, Working>();
  /** Canceled orders, kept for CANCELED_KEPT_MICROS after their cancel for the fills a venue may still report. */
  private readonly canceled = new Map<string, Working>();
  /** The newest venue time among the orders' updates, µs: canceled orders are forgotten against it. */
  private newestMicros = 0;
  /**
   * Called with every fill applied to the position, with every order that reached a final state, and
   * with the id of every order forgotten for good (filled or rejected, or canceled long enough ago):
   * no report about it will be applied to an order again, so what is kept per order can go.
   */
  readonly listeners: {
    fill: ((fill: Fill) => void)[]; closed: ((order: Order) => void)[]; forgotten: ((orderId: string) => void)[];
    /** The venue's answer to an amend: applied, or refused. */
    amend: ((report: Extract<ExecutionReport, { kind: 'amended' | 'amendRejected' }>) => void)[];
  } = {
    fill: [], closed: [], forgotten: [], amend: [],
  };
  /** Told of every submit and report when set (the loop sets its decision trace); null: nobody is. */
  observer: OrderObserver | null = null;
  /** Events recorded per order, for their seq. */
  private readonly eventSeq = new Map<string, number>();
  private nextId = 1;

  constructor(
    private readonly instrument: Instrument,
    private readonly venue: ExecutionVenue,
    private readonly writer: BatchedWriter,
    private readonly logger: Logger,
    private readonly runId: string,
    /** Prefix of client order ids; Bybit's orderLinkId allows 36 characters. */
    private readonly idPrefix: string,
  ) {
    this.position = new Position(instrument);
    venue.onReport((report) => this.apply(report));
  }

  /** The real exchange's further controls, or null for a simulated venue. */
  get live(): LiveVenue | null {
    return this.venue.live ?? null;
  }

  /**
   * Moves the position from `beforeLots` to `afterLots` as the exchange stated it (the position
   * held at start, or a reconciliation's correction), at `price` (the exchange's average entry; the
   * position's own when null). No fill is recorded: no execution of this run explains it.
   */
  correctPosition(beforeLots: Lots, afterLots: Lots, price: Ticks | null): void {
    const delta = afterLots - beforeLots;
    if (delta === 0) return;
    const own = this.position.avgEntryTicks();
    const at = price ?? (own === null ? null : (Math.max(1, Math.round(own)) as Ticks));
    if (at === null) throw new Error(`position correction of ${delta} lots without a price`);
    this.position.adjust(delta, at);
  }

  /** Takes over an order open on the exchange before the run: tracked and counted as this run's own. */
  adopt(o: AdoptedOrder, ts: Micros): void {
    const rest = (o.qty - o.filledQty) as Lots;
    if (rest <= 0 || this.working.has(o.clientOrderId)) return;
    const order = this.startOrder(o.clientOrderId, { side: o.side, type: o.type, qty: rest, limitPrice: o.limitPrice, reduceOnly: o.reduceOnly }, ts, 'adopted: open on the exchange at start');
    this.transition(order.id, { kind: 'accept', ts, venueOrderId: o.venueOrderId });
  }

  /** Why the venue's reports may be incomplete right now, or null (see `ExecutionVenue.outOfSync`). */
  get venueOutOfSync(): string | null {
    return this.venue.outOfSync?.() ?? null;
  }

  /** Orders still working: not filled, rejected or canceled. */
  get openOrders(): number {
    return this.working.size;
  }

  /** How many orders are held in memory: working, and canceled within the late-fill window. */
  get trackedOrders(): { readonly working: number; readonly canceled: number; readonly eventSeqs: number } {
    return { working: this.working.size, canceled: this.canceled.size, eventSeqs: this.eventSeq.size };
  }

  /**
   * The position as it will be once every working order fills: filled lots plus the signed unfilled
   * rest of orders still live. Limits are checked against this, so two orders sent before either
   * fills cannot together pass a limit.
   */
  get exposureLots(): Lots {
    let lots = this.position.qty as number;
    for (const { order } of this.working.values()) {
      const rest = order.qty - order.filledQty;
      lots += order.side === 'Buy' ? rest : -rest;
    }
    return lots as Lots;
  }

  /** Sends a market order; `reduceOnly` for the kill switch's flatten. Resolves with the order's id. */
  submitMarket(decision: OrderDecision, ts: Micros, arrivalMid: Ticks | null, reason: string, reduceOnly = false): Promise<string> {
    return this.submit({ side: decision.side, qty: decision.qty, type: 'market', limitPrice: null, reduceOnly, timeInForce: undefined }, ts, arrivalMid, reason);
  }

  /** Sends a limit order, post-only when `postOnly`. Resolves with the order's id. */
  submitLimit(decision: OrderDecision, price: Ticks, postOnly: boolean, ts: Micros, arrivalMid: Ticks | null, reason: string): Promise<string> {
    return this.submit(
      { side: decision.side, qty: decision.qty, type: 'limit', limitPrice: price, reduceOnly: false, timeInForce: postOnly ? 'PostOnly' : 'GTC' },
      ts, arrivalMid, reason,
    );
  }

  /** The id the next order sent will get: the risk manager tracks an order under it from the check on. */
  nextOrderId(): string {
    return `${this.idPrefix}-${this.nextId}`;
  }

  /** Asks the venue to cancel a working order; the outcome arrives as reports. */
  async cancel(id: string, ts: Micros): Promise<void> {
    let reports: readonly ExecutionReport[];
    try {
      reports = await this.venue.cancel(id, ts);
    } catch (error) {
      this.logger.error(this.about(id, { err: String(error) }), 'order cancel failed');
      return;
    }
    for (const report of reports) this.apply(report);
  }

  /** Whether the venue amends orders in place (else a change of price or size is a cancel and a new order). */
  get canAmend(): boolean {
    return this.venue.amend !== undefined;
  }

  /**
   * Asks the venue to change a working limit order's price or quantity in place; the outcome arrives
   * as an `amended` report (the order takes the new values) or an `amendRejected` one (it is as it
   * was: it may have filled or been canceled meanwhile, and those reports say so).
   */
  async amend(id: string, change: AmendRequest, ts: Micros, reason: string): Promise<void> {
    const venue = this.venue;
    if (venue.amend === undefined) throw new Error(`venue ${venue.name} cannot amend orders`);
    this.logger.info(this.about(id, { qty: change.qty ?? null, limitPrice: change.limitPrice ?? null, reason }), 'order amend sent');
    let reports: readonly ExecutionReport[];
    try {
      reports = await venue.amend(id, change, ts);
    } catch (error) {
      this.logger.error(this.about(id, { err: String(error) }), 'order amend failed');
      this.apply({ kind: 'amendRejected', clientOrderId: id, reason: `amend failed: ${String(error)}`, ts });
      return;
    }
    for (const report of reports) this.apply(report);
  }

  /** The latest state of an order this run sent and still tracks; undefined once it has left (filled, rejected, forgotten). */
  order(id: string): Order | undefined {
    return this.tracked(id)?.order;
  }

  /** Ids of the orders still working (not filled, rejected or canceled). */
  liveOrderIds(): string[] {
    return [...this.working.keys()];
  }

  private tracked(id: string): Working | undefined {
    return this.working.get(id) ?? this.canceled.get(id);
  }

  private async submit(
    o: { side: OrderDecision['side']; qty: Lots; type: 'market' | 'limit'; limitPrice: Ticks | null; reduceOnly: boolean; timeInForce: TimeInForce | undefined },
    ts: Micros, arrivalMid: Ticks | null, reason: string,
  ): Promise<string> {
    const id = `${this.idPrefix}-${this.nextId++}`;
    this.observer?.submitting(id);
    const submitted = this.startOrder(id, o, ts, reason, arrivalMid);
    const { symbol, side, type, qty, limitPrice, reduceOnly } = submitted;
    this.logger.info(this.about(id, { side, type, qty, limitPrice, reduceOnly, timeInForce: o.timeInForce ?? null, reason }), 'order sent');
    let reports: readonly ExecutionReport[];
    try {
      reports = await this.venue.submit({
        clientOrderId: id, symbol, side, type, qty, limitPrice, reduceOnly, ts, ...(o.timeInForce === undefined ? {} : { timeInForce: o.timeInForce }),
      });
    } catch (error) {
      this.observer?.submitted(id);
      // The venue could not be reached; the order is recorded as rejected with the cause. (A live
      // venue reconciles with the exchange after a reconnect, since such an order may still exist.)
      this.logger.error(this.about(id, { err: String(error) }), 'order submit failed');
      this.apply({ kind: 'rejected', clientOrderId: id, reason: `submit failed: ${String(error)}`, ts });
      return id;
    }
    this.observer?.submitted(id);
    for (const report of reports) this.apply(report);
    return id;
  }

  /** Creates order `id`, records it as submitted and tracks it. */
  private startOrder(
    id: string, o: { side: OrderDecision['side']; qty: Lots; type: 'market' | 'limit'; limitPrice: Ticks | null; reduceOnly: boolean },
    ts: Micros, reason: string, arrivalMid: Ticks | null = null,
  ): Order {
    const created = createOrder({
      id,
      symbol: this.instrument.symbol,
      side: o.side,
      type: o.type,
      qty: o.qty,
      limitPrice: o.limitPrice,
      reduceOnly: o.reduceOnly,
      createdAt: ts,
      reason,
    });
    if (!created.ok) throw new Error(`order ${id} could not be created: ${JSON.stringify(created.error)}`);
    const submitted = applyOrderEvent(created.value, { kind: 'submit', ts });
    if (!submitted.ok) throw new Error(`order ${id} could not be submitted: ${JSON.stringify(submitted.error)}`);
    this.counters.orders++;
    this.recordEvent(submitted.value, { kind: 'submit', ts });
    this.track({ order: submitted.value, arrivalMid });
    return submitted.value;
  }

  /** A log line's fields about order `orderId`: its id, and its trace's id (`trace_id`) when known. */
  private about(orderId: string, fields: Record<string, unknown>): Record<string, unknown> {
    const traceId = this.observer?.traceIdOf?.(orderId);
    return traceId === undefined ? { orderId, ...fields } : { orderId, trace_id: traceId, ...fields };
  }

  /** Applies one execution report; reports for orders this run does not know are counted and logged. */
  apply(report: ExecutionReport): void {
    this.observer?.report(report);
    switch (report.kind) {
      case 'accepted':
        this.counters.accepted++;
        this.transition(report.clientOrderId, { kind: 'accept', ts: report.ts, venueOrderId: report.venueOrderId });
        return;
      case 'rejected':
        this.counters.rejected++;
        this.logger.warn(this.about(report.clientOrderId, { reason: report.reason }), 'order rejected');
        this.transition(report.clientOrderId, { kind: 'reject', ts: report.ts, reason: report.reason });
        return;
      case 'canceled':
        this.counters.canceled++;
        this.transition(report.clientOrderId, { kind: 'cancel', ts: report.ts, reason: report.reason });
        return;
      case 'fill':
        this.applyFill(report);
        return;
      case 'cancelRejected':
        // The order is as it was: filled, or gone already. Its fills (or its cancel) say the rest.
        this.counters.cancelRejected++;
        this.logger.info(this.about(report.clientOrderId, { reason: report.reason }), 'cancel refused by the venue');
        return;
      case 'amended':
        this.counters.amended++;
        this.transition(report.clientOrderId, { kind: 'amend', ts: report.ts, qty: report.qty, limitPrice: report.limitPrice });
        for (const listener of this.listeners.amend) listener(report);
        return;
      case 'amendRejected':
        // The order is as it was; if it filled or was canceled meanwhile, those reports say so.
        this.counters.amendRejected++;
        this.logger.info(this.about(report.clientOrderId, { reason: report.reason }), 'amend refused by the venue');
        for (const listener of this.listeners.amend) listener(report);
        return;
      case 'funding':
        this.counters.fundings++;
        this.position.applyFunding(report.cash);
        return;
    }
  }

  private applyFill(report: Extract<ExecutionReport, { kind: 'fill' }>): void {
    let fill = report.fill;
    let working = this.tracked(fill.orderId);
    if (working === undefined && this.sentAndForgotten(fill.orderId)) {
      this.applyLateFill(fill);
      return;
    }
    if (working === undefined) {
      // A repeat of a fill adopted already: nothing new, and no second order made for it.
      if (this.position.hasTrade(fill.tradeId)) {
        this.logger.warn({ orderId: fill.orderId, tradeId: fill.tradeId }, 'fill not applied to the position: a trade id seen before');
        return;
      }
      // The venue's fill moves the position whoever sent the order: adopted, never dropped.
      this.counters.unknownReports++;
      working = this.adoptFill(fill);
      fill = { ...fill, orderId: working.order.id };
      this.logger.warn({ orderId: fill.orderId, tradeId: fill.tradeId, side: fill.side, qty: fill.qty }, 'fill for an order this run does not track: adopted');
    }
    // The venue's fill is the truth about the position: it is applied even if the order's state
    // machine then refuses it (an overfill), and that refusal is logged for a person to look at.
    const applied = this.position.applyFill(fill);
    if (!applied.ok) {
      // A trade id seen before: the venue repeated itself. The position is unchanged.
      this.logger.warn(this.about(fill.orderId, { error: applied.error }), 'fill not applied to the position');
      return;
    }
    this.counters.fills++;
    this.counters.filledLots += fill.qty;
    this.writer.fill({ runId: this.runId, fill, arrivalMidTicks: working.arrivalMid });
    for (const listener of this.listeners.fill) listener(fill);
    this.transition(fill.orderId, { kind: 'fill', ts: fill.ts, tradeId: fill.tradeId, qty: fill.qty });
  }

  /**
   * A market order of the fill's size, accepted, so that the fill is stored with an order. Its id is
   * the fill's order id with the trade id (`<orderId>~<tradeId>`): unique without remembering the ids
   * adopted before (final orders are forgotten), and never one of the run's own (`<prefix>-<n>`).
   */
  private adoptFill(fill: Fill): Working {
    const id = `${fill.orderId}~${fill.tradeId}`;
    const order = this.startOrder(id, { side: fill.side, type: 'market', qty: fill.qty, limitPrice: null, reduceOnly: false }, fill.ts, 'adopted: a fill of an order this run does not track');
    this.transition(id, { kind: 'accept', ts: fill.ts, venueOrderId: '' });
    return this.working.get(order.id) as Working;
  }

  /** Whether `orderId` is one this run sent (its prefix, and a number already given) but no longer tracks. */
  private sentAndForgotten(orderId: string): boolean {
    const prefix = `${this.idPrefix}-`;
    if (!orderId.startsWith(prefix)) return false;
    const n = Number(orderId.slice(prefix.length));
    return Number.isSafeInteger(n) && n >= 1 && n < this.nextId;
  }

  /**
   * A fill for an order of this run forgotten already (filled, rejected, or canceled over an hour
   * ago): the venue's fill is the truth about the position, so it moves it (once: the trade id is
   * checked) and is stored; the order's own state is no longer held, so it is not updated.
   */
  private applyLateFill(fill: Fill): void {
    const applied = this.position.applyFill(fill);
    if (!applied.ok) {
      this.logger.warn({ orderId: fill.orderId, error: applied.error }, 'fill not applied to the position');
      return;
    }
    this.logger.warn({ orderId: fill.orderId, tradeId: fill.tradeId }, 'fill for an order no longer tracked applied to the position');
    this.counters.fills++;
    this.counters.filledLots += fill.qty;
    this.writer.fill({ runId: this.runId, fill, arrivalMidTicks: null });
    for (const listener of this.listeners.fill) listener(fill);
  }

  private transition(orderId: string, event: OrderEvent): void {
    const working = this.tracked(orderId);
    if (working === undefined) {
      this.counters.unknownReports++;
      this.logger.warn({ orderId, event: event.kind }, 'report for an unknown order ignored');
      return;
    }
    const next = applyOrderEvent(working.order, event);
    if (!next.ok) {
      this.counters.illegalTransitions++;
      this.logger.warn(this.about(orderId, { error: next.error }), 'order report does not fit the order state');
      // Kept in the order's history with its state unchanged: what the venue said is evidence.
      this.recordEvent(working.order, event);
      return;
    }
    this.recordEvent(next.value, event);
    this.track({ order: next.value, arrivalMid: working.arrivalMid });
  }

  /** Hands the writer one event of an order's lifecycle with the state it left. */
  private recordEvent(after: Order, event: OrderEvent): void {
    const seq = (this.eventSeq.get(after.id) ?? 0) + 1;
    this.eventSeq.set(after.id, seq);
    this.writer.push('orderEvents', { runId: this.runId, orderId: after.id, seq, event, status: after.status, filledQty: after.filledQty });
  }

  private track(working: Working): void {
    const { order } = working;
    this.writer.order({ runId: this.runId, order });
    if (order.updatedAt > this.newestMicros) this.newestMicros = order.updatedAt;
    // Terminal orders leave the working set; a late fill for a canceled order is still possible on
    // real venues, so canceled orders are kept for CANCELED_KEPT_MICROS, and then forgotten.
    const final = order.status === 'filled' || order.status === 'rejected';
    if (final || order.status === 'canceled') this.working.delete(order.id);
    else this.working.set(order.id, working);
    if (order.status === 'canceled') this.canceled.set(order.id, working);
    if (final || order.status === 'canceled') {
      for (const listener of this.listeners.closed) listener(order);
      this.observer?.closed(order.id);
    }
    if (final) this.forget(order.id);
    this.forgetCanceledBefore(this.newestMicros - CANCELED_KEPT_MICROS);
  }

  /** Canceled orders in the order they were canceled: those canceled before `micros` are forgotten. */
  private forgetCanceledBefore(micros: number): void {
    for (const [id, { order }] of this.canceled) {
      if (order.updatedAt >= micros) return;
      this.forget(id);
    }
  }

  private forget(id: string): void {
    this.canceled.delete(id);
    this.eventSeq.delete(id);
    for (const listener of this.listeners.forgotten) listener(id);
  }
}
