import { err, ok, type Result } from '../result.ts';
import type { Lots, Micros, Ticks } from '../values/units.ts';
import type { Side } from './side.ts';

export type OrderStatus = 'new' | 'submitted' | 'accepted' | 'partially_filled' | 'filled' | 'canceled' | 'rejected';
export type OrderType = 'market' | 'limit';

/** An order's latest state. Immutable: every event yields a new order. Quantities in lots, prices in ticks. */
export interface Order {
  /** Client order id (Bybit `orderLinkId`). */
  readonly id: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  /** Positive. */
  readonly qty: Lots;
  /** Positive for a limit order; null for a market order. */
  readonly limitPrice: Ticks | null;
  readonly reduceOnly: boolean;
  readonly status: OrderStatus;
  /** 0 <= filledQty <= qty. */
  readonly filledQty: Lots;
  readonly venueOrderId: string | null;
  readonly createdAt: Micros;
  /** The latest time among the events applied (venue reports can arrive out of time order). */
  readonly updatedAt: Micros;
  /** Why it was rejected or canceled, or a sizing explanation given at creation. */
  readonly reason: string | null;
}

export type OrderEvent =
  | { readonly kind: 'submit'; readonly ts: Micros }
  | { readonly kind: 'accept'; readonly ts: Micros; readonly venueOrderId: string }
  | { readonly kind: 'fill'; readonly ts: Micros; readonly tradeId: string; readonly qty: Lots }
  | { readonly kind: 'cancel'; readonly ts: Micros; readonly reason: string }
  | { readonly kind: 'reject'; readonly ts: Micros; readonly reason: string }
  /** The venue applied an amend: the order now asks `qty` lots in all (filled included) at `limitPrice`. */
  | { readonly kind: 'amend'; readonly ts: Micros; readonly qty: Lots; readonly limitPrice: Ticks };

export type OrderEventKind = OrderEvent['kind'];

export type OrderError =
  | { readonly kind: 'IllegalTransition'; readonly orderId: string; readonly from: OrderStatus; readonly event: OrderEventKind }
  | { readonly kind: 'Overfill'; readonly orderId: string; readonly qty: Lots; readonly filledQty: Lots; readonly fillQty: Lots }
  | { readonly kind: 'InvalidOrder'; readonly field: string; readonly reason: string };

/**
 * What an event does in a status:
 * - `to`: move to `status`;
 * - `fill`: add the fill's quantity, then move to `complete` when filledQty reaches qty and to
 *   `partial` otherwise; a fill past qty is an Overfill;
 * - `amend`: take the event's quantity and limit price, the status unchanged (a limit order only, and
 *   never a quantity at or below what has filled: the venue refuses such an amend);
 * - `overfill`: refuse the fill as an Overfill, the order having no quantity left;
 * - `ignore`: keep the order as it is (a late or repeated report), except that an ignored accept
 *   records the venue order id when none is known yet.
 * An event missing from a status's row is an IllegalTransition.
 */
export type OrderTransition =
  | { readonly kind: 'to'; readonly status: OrderStatus }
  | { readonly kind: 'fill'; readonly partial: OrderStatus; readonly complete: OrderStatus }
  | { readonly kind: 'amend' }
  | { readonly kind: 'overfill' }
  | { readonly kind: 'ignore' };

const to = (status: OrderStatus): OrderTransition => ({ kind: 'to', status });
const FILL: OrderTransition = { kind: 'fill', partial: 'partially_filled', complete: 'filled' };
const IGNORE: OrderTransition = { kind: 'ignore' };
const OVERFILL: OrderTransition = { kind: 'overfill' };
const AMEND: OrderTransition = { kind: 'amend' };

/**
 * The order lifecycle. Beyond the plain path new -> submitted -> accepted -> partially_filled -> filled,
 * it admits what Bybit really reports:
 * - A fill on a `submitted` order: a market order's execution can reach us before the create
 *   acknowledgement, so the fill counts and the late accept is then ignored.
 * - A reject on an `accepted` order: Bybit's create response only acknowledges receipt; the order
 *   stream can still report it Rejected. An accepted order has no fills (a fill moves it on), so a
 *   rejected order never holds a fill.
 * - A fill on a `canceled` order: the cancel raced an execution that the venue matched first. The
 *   quantity counts; the order stays `canceled` while part of it is unfilled and becomes `filled`
 *   once the fills cover qty, so `filled` always means filledQty = qty.
 * - A repeated accept or cancel (the REST answer and the stream both report it) is ignored, as is an
 *   accept arriving after the fills it raced.
 * - An amend of a live limit order (accepted or partly filled) changes its price or quantity in place;
 *   one confirmed after the order filled or was canceled is ignored.
 * A fill on a `filled` order is past qty, an Overfill. A `rejected` order accepts no event.
 * `filled`, `canceled` and `rejected` are terminal: no event leads from them to a non-terminal status.
 * Fills are not deduplicated here: the caller applies a fill once, after the position has accepted
 * its trade id.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, Readonly<Partial<Record<OrderEventKind, OrderTransition>>>>> = {
  new: { submit: to('submitted'), cancel: to('canceled'), reject: to('rejected') },
  submitted: { accept: to('accepted'), fill: FILL, cancel: to('canceled'), reject: to('rejected') },
  accepted: { accept: IGNORE, fill: FILL, cancel: to('canceled'), reject: to('rejected'), amend: AMEND },
  partially_filled: { accept: IGNORE, fill: FILL, cancel: to('canceled'), amend: AMEND },
  filled: { accept: IGNORE, fill: OVERFILL, amend: IGNORE },
  canceled: { accept: IGNORE, fill: { kind: 'fill', partial: 'canceled', complete: 'filled' }, cancel: IGNORE, amend: IGNORE },
  rejected: {},
};

/** Terminal statuses end the order's life: only the late reports in ORDER_TRANSITIONS still apply. */
export const isTerminal = (s: OrderStatus): boolean => s === 'filled' || s === 'canceled' || s === 'rejected';

/** What a new order is made of; the lifecycle fields start empty. */
export type NewOrderFields = Pick<Order, 'id' | 'symbol' | 'side' | 'type' | 'qty' | 'limitPrice' | 'reduceOnly' | 'createdAt'> & {
  readonly reason?: string | null;
};

const isPositiveInteger = (n: number): boolean => Number.isSafeInteger(n) && n > 0;
const invalid = (field: string, reason: string): Result<never, OrderError> => err({ kind: 'InvalidOrder', field, reason });

/** A `new` order. Qty must be a positive integer of lots; a limit order needs a positive limit price, a market order none. */
export function createOrder(fields: NewOrderFields): Result<Order, OrderError> {
  if (fields.id.length === 0) return invalid('id', 'empty');
  if (fields.symbol.length === 0) return invalid('symbol', 'empty');
  if (!isPositiveInteger(fields.qty)) return invalid('qty', `${fields.qty} is not a positive integer of lots`);
  if (!Number.isSafeInteger(fields.createdAt)) return invalid('createdAt', `${fields.createdAt} is not an integer of microseconds`);
  switch (fields.type) {
    case 'limit':
      if (fields.limitPrice === null || !isPositiveInteger(fields.limitPrice)) {
        return invalid('limitPrice', `a limit order needs a positive integer of ticks, got ${fields.limitPrice}`);
      }
      break;
    case 'market':
      if (fields.limitPrice !== null) return invalid('limitPrice', 'a market order takes no limit price');
      break;
  }
  return ok({
    id: fields.id,
    symbol: fields.symbol,
    side: fields.side,
    type: fields.type,
    qty: fields.qty,
    limitPrice: fields.limitPrice,
    reduceOnly: fields.reduceOnly,
    status: 'new',
    filledQty: 0 as Lots,
    venueOrderId: null,
    createdAt: fields.createdAt,
    updatedAt: fields.createdAt,
    reason: fields.reason ?? null,
  });
}

/**
 * Applies one venue or local event through ORDER_TRANSITIONS. On an error the order is unchanged (it
 * is immutable; the caller keeps the one it passed).
 */
export function applyOrderEvent(order: Order, event: OrderEvent): Result<Order, OrderError> {
  const transition = ORDER_TRANSITIONS[order.status][event.kind];
  if (transition === undefined) {
    return err({ kind: 'IllegalTransition', orderId: order.id, from: order.status, event: event.kind });
  }
  const updatedAt = event.ts > order.updatedAt ? event.ts : order.updatedAt;
  switch (transition.kind) {
    case 'ignore':
      if (event.kind === 'accept' && order.venueOrderId === null) {
        return ok({ ...order, venueOrderId: event.venueOrderId, updatedAt });
      }
      return ok(order);
    case 'to':
      return ok({ ...order, status: transition.status, updatedAt, ...eventFields(event) });
    case 'fill':
      if (event.kind !== 'fill') throw new Error(`order transition table maps ${event.kind} to a fill`);
      return applyFill(order, event.qty, transition, updatedAt);
    case 'amend':
      if (event.kind !== 'amend') throw new Error(`order transition table maps ${event.kind} to an amend`);
      return applyAmend(order, event.qty, event.limitPrice, updatedAt);
    case 'overfill':
      if (event.kind !== 'fill') throw new Error(`order transition table maps ${event.kind} to an overfill`);
      return err({ kind: 'Overfill', orderId: order.id, qty: order.qty, filledQty: order.filledQty, fillQty: event.qty });
  }
}

/** The fields an event sets besides the status. */
function eventFields(event: OrderEvent): Partial<Order> {
  switch (event.kind) {
    case 'accept':
      return { venueOrderId: event.venueOrderId };
    case 'cancel':
    case 'reject':
      return { reason: event.reason };
    case 'submit':
    case 'fill':
    case 'amend':
      return {};
  }
}

/** A live limit order's new quantity and price; it must still have lots left to fill. */
function applyAmend(order: Order, qty: Lots, limitPrice: Ticks, updatedAt: Micros): Result<Order, OrderError> {
  if (order.type !== 'limit') return invalid('amend', 'only a limit order can be amended');
  if (!isPositiveInteger(qty) || qty <= order.filledQty) return invalid('amend.qty', `${qty} is not a positive integer of lots above the ${order.filledQty} filled`);
  if (!isPositiveInteger(limitPrice)) return invalid('amend.limitPrice', `${limitPrice} is not a positive integer of ticks`);
  return ok({ ...order, qty, limitPrice, updatedAt });
}

function applyFill(
  order: Order,
  fillQty: Lots,
  transition: { readonly partial: OrderStatus; readonly complete: OrderStatus },
  updatedAt: Micros,
): Result<Order, OrderError> {
  if (!isPositiveInteger(fillQty)) return invalid('fill.qty', `${fillQty} is not a positive integer of lots`);
  const filledQty = order.filledQty + fillQty;
  if (filledQty > order.qty) {
    return err({ kind: 'Overfill', orderId: order.id, qty: order.qty, filledQty: order.filledQty, fillQty });
  }
  const status = filledQty === order.qty ? transition.complete : transition.partial;
  return ok({ ...order, status, filledQty: filledQty as Lots, updatedAt });
}
