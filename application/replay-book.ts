import type { SyncState } from '../domain/market/book-sync.ts';
import type { Lots, Micros, Ticks } from '../domain/values/units.ts';
import type { MarketCounters, MarketData } from './market-data.ts';
import type { MarketDataFeed } from './ports/market-data-feed.ts';

/** The book's touch after one applied book frame. */
export interface TopOfBook {
  readonly seq: number;
  readonly u: number;
  /** Venue time of the frame. */
  readonly ts: Micros;
  readonly bid: Ticks | null;
  readonly bidQty: Lots;
  readonly ask: Ticks | null;
  readonly askQty: Lots;
  /** Levels held a side: bids, asks. */
  readonly bidLevels: number;
  readonly askLevels: number;
  readonly state: SyncState;
}

/**
 * Runs a feed through the market-data stage alone — the same parser, book and integrity checks the
 * trading loop uses — and reports the touch after every book frame the book accepted.
 */
export async function replayBook(feed: MarketDataFeed, market: MarketData, onTop: ((top: TopOfBook) => void) | null): Promise<Readonly<MarketCounters>> {
  const book = market.book;
  for await (const event of feed.events()) {
    const before = market.sync.counters.applied;
    market.process(event);
    if (onTop === null || (event.kind !== 'book' && event.kind !== 'gridBook') || market.sync.counters.applied === before) continue;
    const f = event.frame;
    onTop({
      seq: f.seq,
      u: f.u,
      ts: f.ts,
      bid: book.bestBid(),
      bidQty: book.bestBidQty(),
      ask: book.bestAsk(),
      askQty: book.bestAskQty(),
      bidLevels: book.levelCount('bid'),
      askLevels: book.levelCount('ask'),
      state: market.state,
    });
  }
  return market.counters;
}
