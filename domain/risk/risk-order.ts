import type { Side } from '../trading/side.ts';
import type { Lots, Micros, Ticks } from '../values/units.ts';

/** An order asking to be sent. Sizes in lots, prices in ticks (the mid may be a half tick), time in µs. */
export interface RiskOrder {
  /** Client order id; fills and closes refer to it. */
  readonly id: string;
  readonly side: Side;
  readonly qty: Lots;
  /** Limit price, or null for a market order. */
  readonly price: Ticks | null;
  readonly mid: number;
  readonly now: Micros;
  /** A reduce-only order sent by the kill switch's flatten request; the only kind HALTED lets through. */
  readonly flatten?: boolean;
}

export type RiskRule = 'maxPosition' | 'maxOrderLots' | 'maxOrderNotional' | 'priceBand' | 'orderRate' | 'reducing' | 'halted' | 'flatten';

export interface RiskRefusal {
  readonly rule: RiskRule;
  readonly reason: string;
}

/** What the application does on a kill: cancel every working order, then send reduce-only market orders to flat. */
export interface FlattenRequest {
  readonly cancelAll: true;
  /** The side that flattens, or null when already flat. */
  readonly side: Side | null;
  readonly lots: Lots;
  /** Largest flatten order the limits allow by size; the notional limit may split it further. */
  readonly maxChildLots: Lots;
}

/** Throws a RangeError naming what is wrong with an order's fields: a caller's bug, not a market outcome. */
export function validateOrder(o: RiskOrder): void {
  if (o.id.length === 0) throw new RangeError('order id is empty');
  if (o.side !== 'Buy' && o.side !== 'Sell') throw new RangeError(`order ${o.id}: side ${String(o.side)} is not Buy or Sell`);
  if (!Number.isSafeInteger(o.qty) || o.qty <= 0) throw new RangeError(`order ${o.id}: qty ${o.qty} is not a positive integer of lots`);
  if (o.price !== null && (!Number.isSafeInteger(o.price) || o.price <= 0)) throw new RangeError(`order ${o.id}: price ${o.price} is not a positive integer of ticks`);
  if (!(o.mid > 0 && Number.isFinite(o.mid))) throw new RangeError(`order ${o.id}: mid ${o.mid} is not a positive number of ticks`);
  if (!Number.isSafeInteger(o.now)) throw new RangeError(`order ${o.id}: now ${o.now} is not an integer of µs`);
}
