import type { MarketEvent } from '../../domain/market/market-event.ts';
import { LevelBuffer } from '../../domain/market/level-buffer.ts';
import type { Instrument } from '../../domain/values/instrument.ts';
import type { Micros } from '../../domain/values/units.ts';
import { scanBookFrame, scanBookIn, ScannedBook } from './book-scanner.ts';
import { parseBybitFrame } from './parse.ts';
import { literal } from './literal.ts';
import { scanTradesIn } from './trade-scanner.ts';

/**
 * Turns frame texts into market events for one instrument; each event owns its data. A decoder may
 * also read a frame straight from the bytes of a read chunk (`bytes`), making the text only where it
 * needs it: a file replay then never turns the lines it scans into strings.
 */
export type FrameDecoder = ((text: string, recvTime: Micros) => MarketEvent) & { readonly bytes?: BytesDecoder };

/**
 * A frame given as the UTF-8 bytes `source[start, end)`; the same event as the text decoder's for its
 * text. With a `pool`, a book event's levels are the pool's buffers, valid until the pool is reset.
 */
export type BytesDecoder = (source: Buffer, start: number, end: number, recvTime: Micros, pool?: LevelPool) => MarketEvent;

/**
 * Level buffers lent to the book events of one batch and taken back all at once by `reset`, when
 * every event of the batch has been consumed: a replay whose consumer goes through a batch before it
 * asks for the next allocates no typed array per book frame once the pool has grown to a batch.
 */
export class LevelPool {
  private readonly buffers: LevelBuffer[] = [];
  private used = 0;

  /** A copy of `from`'s levels in a buffer of the pool. */
  copy(from: LevelBuffer): LevelBuffer {
    const to = this.free(0);
    this.used++;
    const n = from.count;
    to.reserve(n);
    // A frame holds a few levels: a loop costs less than two views and two native copies.
    const { prices, sizes } = to;
    for (let i = 0; i < n; i++) {
      prices[i] = from.prices[i];
      sizes[i] = from.sizes[i];
    }
    to.count = n;
    return to;
  }

  /**
   * The `k`-th buffer after the ones lent, not lent yet: a scanner writes a frame's levels straight
   * into `free(0)` and `free(1)`, and `lend(2)` keeps them for its event (or nothing, to write over them).
   */
  free(k: number): LevelBuffer {
    while (this.used + k >= this.buffers.length) this.buffers.push(new LevelBuffer(POOLED_CAPACITY));
    return this.buffers[this.used + k];
  }

  /** Lends the next `n` free buffers, as they were filled. */
  lend(n: number): void {
    this.used += n;
  }

  /** Every buffer lent is free again: the events that held them must not be read any more. */
  reset(): void {
    this.used = 0;
  }
}

/** Levels a pooled buffer holds before it first grows: a side of a 50-level snapshot fits. */
const POOLED_CAPACITY = 64;

/** The JSON path alone: any instrument, strings kept for the book to convert. */
export const jsonDecoder: FrameDecoder = parseBybitFrame;

/**
 * Order-book frames of `instrument` go through the byte-level scanner straight to ticks and lots
 * (1.4–1.6 × JSON.parse's own speed on the real capture, `npm run bench`), from the text or from the
 * bytes of a read chunk; from bytes, public trades too go through their scanner straight to the grid
 * (`gridTrades`, trade-scanner.ts); everything else, and every frame a scanner leaves alone or refuses,
 * through `parseBybitFrame`, so a bad frame is reported the same way
 * whichever reader saw it. The scanner writes into scratch it reuses, so the levels are copied into
 * buffers of the frame's own size: an event stays valid however long it is queued.
 */
export function scanningDecoder(instrument: Instrument): FrameDecoder {
  const scratch = new ScannedBook(instrument);
  const fromText = (text: string, recvTime: Micros): MarketEvent => {
    if (scanBookFrame(text, recvTime, scratch) !== 'book') return parseBybitFrame(text, recvTime);
    return gridBookEvent(scratch, instrument, scratch.bids.copy(), scratch.asks.copy());
  };
  // The scanner reads a plain Uint8Array over the chunk (one per chunk): a Buffer beside the scratch's
  // own arrays would make its every byte read polymorphic.
  let chunk: Buffer | null = null;
  let view: Uint8Array = new Uint8Array(0);
  const bytes: BytesDecoder = (source, start, end, recvTime, pool) => {
    if (source !== chunk) {
      chunk = source;
      view = new Uint8Array(source.buffer, source.byteOffset, source.length);
    }
    // A trade frame in Bybit's spelling is told by its first bytes: the book scanner would only stop at its topic.
    if (view[start + 10] === P && TRADE_HEAD_IS(scratch.wordsOf(view), start, end)) return tradesEvent(source, view, start, end, recvTime, scratch);
    if (pool !== undefined) {
      // The levels go straight into the pool's next two buffers, lent to the event if it is a book's.
      const { bids, asks } = scratch;
      scratch.bids = pool.free(0);
      scratch.asks = pool.free(1);
      const outcome = scanBookIn(view, start, end, recvTime, scratch);
      const event = outcome === 'book' ? gridBookEvent(scratch, instrument, scratch.bids, scratch.asks) : null;
      scratch.bids = bids;
      scratch.asks = asks;
      if (event !== null) {
        pool.lend(2);
        return event;
      }
    } else if (scanBookIn(view, start, end, recvTime, scratch) === 'book') {
      return gridBookEvent(scratch, instrument, scratch.bids.copy(), scratch.asks.copy());
    }
    // Not a book frame (the scan stops at the topic): trades are read from the same bytes, to the grid.
    if (!scratch.isBook) return tradesEvent(source, view, start, end, recvTime, scratch);
    return parseBybitFrame(source.toString('utf8', start, end), recvTime);
  };
  return Object.assign(fromText, { bytes });
}

const TRADE_HEAD = '{"topic":"publicTrade.';
const TRADE_HEAD_IS = literal(TRADE_HEAD);
/** The byte that tells the two topics apart: `p` of publicTrade where orderbook has its `o`. */
const P = TRADE_HEAD.charCodeAt(10);

/** A frame that is not an order book's: its trades straight to the grid, or whatever the JSON path makes of it. */
function tradesEvent(source: Buffer, view: Uint8Array, start: number, end: number, recvTime: Micros, scratch: ScannedBook): MarketEvent {
  const trades = scanTradesIn(source, view, start, end, recvTime, scratch);
  if (trades !== null) return { kind: 'gridTrades', trades };
  return parseBybitFrame(source.toString('utf8', start, end), recvTime);
}

function gridBookEvent(scratch: ScannedBook, instrument: Instrument, bids: LevelBuffer, asks: LevelBuffer): MarketEvent {
  return {
    kind: 'gridBook',
    frame: {
      type: scratch.type,
      symbol: instrument.symbol,
      u: scratch.u,
      seq: scratch.seq,
      ts: scratch.ts,
      cts: scratch.cts,
      recvTime: scratch.recvTime,
      bids,
      asks,
    },
  };
}
