import type { OrderBook } from '../../domain/market/order-book.ts';
import type { Trade } from '../../domain/market/trade.ts';
import type { Fill } from '../../domain/trading/fill.ts';
import type { Side } from '../../domain/trading/side.ts';
import type { Cash, Lots, Micros, Ticks } from '../../domain/values/units.ts';
import type { LiveVenue } from './live-venue.ts';

/**
 * How long a limit order lives (Bybit `timeInForce`): `GTC` rests until filled or canceled; `IOC`
 * takes what it can at once and cancels the rest; `PostOnly` only ever rests and is rejected when it
 * would take liquidity. Market orders ignore it.
 */
export type TimeInForce = 'GTC' | 'IOC' | 'PostOnly';

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
  /** For limit orders; absent means `GTC`. Market orders ignore it. */
  readonly timeInForce?: TimeInForce;
  readonly ts: Micros;
}

/**
 * The stable beginnings of the `reason` of a `rejected`, `canceled` or `cancelRejected` report. The
 * text after the prefix explains the case for a person; the application switches on the prefix only
 * (`reason.startsWith(VENUE_REASONS.postOnly)`).
 * - `postOnly`: a post-only order would have taken liquidity (rejected).
 * - `reduceOnly`: a reduce-only order would only increase the position (rejected), or the part of it
 *   beyond the position was dropped (canceled).
 * - `unknownOrder`: a cancel for an order the venue does not hold: never known, already filled or
 *   already canceled (cancelRejected).
 * - `insufficient`: not enough liquidity or margin: no usable book, or the visible book ran out before
 *   a market or IOC order was filled (rejected or canceled).
 * - `invalid`: the request itself is wrong: symbol, quantity, price (rejected).
 * - `duplicate`: a client order id already used (rejected).
 * - `canceledByRequest`: the order was canceled because the strategy asked (canceled).
 * - `notFilledAtOnce`: the rest of an IOC or market order that found nothing more to take (canceled).
 * - `rateLimited`: the venue asked us to slow down; a real venue's adapter waits and retries, and uses
 *   this prefix in its log lines and in the error it throws when retries run out.
 * - `unchanged`: an amend that asked for the price and quantity the order already has (amendRejected).
 * An amend refused because the order is gone (filled, canceled, never known) is `unknownOrder`.
 */
export const VENUE_REASONS = {
  postOnly: 'post-only would cross',
  reduceOnly: 'reduce-only',
  unknownOrder: 'unknown order',
  insufficient: 'insufficient',
  invalid: 'invalid order',
  duplicate: 'duplicate order id',
  canceledByRequest: 'canceled by request',
  notFilledAtOnce: 'not filled at once',
  rateLimited: 'rate limited',
  unchanged: 'order not modified',
} as const;

/**
 * What an amend asks of a resting limit order (Bybit `/v5/order/amend`): a new price, a new total
 * quantity (filled lots included, as Bybit's `qty`), or both; a field left out stays as it is. The
 * order keeps its ids. On the exchange a new price or a larger quantity sends the order to the back
 * of its level's queue; a smaller quantity keeps its place.
 */
export interface AmendRequest {
  readonly qty?: Lots;
  readonly limitPrice?: Ticks;
}

/** What the venue says about an order or the account, in the order it happened. */
export type ExecutionReport =
  | { readonly kind: 'accepted'; readonly clientOrderId: string; readonly venueOrderId: string; readonly ts: Micros }
  | { readonly kind: 'rejected'; readonly clientOrderId: string; readonly reason: string; readonly ts: Micros }
  | { readonly kind: 'fill'; readonly fill: Fill }
  | { readonly kind: 'canceled'; readonly clientOrderId: string; readonly reason: string; readonly ts: Micros }
  /**
   * A cancel request failed and the order is as it was: it had already filled or been canceled, or the
   * venue never knew it (the cancel overtook the order). Not a rejection of the order itself.
   */
  | { readonly kind: 'cancelRejected'; readonly clientOrderId: string; readonly reason: string; readonly ts: Micros }
  /** The venue applied an amend: the order now asks `qty` lots in all (filled ones included) at `limitPrice`. */
  | { readonly kind: 'amended'; readonly clientOrderId: string; readonly qty: Lots; readonly limitPrice: Ticks; readonly ts: Micros }
  /** An amend request failed and the order is as it was (it had filled or gone, or the amend was invalid). */
  | { readonly kind: 'amendRejected'; readonly clientOrderId: string; readonly reason: string; readonly ts: Micros }
  /**
   * A funding settlement of the open position, in Cash: negative when paid, positive when received
   * (Bybit: longs pay shorts when the rate is positive). It touches cash only, never the position.
   */
  | { readonly kind: 'funding'; readonly cash: Cash; readonly ts: Micros };

/**
 * Where orders go: the simulated exchange or Bybit. `submit` resolves with the reports known when the
 * venue answered (a real venue may know the acceptance; a venue with simulated latency knows nothing
 * yet and resolves with none); later reports arrive through the listener given to `onReport`. The
 * application applies reports from both paths alike. A transport failure rejects the promise; a
 * refusal by the venue is a `rejected` (or `cancelRejected`) report, not an exception. Reasons begin
 * with one of VENUE_REASONS.
 */
export interface ExecutionVenue {
  readonly name: string;
  submit(order: OrderRequest): Promise<readonly ExecutionReport[]>;
  cancel(clientOrderId: string, ts: Micros): Promise<readonly ExecutionReport[]>;
  /**
   * Changes a resting limit order's price or quantity in place; the outcome is an `amended` or an
   * `amendRejected` report (returned, or pushed later). Absent: the venue cannot amend, and a change
   * of price or size is a cancel and a new order.
   */
  amend?(clientOrderId: string, change: AmendRequest, ts: Micros): Promise<readonly ExecutionReport[]>;
  onReport(listener: (report: ExecutionReport) => void): void;
  /**
   * Market-driven venues (the simulator) see the book after every applied market event, before the
   * strategy acts on it; a real venue ignores this. `ts` is the event's venue time in microseconds.
   */
  observeBook?(book: OrderBook, ts: Micros): void;
  /** Public trades, in the order received: they advance simulated queues. A real venue ignores this. */
  observeTrade?(trade: Trade, ts: Micros): void;
  /**
   * The current funding rate as a fraction (0.0001 is 0.01 %), from the ticker stream: a simulator
   * settles the position at it at each funding time. A real venue ignores this.
   */
  observeFunding?(rate: number, ts: Micros): void;
  /**
   * A real venue: why its reports may be incomplete right now (its order stream is down, or it is
   * reconciling after a reconnect), or null when they are complete. Absent: always complete.
   */
  outOfSync?(): string | null;
  /** A real exchange's further controls: its state at start, notices, cancel-all, the position read now. */
  readonly live?: LiveVenue;
}
