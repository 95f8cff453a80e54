/*
 * One piece of a little over 300 lines: the general scanner's functions share its conventions (a
 * zero-terminated byte array, negative returns, the reasons it records) and read best together; the
 * fixed-order fast path is in book-fast-path.ts, the byte readers in scan-primitives.ts.
 */
import type { LevelBuffer } from '../../domain/market/order-book.ts';
import type { Micros } from '../../domain/values/units.ts';
import { scanBookInBybitOrder } from './book-fast-path.ts';
import {
  ascii,
  BACKSLASH,
  COLON,
  COMMA,
  fallback,
  FALLBACK,
  LBRACE,
  LBRACKET,
  QUOTE,
  RBRACE,
  RBRACKET,
  scanDecimal,
  scanInteger,
  spells,
  stop,
  ws,
} from './scan-primitives.ts';
import type { ScannedBook } from './scanned-book.ts';

export { ScannedBook } from './scanned-book.ts';

/**
 * A reader of Bybit v5 `orderbook.{depth}.{symbol}` frames that skips JSON.parse: it walks the frame's
 * UTF-8 bytes once and puts every price and size on the instrument's grid as it goes, digit by digit,
 * into the reusable typed arrays of a `ScannedBook`; nothing is allocated per level. A text is first
 * encoded into the scratch's byte buffer (V8 reads a typed array faster than the characters of a string
 * cut out of a larger one, which is what line splitting makes), then scanned; a terminating zero byte
 * ends every loop without a bounds check, as JSON allows no raw zero byte anywhere.
 *
 * The outcome of a scan is one of:
 * - `book`: a well-formed order-book frame for the instrument, every level on the grid. `parseBybitFrame`
 *   would give the same frame, and `OrderBook.apply` would convert its levels to the same numbers.
 * - `malformed`: an order-book frame the JSON path also refuses (not JSON, a field missing or of the
 *   wrong type, a price or size that is not a decimal on the grid). `reason` and `at` say what was
 *   found where.
 * - `fallback`: anything the scanner does not decide itself; the caller goes through JSON.parse. This
 *   covers other topics, another symbol (the book reports the mismatch), string escapes, keys it does
 *   not know or sees twice, numbers JSON reads as integers from other spellings ("1.0", "1e3", "-1"),
 *   levels with more than two entries, and any problem met before the topic says "orderbook.".
 */
export type ScanOutcome = 'book' | 'fallback' | 'malformed';

/**
 * The keys read, each with its closing quote, in the order Bybit sends them; a key's index in its
 * list is its number, and bit `1 << number` marks it seen, to tell a missing key from a repeated one.
 */
const TOP_KEYS = ['topic"', 'type"', 'ts"', 'data"', 'cts"'].map(ascii);
const TOPIC = 0, TYPE = 1, TS = 2, DATA = 3;
const DATA_KEYS = ['s"', 'b"', 'a"', 'u"', 'seq"'].map(ascii);
const SYMBOL = 0, BIDS = 1, ASKS = 2, U = 3;
const TOP_REQUIRED = (1 << TOPIC) | (1 << TYPE) | (1 << TS) | (1 << DATA);
const DATA_REQUIRED = 0b11111;
const CTS_SEEN = 1 << 4;

const ORDER_BOOK = ascii('"orderbook.');
const DELTA = ascii('"delta"');
const SNAPSHOT = ascii('"snapshot"');

/** Reads one frame text into `out`; `recvTime` is stamped on it. See `ScanOutcome`. */
export function scanBookFrame(text: string, recvTime: Micros, out: ScannedBook): ScanOutcome {
  out.loadText(text);
  return scanLoaded(recvTime, out);
}

/** `scanBookFrame` for a frame as the socket delivered it: UTF-8 bytes. */
export function scanBookBytes(frame: Uint8Array, recvTime: Micros, out: ScannedBook): ScanOutcome {
  out.loadBytes(frame);
  return scanLoaded(recvTime, out);
}

/**
 * `scanBookFrame` for the UTF-8 bytes `source[start, end)`, a line of a read chunk, scanned where it
 * is: the byte after the line (its line ending) is zero for the span of the scan, then put back. A
 * line that ends the buffer is copied into the scratch instead. `at` is then an index into the line.
 */
export function scanBookIn(source: Uint8Array, start: number, end: number, recvTime: Micros, out: ScannedBook): ScanOutcome {
  if (end >= source.length) {
    out.loadBytes(source.subarray(start, end));
    return scanLoaded(recvTime, out);
  }
  const own = out.bytes;
  const ownLength = out.length;
  const after = source[end];
  source[end] = 0;
  out.bytes = source;
  out.start = start;
  out.length = end;
  try {
    return scanLoaded(recvTime, out);
  } finally {
    source[end] = after;
    out.bytes = own;
    out.start = 0;
    out.length = ownLength;
    out.at -= start;
  }
}

function scanLoaded(recvTime: Micros, out: ScannedBook): ScanOutcome {
  out.isBook = false;
  out.reason = '';
  // Bybit's own spelling first; anything else, from the start again, in any order.
  if (scanBookInBybitOrder(out.bytes, out) >= 0) {
    out.recvTime = recvTime;
    return 'book';
  }
  return scanGeneral(recvTime, out);
}

/** The general scanner alone, whatever the frame's spelling; exported for the property that holds the fast path to it. */
export function scanBookInAnyOrder(text: string, recvTime: Micros, out: ScannedBook): ScanOutcome {
  out.loadText(text);
  out.isBook = false;
  out.reason = '';
  return scanGeneral(recvTime, out);
}

function scanGeneral(recvTime: Micros, out: ScannedBook): ScanOutcome {
  const end = scanTop(out.bytes, out);
  if (end >= 0) {
    out.recvTime = recvTime;
    return 'book';
  }
  return end === FALLBACK ? 'fallback' : 'malformed';
}

/** After a key's closing quote: whitespace, the colon, whitespace. */
function colon(t: Uint8Array, i: number, out: ScannedBook): number {
  i = ws(t, i);
  if (t[i] !== COLON) return stop(out, i, 'expected a colon after a key');
  return ws(t, i + 1);
}

/**
 * After an object member's value: whitespace, then either the closing brace or a comma, whitespace and
 * the next key's opening quote. Returns the index of that brace or quote.
 */
function next(t: Uint8Array, i: number, out: ScannedBook): number {
  i = ws(t, i);
  const c = t[i];
  if (c === RBRACE) return i;
  if (c !== COMMA) return stop(out, i, 'expected a comma or a closing brace');
  i = ws(t, i + 1);
  if (t[i] !== QUOTE) return stop(out, i, 'expected a key');
  return i;
}

/**
 * The number of the key (with its closing quote) that starts at `i` among `keys`, or -1. Only a key
 * that starts with the byte at `i` is compared further: most keys are told apart by that byte alone.
 */
function keyAt(t: Uint8Array, i: number, keys: readonly Uint8Array[]): number {
  const c = t[i];
  for (let k = 0; k < keys.length; k++) if (keys[k][0] === c && spells(t, i, keys[k])) return k;
  return -1;
}

function scanTop(t: Uint8Array, out: ScannedBook): number {
  let i = ws(t, out.start);
  if (t[i] !== LBRACE) return fallback(out, i, 'not a JSON object');
  i = ws(t, i + 1);
  if (t[i] !== QUOTE) return fallback(out, i, 'an object that does not start with a key');
  let seen = 0;
  for (;;) {
    const key = keyAt(t, ++i, TOP_KEYS);
    if (key < 0) return fallback(out, i, 'a key the scanner does not read');
    if ((seen & (1 << key)) !== 0) return fallback(out, i, 'a repeated key');
    seen |= 1 << key;
    i = colon(t, i + TOP_KEYS[key].length, out);
    if (i < 0) return i;
    switch (key) {
      case TOPIC:
        i = scanTopic(t, i, out);
        break;
      case TYPE:
        i = scanType(t, i, out);
        break;
      case TS:
        i = scanInteger(t, i, out);
        // Bybit's times are milliseconds; the system keeps microseconds.
        out.ts = (out.num * 1000) as Micros;
        break;
      case DATA:
        i = scanData(t, i, out);
        break;
      default:
        i = scanInteger(t, i, out);
        out.cts = (out.num * 1000) as Micros;
    }
    if (i < 0) return i;
    i = next(t, i, out);
    if (i < 0) return i;
    if (t[i] === RBRACE) break;
  }
  i = ws(t, i + 1);
  if ((seen & (1 << TOPIC)) === 0) return fallback(out, i, 'no topic');
  if (i !== out.length) return stop(out, i, 'text after the frame');
  if ((seen & TOP_REQUIRED) !== TOP_REQUIRED) return stop(out, i, 'type, ts or data missing');
  // Bybit's documented frames carry the matching engine's time; older dumps may not.
  if ((seen & CTS_SEEN) === 0) out.cts = out.ts;
  return i;
}

function scanTopic(t: Uint8Array, i: number, out: ScannedBook): number {
  if (!spells(t, i, ORDER_BOOK)) return fallback(out, i, 'not an order-book topic');
  out.isBook = true;
  return skipString(t, i + ORDER_BOOK.length, out);
}

/** Skips the rest of a string whose opening quote has been read; falls back on an escape. */
function skipString(t: Uint8Array, i: number, out: ScannedBook): number {
  for (let c = t[i]; c !== QUOTE; c = t[++i]) {
    if (c === BACKSLASH) return fallback(out, i, 'an escape in a string');
    // JSON forbids raw control characters in strings; the terminating zero of a cut-off frame is one.
    if (c < 32) return stop(out, i, 'an unterminated string or a control character in it');
  }
  return i + 1;
}

function scanType(t: Uint8Array, i: number, out: ScannedBook): number {
  if (spells(t, i, DELTA)) {
    out.type = 'delta';
    return i + DELTA.length;
  }
  if (spells(t, i, SNAPSHOT)) {
    out.type = 'snapshot';
    return i + SNAPSHOT.length;
  }
  return unexpectedString(t, i, out, 'a type other than snapshot or delta');
}

/** A value that is not the string expected: an escape may still spell it, anything else is wrong. */
function unexpectedString(t: Uint8Array, i: number, out: ScannedBook, reason: string): number {
  if (t[i] === QUOTE) {
    const end = skipString(t, i + 1, out);
    if (end < 0) return end;
  }
  return stop(out, i, reason);
}

function scanData(t: Uint8Array, i: number, out: ScannedBook): number {
  if (t[i] !== LBRACE) return stop(out, i, 'data is not an object');
  i = ws(t, i + 1);
  if (t[i] !== QUOTE) return stop(out, i, 'data is empty or has no key');
  let seen = 0;
  for (;;) {
    const key = keyAt(t, ++i, DATA_KEYS);
    if (key < 0) return fallback(out, i, 'a data key the scanner does not read');
    if ((seen & (1 << key)) !== 0) return fallback(out, i, 'a repeated data key');
    seen |= 1 << key;
    i = colon(t, i + DATA_KEYS[key].length, out);
    if (i < 0) return i;
    switch (key) {
      case SYMBOL:
        // Another symbol is the book's to report, through the JSON path.
        if (out.quotedSymbol.length === 0 || !spells(t, i, out.quotedSymbol)) return fallback(out, i, 'another symbol, or one spelled with escapes');
        i += out.quotedSymbol.length;
        break;
      case BIDS:
        i = scanLevels(t, i, out, out.bids);
        break;
      case ASKS:
        i = scanLevels(t, i, out, out.asks);
        break;
      case U:
        i = scanInteger(t, i, out);
        out.u = out.num;
        break;
      default:
        i = scanInteger(t, i, out);
        out.seq = out.num;
    }
    if (i < 0) return i;
    i = next(t, i, out);
    if (i < 0) return i;
    if (t[i] === RBRACE) break;
  }
  if ((seen & DATA_REQUIRED) !== DATA_REQUIRED) return stop(out, i, 'data without s, b, a, u or seq');
  return i + 1;
}

/** `[["price","size"], ...]` into `into`, each pair put on the instrument's grid. */
function scanLevels(t: Uint8Array, i: number, out: ScannedBook, into: LevelBuffer): number {
  if (t[i] !== LBRACKET) return stop(out, i, 'levels that are not an array');
  i = ws(t, i + 1);
  let n = 0;
  if (t[i] === RBRACKET) {
    into.count = 0;
    return i + 1;
  }
  const { priceScale, tickUnits, qtyScale, lotUnits } = out.instrument;
  for (;;) {
    if (t[i] !== LBRACKET) return stop(out, i, 'a level that is not an array');
    i = ws(t, i + 1);
    if (t[i] !== QUOTE) return stop(out, i, 'a price that is not a string');
    i = scanDecimal(t, i + 1, out, priceScale, tickUnits);
    if (i < 0) return i;
    const price = out.num;
    if (price === 0) return stop(out, i, 'a price that is not positive');
    i = ws(t, i);
    if (t[i] !== COMMA) return stop(out, i, 'a level without a size');
    i = ws(t, i + 1);
    if (t[i] !== QUOTE) return stop(out, i, 'a size that is not a string');
    i = scanDecimal(t, i + 1, out, qtyScale, lotUnits);
    if (i < 0) return i;
    i = ws(t, i);
    let c = t[i];
    // Bybit sends exactly [price, size]; the JSON path reads the first two of a longer entry.
    if (c === COMMA) return fallback(out, i, 'a level with more than two entries');
    if (c !== RBRACKET) return stop(out, i, 'a level that does not end after its size');
    if (n === into.prices.length) into.grow();
    into.prices[n] = price;
    into.sizes[n] = out.num;
    n++;
    i = ws(t, i + 1);
    c = t[i];
    if (c === RBRACKET) break;
    if (c !== COMMA) return stop(out, i, 'levels that do not end in a closing bracket');
    i = ws(t, i + 1);
  }
  into.count = n;
  return i + 1;
}
