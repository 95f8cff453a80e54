import { LevelBuffer, OrderBook } from '../../domain/market/order-book.ts';
import type { Instrument } from '../../domain/values/instrument.ts';

/**
 * A copy of `book` as it stands, levels and all: the book an order arriving before the next market
 * event meets, kept because the caller updates its one book in place before the venue hears of the
 * event. An unusable book copies as an empty, unusable one.
 */
export function copyBook(instrument: Instrument, book: OrderBook): OrderBook {
  const copy = new OrderBook(instrument);
  if (!book.usable) return copy;
  const side = (s: 'bid' | 'ask'): LevelBuffer => {
    const view = book.side(s);
    const buffer = new LevelBuffer(view.count + 1);
    for (let i = 0; i < view.count; i++) {
      buffer.prices[i] = view.ticksAt(i);
      buffer.sizes[i] = view.lotsAt(i);
    }
    buffer.count = view.count;
    return buffer;
  };
  const ts = book.lastTs;
  const applied = copy.applyLevels({
    type: 'snapshot', u: book.lastU, seq: book.lastSeq, ts, cts: ts, recvTime: ts, bids: side('bid'), asks: side('ask'),
  });
  if (!applied.ok) throw new Error(`a usable book did not copy: ${applied.error.kind}`);
  return copy;
}
