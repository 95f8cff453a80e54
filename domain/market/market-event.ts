import type { Lots, Micros, Ticks } from '../values/units.ts';
import type { LevelBuffer } from './level-buffer.ts';

/**
 * Market data as it leaves the venue's wire format, before it meets an instrument: prices and sizes
 * are still the exchange's decimal strings, so that the book (which knows the instrument) converts
 * them exactly and reports an off-grid or non-numeric value as a result.
 * Every event carries the venue's time and the local receive time, in microseconds.
 */
export type RawLevel = readonly [price: string, size: string];

/** Bybit v5 `orderbook.{depth}.{symbol}`: a snapshot resets the book, a delta sets absolute sizes. */
export interface BookFrame {
  readonly type: 'snapshot' | 'delta';
  readonly symbol: string;
  /** Update id: +1 per message; 1 means a fresh snapshot after a service restart. */
  readonly u: number;
  /**
   * The `u` of the frame a delta follows, for venues that chain frames by it (Binance USD-M's `pu`,
   * spot's `U` − 1); absent, `u` − 1: Bybit's `u` rises by one a message.
   */
  readonly prevU?: number;
  /** Cross sequence, increasing; tickers' `cs` refers to it. */
  readonly seq: number;
  /** Service time of the frame. */
  readonly ts: Micros;
  /** Matching-engine time of the frame (Bybit's `cts`); equals `ts` where the venue gives none. */
  readonly cts: Micros;
  readonly recvTime: Micros;
  readonly bids: readonly RawLevel[];
  readonly asks: readonly RawLevel[];
}

/**
 * An order-book frame already converted to the instrument's grid by a byte-level reader: the same
 * frame as `BookFrame`, its levels as ticks and lots. Its symbol is the instrument's (a frame for
 * another symbol is never converted). The buffers are the frame's own, sized to it.
 */
export interface GridBookFrame extends Omit<BookFrame, 'bids' | 'asks'> {
  readonly bids: LevelBuffer;
  readonly asks: LevelBuffer;
}

export type TakerSide = 'Buy' | 'Sell';

/** Bybit v5 `publicTrade.{symbol}` entry. */
export interface RawTrade {
  readonly tradeId: string;
  readonly symbol: string;
  readonly price: string;
  readonly size: string;
  readonly takerSide: TakerSide;
  /** Trade time (`T`). */
  readonly ts: Micros;
  readonly recvTime: Micros;
  readonly blockTrade: boolean;
}

/**
 * A public trade on the instrument's grid: price in ticks, size in lots (`Trade` in trade.ts). A
 * byte-level reader that has checked the symbol and the grid hands trades over as these directly.
 */
export interface GridTrade {
  readonly tradeId: string;
  readonly symbol: string;
  readonly price: Ticks;
  readonly size: Lots;
  /** The side of the order that took liquidity: a Buy lifted the ask, a Sell hit the bid. */
  readonly takerSide: TakerSide;
  /** Trade time (Bybit's `T`), comparable with the book's `cts`. */
  readonly ts: Micros;
  readonly recvTime: Micros;
  readonly blockTrade: boolean;
}

/** Bybit v5 `tickers.{symbol}`; only the fields the system reads. Fields absent from a delta are null. */
export interface Ticker {
  readonly symbol: string;
  readonly bid1Price: string | null;
  readonly ask1Price: string | null;
  readonly lastPrice: string | null;
  readonly fundingRate: string | null;
  /** Cross sequence of the book state the ticker was taken from. */
  readonly cs: number;
  readonly ts: Micros;
  readonly recvTime: Micros;
}

/** One received frame after parsing. Malformed frames are carried, not thrown, so they are counted. */
export type MarketEvent =
  | { readonly kind: 'book'; readonly frame: BookFrame }
  | { readonly kind: 'gridBook'; readonly frame: GridBookFrame }
  | { readonly kind: 'trades'; readonly trades: readonly RawTrade[] }
  /** Trades a byte-level reader has already put on the instrument's grid (symbol checked, price positive, size above zero). */
  | { readonly kind: 'gridTrades'; readonly trades: readonly GridTrade[] }
  | { readonly kind: 'ticker'; readonly ticker: Ticker }
  /** Subscription acknowledgements, pongs and other frames that carry no market data. */
  | { readonly kind: 'control'; readonly op: string; readonly success: boolean; readonly message: string; readonly recvTime: Micros }
  /** A topic the venue really publishes that the system does not use (e.g. Bybit's `kline.1.BTCUSDT`). */
  | { readonly kind: 'ignored'; readonly topic: string; readonly recvTime: Micros }
  | { readonly kind: 'malformed'; readonly reason: string; readonly text: string; readonly recvTime: Micros }
  /** The connection behind a live feed changed; replays never send it. */
  | { readonly kind: 'status'; readonly status: FeedStatus; readonly detail: string; readonly recvTime: Micros }
  /**
   * Sent by a live feed when no frame has arrived for a while, so that a silent socket is noticed
   * (staleness is judged on event times; without events, time would not move).
   */
  | { readonly kind: 'heartbeat'; readonly recvTime: Micros };

/**
 * `connected`: socket open, subscriptions sent. `subscribed`: the venue acknowledged them.
 * `subscribe_failed`: the venue refused a subscription. `resubscribed`: a fresh snapshot was asked for.
 * `disconnected`: the socket closed or was judged dead; the feed reconnects by itself.
 */
export type FeedStatus = 'connected' | 'subscribed' | 'subscribe_failed' | 'resubscribed' | 'disconnected';

/** The local receive time an event carries, µs; null for a trades event without trades. */
export function receiveTimeOf(event: MarketEvent): Micros | null {
  switch (event.kind) {
    case 'book':
    case 'gridBook':
      return event.frame.recvTime;
    case 'trades':
    case 'gridTrades':
      return event.trades.length > 0 ? event.trades[0].recvTime : null;
    case 'ticker':
      return event.ticker.recvTime;
    case 'control':
    case 'ignored':
    case 'malformed':
    case 'status':
    case 'heartbeat':
      return event.recvTime;
  }
}
