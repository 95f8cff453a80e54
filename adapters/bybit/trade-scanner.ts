import type { GridTrade, TakerSide } from '../../domain/market/market-event.ts';
import type { Micros } from '../../domain/values/units.ts';
import { ascii, BACKSLASH, COLON, COMMA, DOT, LBRACE, LBRACKET, LOWER_E, MINUS, NINE, QUOTE, RBRACE, RBRACKET, scanDecimal, scanInteger, spells, UPPER_E, ZERO, ws } from './scan-primitives.ts';
import type { ScannedBook } from './scanned-book.ts';
import { scanTradesInBybitOrder } from './trade-fast-path.ts';

/**
 * A reader of Bybit v5 `publicTrade.{symbol}` frames that skips JSON.parse and puts each trade on the
 * instrument's grid as it reads it: price and size straight from their digits to ticks and lots (as
 * the book scanner does), the trade id the one string made. It runs on the bytes of a read chunk,
 * zero-terminated for the span of the scan as `scanBookIn` does it, with the book scanner's scratch.
 *
 * It decides nothing it is unsure of: it returns trades only for a frame whose every byte it has read
 * as plain JSON (no escape, no nested value outside `data`, no repeated key, no non-ASCII trade id)
 * whose trades are all of the instrument's symbol with a positive price and size on the grid, which
 * `parseBybitFrame` and `tradeFromRaw` would turn into exactly these trades. Anything else is null,
 * and the caller goes through the JSON path, which reports what is wrong the usual way.
 * test/adapters/trade-scanner.test.ts compares the two on every trade frame it has.
 */
export function scanTradesIn(source: Buffer, t: Uint8Array, start: number, end: number, recvTime: Micros, out: ScannedBook): GridTrade[] | null {
  if (end >= t.length) return null;
  const after = t[end];
  t[end] = 0;
  try {
    // Bybit's own spelling first; anything else, from the start again, in any order.
    return scanTradesInBybitOrder(source, t, start, end, recvTime, out) ?? scanFrame(source, t, start, end, recvTime, out);
  } finally {
    t[end] = after;
  }
}

const TOPIC = ascii('topic');
const DATA = ascii('data');
const PUBLIC_TRADE = ascii('"publicTrade.');
const BUY = ascii('"Buy"');
const SELL = ascii('"Sell"');
const TRUE = ascii('true');
const FALSE = ascii('false');
const NULL = ascii('null');

function scanFrame(source: Buffer, t: Uint8Array, start: number, end: number, recvTime: Micros, out: ScannedBook): GridTrade[] | null {
  let i = ws(t, start);
  if (t[i] !== LBRACE) return null;
  let topicSeen = false;
  let trades: GridTrade[] | null = null;
  i = ws(t, i + 1);
  for (;;) {
    if (t[i] !== QUOTE) return null;
    const keyStart = i + 1;
    i = skipString(t, keyStart);
    if (i < 0) return null;
    const keyLength = i - 1 - keyStart;
    i = ws(t, i);
    if (t[i] !== COLON) return null;
    i = ws(t, i + 1);
    if (keyLength === TOPIC.length && spells(t, keyStart, TOPIC)) {
      if (topicSeen || !spells(t, i, PUBLIC_TRADE)) return null;
      topicSeen = true;
      i = skipString(t, i + 1);
    } else if (keyLength === DATA.length && spells(t, keyStart, DATA)) {
      if (trades !== null) return null;
      trades = [];
      i = scanData(source, t, i, recvTime, out, trades);
    } else {
      i = skipValue(t, i);
    }
    if (i < 0) return null;
    i = ws(t, i);
    if (t[i] === RBRACE) break;
    if (t[i] !== COMMA) return null;
    i = ws(t, i + 1);
  }
  i = ws(t, i + 1);
  return i === end && topicSeen ? trades : null;
}

/** `[{...}, ...]` of trade entries into `trades`. */
function scanData(source: Buffer, t: Uint8Array, i: number, recvTime: Micros, out: ScannedBook, trades: GridTrade[]): number {
  if (t[i] !== LBRACKET) return -1;
  i = ws(t, i + 1);
  if (t[i] === RBRACKET) return i + 1;
  for (;;) {
    i = scanEntry(source, t, i, recvTime, out, trades);
    if (i < 0) return i;
    i = ws(t, i);
    if (t[i] === RBRACKET) return i + 1;
    if (t[i] !== COMMA) return -1;
    i = ws(t, i + 1);
  }
}

const K_T = 0, K_S = 1, K_SIDE = 2, K_V = 3, K_P = 4, K_I = 5, K_BT = 6;
const ALL_KEYS = 0b1111111;

/** One trade `{"T":…,"s":…,"S":…,"v":…,"p":…,"i":…,"BT":…}`, other keys skipped, in any order. */
function scanEntry(source: Buffer, t: Uint8Array, i: number, recvTime: Micros, out: ScannedBook, trades: GridTrade[]): number {
  if (t[i] !== LBRACE) return -1;
  i = ws(t, i + 1);
  const { instrument } = out;
  let seen = 0;
  let ts = 0;
  let side: TakerSide = 'Buy';
  let size = 0;
  let price = 0;
  let id = '';
  let block = false;
  for (;;) {
    if (t[i] !== QUOTE) return -1;
    // A key read is known by its bytes and closing quote; only another key is skipped as a string.
    const key = entryKey(t, i + 1);
    i = key === K_BT ? i + 4 : key >= 0 ? i + 3 : skipString(t, i + 1);
    if (i < 0) return i;
    i = ws(t, i);
    if (t[i] !== COLON) return -1;
    i = ws(t, i + 1);
    if (key >= 0) {
      if ((seen & (1 << key)) !== 0) return -1;
      seen |= 1 << key;
    }
    switch (key) {
      case K_T:
        // The book scanner's integer: a safe one, or the JSON path decides ("1.0", "1e3" and "01" included).
        i = scanInteger(t, i, out);
        ts = out.num;
        break;
      case K_S:
        // Another symbol is skipped and counted by the JSON path.
        if (out.quotedSymbol.length === 0 || !spells(t, i, out.quotedSymbol)) return -1;
        i += out.quotedSymbol.length;
        break;
      case K_SIDE:
        if (spells(t, i, BUY)) {
          side = 'Buy';
          i += BUY.length;
        } else if (spells(t, i, SELL)) {
          side = 'Sell';
          i += SELL.length;
        } else {
          return -1;
        }
        break;
      case K_V:
        if (t[i] !== QUOTE) return -1;
        i = scanDecimal(t, i + 1, out, instrument.qtyScale, instrument.lotUnits);
        size = out.num;
        break;
      case K_P:
        if (t[i] !== QUOTE) return -1;
        i = scanDecimal(t, i + 1, out, instrument.priceScale, instrument.tickUnits);
        price = out.num;
        break;
      case K_I: {
        if (t[i] !== QUOTE) return -1;
        const from = i + 1;
        i = skipPrintable(t, from);
        if (i < 0) return i;
        id = source.toString('latin1', from, i - 1);
        break;
      }
      case K_BT:
        if (spells(t, i, TRUE)) {
          block = true;
          i += TRUE.length;
        } else if (spells(t, i, FALSE)) {
          block = false;
          i += FALSE.length;
        } else {
          return -1;
        }
        break;
      default:
        i = skipValue(t, i);
    }
    if (i < 0) return -1;
    i = ws(t, i);
    if (t[i] === RBRACE) break;
    if (t[i] !== COMMA) return -1;
    i = ws(t, i + 1);
  }
  // A trade moves quantity at a price: a zero is the JSON path's to refuse and count.
  if (seen !== ALL_KEYS || price === 0 || size === 0) return -1;
  trades.push({ tradeId: id, symbol: instrument.symbol, price, size, takerSide: side, ts: (ts * 1000) as Micros, recvTime, blockTrade: block } as GridTrade);
  return i + 1;
}

/** The number of the trade entry's key whose name and closing quote start at `start`, or -1 for a key not read. */
function entryKey(t: Uint8Array, start: number): number {
  if (t[start + 1] === QUOTE) {
    switch (t[start]) {
      case 84: return K_T; // T
      case 115: return K_S; // s
      case 83: return K_SIDE; // S
      case 118: return K_V; // v
      case 112: return K_P; // p
      case 105: return K_I; // i
      default: return -1;
    }
  }
  return t[start] === 66 && t[start + 1] === 84 && t[start + 2] === QUOTE ? K_BT : -1; // BT
}

/** Skips a string after its opening quote: any UTF-8 but no escape or control character. */
function skipString(t: Uint8Array, i: number): number {
  for (let c = t[i]; c !== QUOTE; c = t[++i]) if (c < 0x20 || c === BACKSLASH) return -1;
  return i + 1;
}

/** Skips a string after its opening quote made of printable ASCII only (what a trade id is read from). */
function skipPrintable(t: Uint8Array, i: number): number {
  for (let c = t[i]; c !== QUOTE; c = t[++i]) if (c < 0x20 || c > 0x7e || c === BACKSLASH) return -1;
  return i + 1;
}

/** Skips a string, a number, true, false or null; anything else (an object, an array) is left to JSON. */
function skipValue(t: Uint8Array, i: number): number {
  const c = t[i];
  if (c === QUOTE) return skipString(t, i + 1);
  if (c === MINUS || (c >= ZERO && c <= NINE)) return skipNumber(t, i);
  if (spells(t, i, TRUE) || spells(t, i, NULL)) return i + 4;
  if (spells(t, i, FALSE)) return i + 5;
  return -1;
}

/** Skips a JSON number (RFC 8259's grammar exactly); -1 where it is not one. */
function skipNumber(t: Uint8Array, i: number): number {
  if (t[i] === MINUS) i++;
  let c = t[i];
  if (c === ZERO) {
    c = t[++i];
  } else if (c > ZERO && c <= NINE) {
    while (c >= ZERO && c <= NINE) c = t[++i];
  } else {
    return -1;
  }
  if (c === DOT) {
    const point = i;
    c = t[++i];
    while (c >= ZERO && c <= NINE) c = t[++i];
    if (i === point + 1) return -1;
  }
  if (c === LOWER_E || c === UPPER_E) {
    c = t[++i];
    if (c === 43 || c === MINUS) c = t[++i];
    const digits = i;
    while (c >= ZERO && c <= NINE) c = t[++i];
    if (i === digits) return -1;
  }
  return i;
}

/** The general scanner alone, whatever the frame's spelling (`scanTradesIn` without its fast path): for the property that holds the two together. */
export function scanTradesInAnyOrder(source: Buffer, t: Uint8Array, start: number, end: number, recvTime: Micros, out: ScannedBook): GridTrade[] | null {
  if (end >= t.length) return null;
  const after = t[end];
  t[end] = 0;
  try {
    return scanFrame(source, t, start, end, recvTime, out);
  } finally {
    t[end] = after;
  }
}
