import type { BookFrame } from '../../domain/market/market-event.ts';
import { LevelBuffer, type GridFrame } from '../../domain/market/order-book.ts';
import type { Instrument } from '../../domain/values/instrument.ts';
import type { Micros } from '../../domain/values/units.ts';
import { literal, NEVER, type Literal } from './literal.ts';

/** The bytes of an ASCII text (scan-primitives' `ascii`, kept here: that module reads this one's type, and a cycle is refused). */
const asciiBytes = (text: string): Uint8Array => Uint8Array.from(text, (ch) => ch.charCodeAt(0));

/** The scratch a scan writes into, one per instrument; after a `book` outcome it is a `GridFrame`. */
export class ScannedBook implements GridFrame {
  readonly instrument: Instrument;
  type: BookFrame['type'] = 'snapshot';
  u = 0;
  seq = 0;
  ts = 0 as Micros;
  cts = 0 as Micros;
  recvTime = 0 as Micros;
  /** The buffers a scan writes the levels into: the scratch's own, or, for one scan, a pool's (frame-decoder.ts). */
  bids = new LevelBuffer();
  asks = new LevelBuffer();
  /** What the last scan that was not `book` stopped at, and where: an index into the frame's UTF-8 bytes. */
  reason = '';
  at = 0;

  // The scanner's own state below; callers read only the fields above.
  /** The value of the last number read, as a scratch register between the scanning functions. */
  num = 0;
  /** The topic has been read and is an order-book topic: problems from here on are `malformed`. */
  isBook = false;
  /** The bytes of `"SYMBOL"`, quotes included, to compare `data.s` in place; none if the symbol is not plain ASCII. */
  readonly quotedSymbol: Uint8Array;
  /**
   * The fixed-order fast paths' words around the symbol, in Bybit's order: an order-book frame's
   * `,"data":{"s":"SYMBOL","b":` and a trade entry's `,"s":"SYMBOL","S":"`; never spelled where the
   * symbol is not plain ASCII, as `quotedSymbol`.
   */
  readonly bookSymbol: Literal;
  readonly tradeSymbol: Literal;
  /** 10^k for the k decimals a price or size may leave out. */
  readonly powers: Float64Array;
  /**
   * The frame being scanned, `bytes[start, length)`, then a zero byte: the scratch's own copy (start
   * 0), or, for the span of one scan, the read chunk that holds the frame (`scanBookIn`).
   */
  bytes: Uint8Array = new Uint8Array(4096);
  start = 0;
  length = 0;
  private readonly encoder = new TextEncoder();
  /** The array `words` was last made for, and the DataView over it (see `wordsOf`). */
  private wordsFor: Uint8Array | null = null;
  private words: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  constructor(instrument: Instrument) {
    this.instrument = instrument;
    const plain = /^[\x20-\x7e]+$/.test(instrument.symbol) && !/["\\]/.test(instrument.symbol);
    this.quotedSymbol = asciiBytes(plain ? `"${instrument.symbol}"` : '');
    this.bookSymbol = plain ? literal(`,"data":{"s":"${instrument.symbol}","b":`) : NEVER;
    this.tradeSymbol = plain ? literal(`,"s":"${instrument.symbol}","S":"`) : NEVER;
    const scale = Math.max(instrument.priceScale, instrument.qtyScale);
    this.powers = new Float64Array(scale + 1);
    for (let k = 0; k <= scale; k++) this.powers[k] = 10 ** k;
  }

  /**
   * A DataView over the bytes of `t` (indices the same as `t`'s), for the fast paths' `Literal`s:
   * made when `t` is not the array of the call before, so once per read chunk in a replay.
   */
  wordsOf(t: Uint8Array): DataView<ArrayBufferLike> {
    if (t !== this.wordsFor) {
      this.wordsFor = t;
      this.words = new DataView(t.buffer, t.byteOffset, t.byteLength);
    }
    return this.words;
  }

  /** Puts `text` into `bytes` as UTF-8 with the terminating zero. */
  loadText(text: string): void {
    for (;;) {
      const done = this.encoder.encodeInto(text, this.bytes);
      if (done.read === text.length && done.written < this.bytes.length) {
        this.length = done.written;
        this.bytes[done.written] = 0;
        return;
      }
      // Three bytes a UTF-16 unit is UTF-8's most, so the second attempt always fits.
      this.bytes = new Uint8Array(text.length * 3 + 1);
    }
  }

  /** Copies UTF-8 `frame` into `bytes` with the terminating zero. */
  loadBytes(frame: Uint8Array): void {
    if (frame.length >= this.bytes.length) this.bytes = new Uint8Array(frame.length * 2 + 1);
    this.bytes.set(frame);
    this.bytes[frame.length] = 0;
    this.length = frame.length;
  }
}
