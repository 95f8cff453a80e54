import { VENUE_REASONS, type ExecutionReport } from '../../../application/ports/execution-venue.ts';
import type { Side } from '../../../domain/trading/side.ts';
import type { Lots, Micros, Ticks } from '../../../domain/values/units.ts';
import { DUPLICATE_FILL_WINDOW_MICROS, RecentIds } from '../../../domain/trading/recent-ids.ts';
import { endReason, type ExecutionUpdate, type OrderUpdate } from './order-status.ts';

interface OrderState {
  venueOrderId: string | null;
  accepted: boolean;
  /** No report about the order follows but fills (venues do fill canceled orders). */
  done: boolean;
  cancelRequested: boolean;
  /** Lots reported in fills, and lots the venue says executed (`cumExecQty`, the highest seen). */
  reportedLots: number;
  venueLots: number;
  /** The side, quantity and limit price the venue holds (an amend names the side; the stream says when an amend changed the others). */
  side: Side | null;
  qty: Lots | null;
  price: Ticks | null;
  /** The final report, held until every fill before it has been reported. */
  pendingEnd: ExecutionReport | null;
  endsSilently: boolean;
}

/**
 * Turns what Bybit says about orders, from the stream and from REST alike, into reports, each exactly
 * once: fills are keyed by `execId`, and an order moves accepted -> ended once, whatever repeats. A
 * final report (canceled, rejected after acceptance, cancelRejected) waits until the fills the venue
 * counts in `cumExecQty` have been reported, since the `order` and `execution` topics are not ordered
 * with respect to each other.
 *
 * Bounded: an order's state is dropped once it has ended (a later fill of it is still reported, as a
 * fill of an order placed elsewhere is: nothing else about an ended order changes), and execIds are
 * kept for an hour of execution time (DUPLICATE_FILL_WINDOW_MICROS: reconciliation reads again from
 * 60 s before the newest execution seen, so every repeat it can bring is in the window).
 */
export class OrderTracker {
  private readonly orders = new Map<string, OrderState>();
  private readonly execIds = new RecentIds(DUPLICATE_FILL_WINDOW_MICROS);

  constructor(private readonly emit: (report: ExecutionReport) => void) {}

  /** Registers an order being submitted, so its updates are expected, with what it asks. */
  track(clientOrderId: string, terms?: { readonly side: Side; readonly qty: Lots; readonly price: Ticks | null }): void {
    const s = this.state(clientOrderId);
    if (terms === undefined) return;
    s.side = terms.side;
    s.qty = terms.qty;
    s.price = terms.price;
  }

  /** The side, quantity and limit price of an order not yet ended, as last known; null when unknown. */
  terms(clientOrderId: string): { readonly side: Side; readonly qty: Lots | null; readonly price: Ticks | null } | null {
    const s = this.orders.get(clientOrderId);
    return s === undefined || s.done || s.side === null ? null : { side: s.side, qty: s.qty, price: s.price };
  }

  /**
   * Takes over an order that was open on the exchange before this run: accepted, with `cumLots`
   * already executed (those executions are history, in the opening position).
   */
  adopt(clientOrderId: string, venueOrderId: string, cumLots: number, terms?: { readonly side: Side; readonly qty: Lots; readonly price: Ticks | null }): void {
    this.track(clientOrderId, terms);
    const s = this.state(clientOrderId);
    s.venueOrderId = venueOrderId;
    s.accepted = true;
    s.reportedLots = cumLots;
    s.venueLots = cumLots;
  }

  /** The exchange has shown the order (accepted, filled or ended): its outcome is known. */
  seen(clientOrderId: string): boolean {
    const s = this.orders.get(clientOrderId);
    return s !== undefined && (s.accepted || s.done);
  }

  /** Orders and execIds held: both bounded (see the class comment). */
  get held(): { readonly orders: number; readonly execIds: number } {
    return { orders: this.orders.size, execIds: this.execIds.size };
  }

  knows(clientOrderId: string): boolean {
    return this.orders.has(clientOrderId);
  }

  venueOrderId(clientOrderId: string): string | null {
    return this.orders.get(clientOrderId)?.venueOrderId ?? null;
  }

  /** Orders not yet ended: the ones reconciliation must look up. */
  openOrders(): string[] {
    return [...this.orders.entries()].filter(([, s]) => !s.done).map(([id]) => id);
  }

  /** A cancel the venue took: the order either ends canceled, or fills first and the cancel was too late. */
  cancelRequested(clientOrderId: string): void {
    this.state(clientOrderId).cancelRequested = true;
  }

  /** A refusal of our own request (REST answer): ends the order. Returns the report, or null if already ended. */
  refuse(clientOrderId: string, reason: string, ts: Micros): ExecutionReport | null {
    const s = this.state(clientOrderId);
    if (s.done) return null;
    s.done = true;
    this.orders.delete(clientOrderId);
    return { kind: 'rejected', clientOrderId, reason, ts };
  }

  /**
   * Marks executions that happened before this run as seen, without reporting them: the position they
   * built is taken from the exchange, not replayed. `ts`: the execution's time, µs.
   */
  baseline(execId: string, ts: number): void {
    this.execIds.add(execId, ts);
  }

  /**
   * Applies an order update; returns true when it changed anything. Orders this gateway did not
   * submit (placed elsewhere, or before this run) are not reported.
   */
  onOrder(u: OrderUpdate): boolean {
    const s = this.orders.get(u.clientOrderId);
    if (s === undefined) return false;
    s.venueLots = Math.max(s.venueLots, u.cumLots);
    if (s.done) return false;
    if (s.pendingEnd !== null || s.endsSilently) return this.flush(u.clientOrderId, s);
    const id = u.clientOrderId;
    const amended = this.amendSeen(id, s, u);
    switch (u.phase) {
      case 'live':
        return this.accept(id, s, u.venueOrderId, u.ts) || amended;
      case 'filled':
        this.accept(id, s, u.venueOrderId, u.ts);
        if (s.cancelRequested) {
          s.pendingEnd = { kind: 'cancelRejected', clientOrderId: id, reason: `${VENUE_REASONS.unknownOrder}: filled before the cancel`, ts: u.ts };
        } else {
          s.endsSilently = true;
        }
        this.flush(id, s);
        return true;
      case 'cancelled':
        if (!s.accepted && u.cumLots === 0 && u.rejectReason === 'EC_PostOnlyWillTakeLiquidity') {
          s.pendingEnd = { kind: 'rejected', clientOrderId: id, reason: endReason(u), ts: u.ts };
        } else {
          this.accept(id, s, u.venueOrderId, u.ts);
          s.pendingEnd = { kind: 'canceled', clientOrderId: id, reason: endReason(u), ts: u.ts };
        }
        this.flush(id, s);
        return true;
      case 'rejected':
        s.pendingEnd = { kind: 'rejected', clientOrderId: id, reason: endReason(u), ts: u.ts };
        this.flush(id, s);
        return true;
    }
  }

  /** Applies an execution; returns true when it was new. */
  onExecution(e: ExecutionUpdate, symbol: string): boolean {
    if (this.execIds.has(e.execId)) return false;
    this.execIds.add(e.execId, e.ts);
    if (e.kind === 'funding') {
      this.emit({ kind: 'funding', cash: e.cash, ts: e.ts });
      return true;
    }
    // A fill of an order placed elsewhere is still reported: it moves the position.
    const s = this.orders.get(e.clientOrderId);
    if (s !== undefined) this.accept(e.clientOrderId, s, e.venueOrderId, e.ts);
    // An order placed without an orderLinkId (by hand, on the web) is named by Bybit's own id.
    const orderId = e.clientOrderId !== '' ? e.clientOrderId : `venue-${e.venueOrderId}`;
    this.emit({
      kind: 'fill',
      fill: { tradeId: e.execId, orderId, symbol, side: e.side, price: e.price, qty: e.qty, fee: e.fee, liquidity: e.liquidity, ts: e.ts },
    });
    if (s === undefined) return true;
    s.reportedLots += e.qty;
    s.venueLots = Math.max(s.venueLots, s.reportedLots);
    this.flush(e.clientOrderId, s);
    return true;
  }

  /**
   * An accepted order whose quantity or price the venue now states differently: an amend took effect
   * (only an amend changes them), reported once. Before acceptance the update's values are the order's own.
   */
  private amendSeen(id: string, s: OrderState, u: OrderUpdate): boolean {
    const qty = u.qty ?? s.qty;
    const price = u.price ?? s.price;
    const changed = s.accepted && qty !== null && price !== null && (qty !== s.qty || price !== s.price);
    s.qty = qty;
    s.price = price;
    if (!changed) return false;
    this.emit({ kind: 'amended', clientOrderId: id, qty, limitPrice: price, ts: u.ts });
    return true;
  }

  private accept(id: string, s: OrderState, venueOrderId: string, ts: Micros): boolean {
    if (venueOrderId !== '') s.venueOrderId = venueOrderId;
    if (s.accepted || s.done) return false;
    s.accepted = true;
    this.emit({ kind: 'accepted', clientOrderId: id, venueOrderId: s.venueOrderId ?? venueOrderId, ts });
    return true;
  }

  /** Emits the held final report once every fill the venue counted has been reported; an ended order is dropped. */
  private flush(id: string, s: OrderState): boolean {
    if (s.reportedLots < s.venueLots) return false;
    if (s.pendingEnd !== null) {
      const report = s.pendingEnd;
      s.pendingEnd = null;
      s.done = true;
      this.orders.delete(id);
      this.emit(report);
      return true;
    }
    if (s.endsSilently) {
      s.done = true;
      this.orders.delete(id);
    }
    return false;
  }

  private state(id: string): OrderState {
    let s = this.orders.get(id);
    if (s === undefined) {
      s = { venueOrderId: null, accepted: false, done: false, cancelRequested: false, reportedLots: 0, venueLots: 0, side: null, qty: null, price: null, pendingEnd: null, endsSilently: false };
      this.orders.set(id, s);
    }
    return s;
  }
}
