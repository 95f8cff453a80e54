import type { Cash, Lots, Micros, Ticks } from '../values/units.ts';
import type { Side } from './side.ts';

/** Whether the fill rested on the book (maker) or crossed it (taker); it decides the fee rate. */
export type Liquidity = 'maker' | 'taker';

/**
 * One execution of one order, as the venue reports it. `price` and `qty` are on the instrument's
 * grid and positive; `fee` is what the venue charged for this execution in Cash (1e-8 USDT),
 * positive when paid and negative when a rebate was received.
 */
export interface Fill {
  /** Venue execution id (Bybit `execId`): unique per fill, the key a position deduplicates on. */
  readonly tradeId: string;
  /** Client order id (Bybit `orderLinkId`). */
  readonly orderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly price: Ticks;
  readonly qty: Lots;
  readonly fee: Cash;
  readonly liquidity: Liquidity;
  /** Venue time of the execution. */
  readonly ts: Micros;
}
