import type { OrderBook } from '../../domain/market/order-book.ts';
import type { Fill } from '../../domain/trading/fill.ts';
import type { Side } from '../../domain/trading/side.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';

/** What the strategy asks the venue for. Quantities in lots, prices in ticks, never decimals. */
export interface OrderRequest {
  /** Client order id (Bybit `orderLinkId`): unique per order, so a retried submit can never double it. */
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: 'market' | 'limit';
  readonly qty: Lots;
  /** Required for limit orders; null for market orders. */
  readonly limitPrice: Ticks | null;
  readonly reduceOnly: boolean;
  readonly ts: Micros;
}

/** What the venue says about an order, in the order it happened. */
export type ExecutionReport =
  | { readonly kind: 'accepted'; readonly clientOrderId: string; readonly venueOrderId: string; readonly ts: Micros }
  | { readonly kind: 'rejected'; readonly clientOrderId: string; readonly reason: string; readonly ts: Micros }
  | { readonly kind: 'fill'; readonly fill: Fill }
  | { readonly kind: 'canceled'; readonly clientOrderId: string; readonly reason: string; readonly ts: Micros };

/**
 * Where orders go: the simulated exchange or Bybit. `submit` resolves with the reports known when the
 * venue answered (a simulator knows the fills at once; a real venue may only know the acceptance);
 * later reports arrive through the listener given to `onReport`. A transport failure rejects the
 * promise; a refusal by the venue is a `rejected` report, not an exception.
 */
export interface ExecutionVenue {
  readonly name: string;
  submit(order: OrderRequest): Promise<readonly ExecutionReport[]>;
  cancel(clientOrderId: string, ts: Micros): Promise<readonly ExecutionReport[]>;
  onReport(listener: (report: ExecutionReport) => void): void;
  /**
   * Market-driven venues (the simulator) see the book after every applied market event, before the
   * strategy acts on it; a real venue ignores this.
   */
  observeBook?(book: OrderBook, ts: Micros): void;
}
