import { VENUE_REASONS, type OrderRequest, type TimeInForce } from '../../application/ports/execution-venue.ts';
import type { OrderBook } from '../../domain/market/order-book.ts';
import type { Instrument } from '../../domain/values/instrument.ts';
import { takingSide, within } from './book-liquidity.ts';
import type { QueueState } from './queue-model.ts';

/** An order the matching engine holds: resting, or being matched on arrival. */
export interface SimOrder {
  /** As sent, with the price and quantity of the latest amend. */
  request: OrderRequest;
  readonly venueOrderId: string;
  readonly tif: TimeInForce;
  /**
   * Engine time it arrived at, or took its place at the back of a queue by an amend, µs: a public
   * trade stamped earlier never fills it.
   */
  arrivedAt: number;
  /** Lots the engine will fill: the request's, or fewer for a reduce-only order clipped at arrival. */
  qty: number;
  filled: number;
  /** Set once the order has left the engine (filled, canceled); later events leave it alone. */
  done: boolean;
  readonly queue: QueueState;
}

export const remainingOf = (o: SimOrder): number => o.qty - o.filled;

/** The time in force the engine applies: limit orders default to GTC; market orders act as IOC. */
export function effectiveTif(order: OrderRequest): TimeInForce {
  if (order.type === 'market') return 'IOC';
  return order.timeInForce ?? 'GTC';
}

/** Why an arriving request is invalid (reason text with the `invalid` prefix), or null. */
export function invalidity(instrument: Instrument, order: OrderRequest): string | null {
  const bad = (what: string): string => `${VENUE_REASONS.invalid}: ${what}`;
  if (order.symbol !== instrument.symbol) return bad(`unknown symbol ${order.symbol}`);
  if (!Number.isSafeInteger(order.qty) || order.qty <= 0) return bad(`quantity ${order.qty} is not a positive integer of lots`);
  if (order.qty < instrument.minLots) return bad(`quantity below the minimum of ${instrument.minQty}`);
  if (order.type === 'limit') {
    if (order.limitPrice === null || !Number.isSafeInteger(order.limitPrice) || order.limitPrice <= 0) {
      return bad(`a limit order needs a positive integer price in ticks, got ${order.limitPrice}`);
    }
  } else if (order.limitPrice !== null) {
    return bad('a market order takes no limit price');
  }
  const tif = order.timeInForce;
  if (tif !== undefined && tif !== 'GTC' && tif !== 'IOC' && tif !== 'PostOnly') return bad(`unknown time in force ${String(tif)}`);
  return null;
}

/**
 * Why the book refuses an arriving valid request, or null: no usable book, nothing to take for a
 * market order, or a post-only order that would take liquidity (Bybit rejects it rather than let it
 * take: "PostOnly ... will be cancelled if it would be executed immediately").
 */
export function bookRefusal(book: OrderBook | null, order: OrderRequest): string | null {
  if (book === null || !book.usable) return `${VENUE_REASONS.insufficient} liquidity: no usable book`;
  const side = takingSide(order.side);
  if (order.type === 'market' && book.levelCount(side) === 0) return `${VENUE_REASONS.insufficient} liquidity: the ${side} side is empty`;
  if (effectiveTif(order) === 'PostOnly' && order.limitPrice !== null && book.levelCount(side) > 0) {
    const best = book.priceAt(side, 0);
    if (within(side, best, order.limitPrice)) return `${VENUE_REASONS.postOnly}: best ${side} ${best} reaches the limit ${order.limitPrice}`;
  }
  return null;
}
