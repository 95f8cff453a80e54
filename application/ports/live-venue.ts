import type { Side } from '../../domain/trading/side.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';

/**
 * What a real exchange tells the application besides execution reports:
 * - `unknown`: a submit's outcome could not be learned (every attempt timed out or the connection
 *   dropped). The order may exist and may have filled: it stays counted at full size until a lookup
 *   by its client order id resolves it into reports, or finds that it never reached the exchange.
 * - `correction`: reconciliation found the exchange's position differing from the sum of the
 *   executions reported, `beforeLots` to `afterLots` (signed), at `price` (the exchange's average
 *   entry, ticks; null when flat). `beyondTolerance` says the difference tripped a breaker.
 * - `halt`: the venue cannot be traded on until an operator acts (the credentials were refused).
 */
export type VenueNotice =
  | { readonly kind: 'unknown'; readonly clientOrderId: string; readonly reason: string; readonly ts: Micros }
  | {
      readonly kind: 'correction';
      readonly beforeLots: Lots;
      readonly afterLots: Lots;
      readonly price: Ticks | null;
      readonly reason: string;
      readonly beyondTolerance: boolean;
      readonly ts: Micros;
    }
  | { readonly kind: 'halt'; readonly reason: string; readonly ts: Micros };

/** An order that was open on the exchange when the run started and that the run takes over. */
export interface AdoptedOrder {
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly side: Side;
  readonly type: 'market' | 'limit';
  readonly qty: Lots;
  /** Lots already executed: already in the opening position. */
  readonly filledQty: Lots;
  readonly limitPrice: Ticks | null;
  readonly reduceOnly: boolean;
}

/**
 * The controls a real exchange offers beyond `ExecutionVenue` (see `ExecutionVenue.live`): the state
 * it held when the run started, which the run starts from, and the means of the kill switch, which
 * act without market data. Positions are signed lots, positive long.
 */
export interface LiveVenue {
  /** The position the exchange held before the first order, and its average entry (null when flat). */
  openingPosition(): { readonly lots: Lots; readonly avgPrice: Ticks | null };
  /** Orders open at start that the run adopted (`--on-start-orders adopt`); empty when they were canceled. */
  adoptedOrders(): readonly AdoptedOrder[];
  onNotice(listener: (notice: VenueNotice) => void): void;
  /** Cancels every open order of the instrument on the exchange. Rejects when the exchange cannot be reached. */
  cancelAll(): Promise<void>;
  /** The position as the exchange states it now (one REST read). Rejects when it cannot be read. */
  readPosition(): Promise<Lots>;
  /** Asks for a reconciliation as soon as possible, saying why (a stream gap, a refused cancel). */
  doubt(reason: string): void;
}
