import { err, ok, type Ok, type Result } from '../result.ts';
import type { Instrument } from '../values/instrument.ts';
import type { Lots, Micros, Ticks } from '../values/units.ts';
import { BookLevels, convertLevels, LevelBuffer, type BadLevel, type BookSide } from './book-side.ts';
import type { BookFrame } from './market-event.ts';

export { LevelBuffer, type BadLevel, type BookSide } from './book-side.ts';

/** One side's levels from the touch outward; see `OrderBook.side`. */
export interface LevelsView {
  readonly count: number;
  ticksAt(i: number): Ticks;
  lotsAt(i: number): Lots;
  /** `out[k]`: total size within `distances[k]` ticks of the touch (ascending distances), in one pass. */
  cumulativeWithin(distances: Float64Array, out: Float64Array): void;
}

/** The fields of a frame besides its symbol and levels. */
export type FrameHeader = Pick<BookFrame, 'type' | 'u' | 'prevU' | 'seq' | 'ts' | 'cts' | 'recvTime'>;

/**
 * A book frame already put on the instrument's grid by a reader that has also checked its symbol:
 * prices positive ticks and sizes lots (0 deletes), in the frame's order.
 */
export interface GridFrame extends FrameHeader {
  readonly bids: LevelBuffer;
  readonly asks: LevelBuffer;
}

/**
 * What one applied frame did, from fields already at hand. The book answers every frame with the same
 * object, refilled: read it before the next frame is applied.
 */
export interface BookUpdate {
  readonly type: BookFrame['type'];
  readonly u: number;
  readonly seq: number;
  readonly ts: Micros;
  readonly cts: Micros;
  readonly recvTime: Micros;
  /** The best bid or best ask changed in price or in size (a quote event in the OFI sense). */
  readonly bestChanged: boolean;
  /** Levels dropped because they fell beyond the depth window; 0 without a window. */
  readonly trimmed: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export type BookError =
  | { readonly kind: 'SymbolMismatch'; readonly expected: string; readonly got: string }
  | { readonly kind: 'DeltaBeforeSnapshot'; readonly u: number }
  | { readonly kind: 'SequenceGap'; readonly expected: number; readonly got: number }
  /** A delta whose `u` is not above the book's: already applied (a resend); ignored, the book stays usable. */
  | { readonly kind: 'Duplicate'; readonly lastU: number; readonly got: number }
  | BadLevel
  | { readonly kind: 'CrossedBook'; readonly bid: Ticks; readonly ask: Ticks };

/**
 * The L2 order book of one instrument, rebuilt from Bybit v5 `orderbook.{depth}.{symbol}` frames
 * (https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook):
 * - a `snapshot` replaces the whole book. Bybit sends one on subscribing and again, with `u` = 1,
 *   after a restart of its service, so a snapshot is accepted whatever its `u`;
 * - a `delta` carries absolute sizes; a size of "0" deletes the level, and deleting a level the book
 *   does not hold is not an error;
 * - `u` rises by one per message, so a delta whose `u` is above the previous one plus one means frames
 *   were lost: it is refused as a `SequenceGap` and the book waits for the next snapshot. A delta
 *   whose `u` is not above the book's was applied already (a resend): it is refused as a `Duplicate`
 *   and changes nothing, the book stays usable. A frame that names the `u` it follows (`prevU`,
 *   Binance's `pu`) must name the book's last `u` instead.
 *
 * Bybit keeps only the best `depth` levels a side and does not always send a delete for a level that
 * leaves that window; with the `depth` option the book drops such levels itself after every frame.
 *
 * Any error but `Duplicate` leaves `usable` false until the next snapshot. A frame is validated in full before it
 * touches the book, so a `BadLevel` leaves the book exactly as it was; a `CrossedBook` is reported
 * after the frame is applied. Prices are ticks and sizes lots of the instrument.
 *
 * `apply` takes the venue's decimal strings; `applyLevels` takes levels a reader has already put on the
 * grid. Both go through the same sequence check and the same update, so they cannot disagree.
 */
export class OrderBook {
  readonly instrument: Instrument;
  /** The depth window (levels a side), or null to keep every level. */
  readonly depth: number | null;
  private readonly bids = new BookLevels('bid');
  private readonly asks = new BookLevels('ask');
  private readonly bidInput = new LevelBuffer();
  private readonly askInput = new LevelBuffer();
  /**
   * The answer to every applied frame, refilled each time: one object for the book's life rather than
   * two a frame (the result and its update), which every book frame of a run would otherwise leave to
   * the collector. Valid until the next `apply` or `applyLevels`.
   */
  private readonly update: Mutable<BookUpdate> = { type: 'snapshot', u: 0, seq: 0, ts: 0 as Micros, cts: 0 as Micros, recvTime: 0 as Micros, bestChanged: false, trimmed: 0 };
  private readonly applied: Ok<BookUpdate> = ok(this.update);
  private snapshotSeen = false;
  private failed = false;
  private u = 0;
  private seq = 0;
  private ts = 0 as Micros;

  constructor(instrument: Instrument, options?: { readonly depth?: number }) {
    const depth = options?.depth;
    if (depth !== undefined && !(Number.isSafeInteger(depth) && depth > 0)) {
      throw new RangeError(`OrderBook depth must be a positive integer, got ${depth}`);
    }
    this.instrument = instrument;
    this.depth = depth ?? null;
  }

  apply(frame: BookFrame): Result<BookUpdate, BookError> {
    if (frame.symbol !== this.instrument.symbol) {
      return this.fail({ kind: 'SymbolMismatch', expected: this.instrument.symbol, got: frame.symbol });
    }
    const refused =
      this.admit(frame) ??
      convertLevels(this.instrument, frame.bids, 'bid', this.bidInput) ??
      convertLevels(this.instrument, frame.asks, 'ask', this.askInput);
    if (refused !== null) return refused.kind === 'Duplicate' ? err(refused) : this.fail(refused);
    return this.commit(frame, this.bidInput, this.askInput);
  }

  /** `apply` for a frame whose levels are already ticks and lots and whose symbol has been checked. */
  applyLevels(frame: GridFrame): Result<BookUpdate, BookError> {
    const refused = this.admit(frame);
    if (refused !== null) return refused.kind === 'Duplicate' ? err(refused) : this.fail(refused);
    return this.commit(frame, frame.bids, frame.asks);
  }

  /** Applies an admitted frame's converted levels; reports a crossed book after applying it. */
  private commit(frame: FrameHeader, bids: LevelBuffer, asks: LevelBuffer): Result<BookUpdate, BookError> {
    const bid0 = this.bids.bestTicks(), bidQty0 = this.bids.bestLots();
    const ask0 = this.asks.bestTicks(), askQty0 = this.asks.bestLots();
    if (frame.type === 'snapshot') {
      this.bids.replaceWith(bids);
      this.asks.replaceWith(asks);
      this.snapshotSeen = true;
      this.failed = false;
    } else {
      this.bids.applyAll(bids);
      this.asks.applyAll(asks);
    }
    const trimmed = this.depth === null ? 0 : this.bids.trim(this.depth) + this.asks.trim(this.depth);
    this.u = frame.u;
    this.seq = frame.seq;
    this.ts = frame.ts;

    const bid = this.bids.bestTicks(), ask = this.asks.bestTicks();
    if (this.isCrossed()) return this.fail({ kind: 'CrossedBook', bid: bid as Ticks, ask: ask as Ticks });
    const update = this.update;
    update.type = frame.type;
    update.u = frame.u;
    update.seq = frame.seq;
    update.ts = frame.ts;
    update.cts = frame.cts;
    update.recvTime = frame.recvTime;
    update.bestChanged = bid !== bid0 || ask !== ask0 || this.bids.bestLots() !== bidQty0 || this.asks.bestLots() !== askQty0;
    update.trimmed = trimmed;
    return this.applied;
  }

  /** A snapshot has been applied and no error has happened since: the book mirrors the venue's. */
  get usable(): boolean {
    return this.snapshotSeen && !this.failed;
  }

  get hasSnapshot(): boolean {
    return this.snapshotSeen;
  }

  /** `u` of the last applied frame; 0 before the first. */
  get lastU(): number {
    return this.u;
  }

  /** `seq` (Bybit's cross sequence) of the last applied frame; 0 before the first. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Service time `ts` of the last applied frame; 0 before the first. */
  get lastTs(): Micros {
    return this.ts;
  }

  bestBid(): Ticks | null {
    return this.bids.count === 0 ? null : (this.bids.bestTicks() as Ticks);
  }

  bestAsk(): Ticks | null {
    return this.asks.count === 0 ? null : (this.asks.bestTicks() as Ticks);
  }

  /** Size at the best bid; 0 when there is no bid. */
  bestBidQty(): Lots {
    return this.bids.bestLots() as Lots;
  }

  bestAskQty(): Lots {
    return this.asks.bestLots() as Lots;
  }

  levelCount(side: BookSide): number {
    return this.levels(side).count;
  }

  /** Price of the i-th level from the touch (i = 0 is the best); throws when there is no such level. */
  priceAt(side: BookSide, i: number): Ticks {
    const levels = this.levels(side);
    checkIndex(side, i, levels.count);
    return levels.ticksAt(i);
  }

  qtyAt(side: BookSide, i: number): Lots {
    const levels = this.levels(side);
    checkIndex(side, i, levels.count);
    return levels.lotsAt(i);
  }

  /** The best `n` levels (fewer if the side has fewer) as [price, size], best first. Allocates. */
  topN(side: BookSide, n: number): Array<readonly [Ticks, Lots]> {
    const levels = this.levels(side);
    const count = Math.min(Math.max(0, n), levels.count);
    const out = new Array<readonly [Ticks, Lots]>(count);
    for (let i = 0; i < count; i++) out[i] = [levels.ticksAt(i), levels.lotsAt(i)];
    return out;
  }

  /** Total size of the best `levels` levels of a side. */
  cumulativeDepth(side: BookSide, levels: number): Lots {
    return this.levels(side).sumBest(levels) as Lots;
  }

  /** Total size resting within `ticksFromTouch` ticks of the side's best price, both ends included. */
  depthWithin(side: BookSide, ticksFromTouch: number): Lots {
    return this.levels(side).sumWithin(ticksFromTouch) as Lots;
  }

  /** Both sides hold levels and the best bid is at or above the best ask. */
  isCrossed(): boolean {
    return this.bids.count > 0 && this.asks.count > 0 && this.bids.bestTicks() >= this.asks.bestTicks();
  }

  /**
   * A read-only view of one side, best level first (`ticksAt(0)` is the touch), for code that walks many
   * levels per event (the feature engine): no index check and no allocation per read. The caller keeps
   * `0 <= i < count`; the view follows the book as it changes.
   */
  side(side: BookSide): LevelsView {
    return this.levels(side);
  }

  /** Best bid plus best ask in ticks: twice the mid, an exact integer; null when a side is empty. */
  midTimesTwo(): number | null {
    if (this.bids.count === 0 || this.asks.count === 0) return null;
    return this.bids.bestTicks() + this.asks.bestTicks();
  }

  private levels(side: BookSide): BookLevels {
    return side === 'bid' ? this.bids : this.asks;
  }

  /** Whether a frame of the book's symbol may be applied at all: for a delta, its place in the sequence. */
  private admit(frame: FrameHeader): BookError | null {
    switch (frame.type) {
      case 'snapshot':
        return null;
      case 'delta':
        if (!this.snapshotSeen) return { kind: 'DeltaBeforeSnapshot', u: frame.u };
        // Checked before the levels are converted, so a resent delta costs no conversion. Bybit sends
        // u = 1 only on a snapshot, so a delta with u = 1 after u = N is a resend like any other.
        if (frame.u <= this.u) return { kind: 'Duplicate', lastU: this.u, got: frame.u };
        if (frame.prevU === undefined) return frame.u === this.u + 1 ? null : { kind: 'SequenceGap', expected: this.u + 1, got: frame.u };
        // A chained frame (Binance) names the id it follows: expected is the book's id, got the frame's.
        return frame.prevU === this.u ? null : { kind: 'SequenceGap', expected: this.u, got: frame.prevU };
    }
  }

  private fail(error: BookError): Result<BookUpdate, BookError> {
    this.failed = true;
    return err(error);
  }
}

function checkIndex(side: BookSide, i: number, count: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= count) {
    throw new RangeError(`no ${side} level ${i}: the side holds ${count}`);
  }
}
