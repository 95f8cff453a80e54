import type { MarketEvent } from '../../domain/market/market-event.ts';

/**
 * A source of market events for one symbol: a recorded file, a live Bybit socket, a synthetic market.
 * Events come in receive order, each stamped with the local receive time. A frame that cannot be
 * parsed is delivered as a `malformed` event, never thrown, so the consumer counts and skips it.
 * Failure to open the source (a missing file, a refused connection) rejects the iteration with an
 * error whose message names the source.
 */
export interface MarketDataFeed {
  /** A short description for logs and run records, e.g. `replay:capture.jsonl`. */
  readonly description: string;
  events(): AsyncIterable<MarketEvent>;
  /**
   * The same events as `events()`, handed over several at a time (a replay's read chunk), for a
   * consumer that goes through each array in order and looks at `closeAsked` before each event; null or
   * absent where the feed cannot (a live socket, a paced replay): `events()` is the way. An array's
   * events are valid until the next array is asked for (their buffers may then be reused): a consumer
   * keeps what it needs of them, not the events.
   */
  eventBatches?(): AsyncIterable<readonly MarketEvent[]> | null;
  /** True once `close` has been asked for; read by a consumer of `eventBatches` between events. */
  readonly closeAsked?: boolean;
  /**
   * Asks for a fresh book snapshot because the book can no longer be trusted (a sequence gap, a
   * crossed book, silence). A live feed resubscribes the book topic and, if no snapshot follows in
   * time, reconnects; it reports what it did with `status` events. A replay cannot ask for anything
   * and ignores the request: its book stays unusable until the file's next snapshot.
   */
  resync(reason: string): void;
  /**
   * A file source read only in part: why it stopped early (a compressed file cut short), once
   * `events()` has ended, having delivered every event before the cut; null or absent when whole.
   */
  readonly incomplete?: string | null;
  /** Asks the feed to stop; `events()` then ends after the event in hand. */
  close(): Promise<void>;
}
