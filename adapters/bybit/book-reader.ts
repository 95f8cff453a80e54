import type { MarketEvent } from '../../domain/market/market-event.ts';
import type { BookError, BookUpdate, OrderBook } from '../../domain/market/order-book.ts';
import type { Result } from '../../domain/result.ts';
import type { Micros } from '../../domain/values/units.ts';
import { scanBookFrame } from './book-scanner.ts';
import { parseBybitFrame } from './parse.ts';
import type { ScannedBook } from './scanned-book.ts';

/** What `parseAndApply` did with one frame text. */
export type BookRead =
  /** An order-book frame, applied: `result` is the book's answer; `via` says which reader took it. */
  | { readonly kind: 'book'; readonly via: 'scanner' | 'json'; readonly result: Result<BookUpdate, BookError> }
  /** Anything else, as `parseBybitFrame` returns it: trades, tickers, control, malformed frames. */
  | { readonly kind: 'event'; readonly event: MarketEvent };

/**
 * Text in, book updated: order-book frames go through the scanner and `OrderBook.applyLevels`; every
 * other frame, and every frame the scanner does not take, through `parseBybitFrame` and `OrderBook.apply`,
 * so that what is reported for a bad frame comes from one place. `scratch` must be made for the book's
 * instrument.
 */
export function parseAndApply(text: string, recvTime: Micros, book: OrderBook, scratch: ScannedBook): BookRead {
  if (scratch.instrument !== book.instrument) throw new Error('parseAndApply: the scratch was made for another instrument');
  if (scanBookFrame(text, recvTime, scratch) === 'book') {
    return { kind: 'book', via: 'scanner', result: book.applyLevels(scratch) };
  }
  const event = parseBybitFrame(text, recvTime);
  if (event.kind === 'book') return { kind: 'book', via: 'json', result: book.apply(event.frame) };
  return { kind: 'event', event };
}
