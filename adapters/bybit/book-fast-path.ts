import type { LevelBuffer } from '../../domain/market/level-buffer.ts';
import type { Micros } from '../../domain/values/units.ts';
import { readDecimal, readInteger } from './fast-readers.ts';
import { literal } from './literal.ts';
import type { ScannedBook } from './scanned-book.ts';

/*
 * Bybit writes every order-book frame with the same keys in the same order and no whitespace
 * (`{"topic":…,"type":…,"ts":…,"data":{"s":…,"b":…,"a":…,"u":…,"seq":…},"cts":…}`), and so does
 * `ladder synth`. This reader takes only that spelling: it compares the fixed bytes between the values
 * and reads the values, with no key lookup, no whitespace skipping and no reasons kept. On the first
 * byte that differs it gives up (-1) and the general scanner (book-scanner.ts) reads the frame from the
 * start, so a frame it takes is one the general scanner takes with the same fields, and every other
 * frame gets exactly the general scanner's outcome. test/adapters/book-fast-path.prop.test.ts holds the
 * two to that. The fixed bytes are compared four at a time (`Literal`, literal.ts), and neighbouring
 * runs of them are one literal: the end of the topic's string with the type and the key of `ts`.
 */

// The byte codes are the module's own: see fast-readers.ts for why they are not imported.
const QUOTE = 34;
const COMMA = 44;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const RBRACE = 125;

const HEAD = '{"topic":"orderbook.';
const HEAD_IS = literal(HEAD);
/** From the topic's closing quote to the frame's time; `,"data":{"s":"SYMBOL","b":` is the scratch's `bookSymbol`. */
const DELTA_TS = '","type":"delta","ts":';
const DELTA_TS_IS = literal(DELTA_TS);
const SNAPSHOT_TS = '","type":"snapshot","ts":';
const SNAPSHOT_TS_IS = literal(SNAPSHOT_TS);
/** The bytes of the scratch's `bookSymbol` besides the quoted symbol's. */
const BOOK_SYMBOL_LENGTH = ',"data":{"s":,"b":'.length;
const ASKS = ',"a":';
const ASKS_IS = literal(ASKS);
const U = ',"u":';
const U_IS = literal(U);
const SEQ = ',"seq":';
const SEQ_IS = literal(SEQ);
const CTS = ',"cts":';
const CTS_IS = literal(CTS);

/**
 * Reads the frame `out.bytes[out.start, out.length)` (zero-terminated) if it is spelled exactly as Bybit
 * spells it, into `out` as the general scanner would; returns the index after it, or -1 where it is not.
 */
export function scanBookInBybitOrder(t: Uint8Array, out: ScannedBook): number {
  const d = out.wordsOf(t);
  const end = out.length;
  let i = out.start;
  if (!HEAD_IS(d, i, end)) return -1;
  i += HEAD.length;
  // The rest of the topic (depth and symbol) is not checked, as the general scanner does not.
  for (let c = t[i]; c !== QUOTE; c = t[++i]) if (c === BACKSLASH || c < 32) return -1;
  let type: ScannedBook['type'];
  if (DELTA_TS_IS(d, i, end)) {
    type = 'delta';
    i += DELTA_TS.length;
  } else if (SNAPSHOT_TS_IS(d, i, end)) {
    type = 'snapshot';
    i += SNAPSHOT_TS.length;
  } else {
    return -1;
  }
  i = readInteger(t, i, out);
  if (i < 0 || !out.bookSymbol(d, i, end)) return -1;
  const ts = out.num;
  i = readLevels(t, i + BOOK_SYMBOL_LENGTH + out.quotedSymbol.length, out, out.bids);
  if (i < 0 || !ASKS_IS(d, i, end)) return -1;
  i = readLevels(t, i + ASKS.length, out, out.asks);
  if (i < 0 || !U_IS(d, i, end)) return -1;
  i = readInteger(t, i + U.length, out);
  if (i < 0 || !SEQ_IS(d, i, end)) return -1;
  const u = out.num;
  i = readInteger(t, i + SEQ.length, out);
  if (i < 0 || t[i] !== RBRACE) return -1;
  const seq = out.num;
  i++;
  // Bybit's documented frames carry the matching engine's time; older dumps may not.
  let cts = ts;
  if (t[i] === COMMA) {
    if (!CTS_IS(d, i, end)) return -1;
    i = readInteger(t, i + CTS.length, out);
    if (i < 0) return -1;
    cts = out.num;
  }
  if (t[i] !== RBRACE || i + 1 !== end) return -1;
  out.isBook = true;
  out.type = type;
  // Bybit's times are milliseconds; the system keeps microseconds.
  out.ts = (ts * 1000) as Micros;
  out.cts = (cts * 1000) as Micros;
  out.u = u;
  out.seq = seq;
  return i + 1;
}

/** `[["price","size"],...]` into `into`, on the grid; the index after the closing bracket, or -1. */
function readLevels(t: Uint8Array, i: number, out: ScannedBook, into: LevelBuffer): number {
  if (t[i] !== LBRACKET) return -1;
  i++;
  let n = 0;
  if (t[i] !== RBRACKET) {
    const { priceScale, tickUnits, qtyScale, lotUnits } = out.instrument;
    for (;;) {
      if (t[i] !== LBRACKET || t[i + 1] !== QUOTE) return -1;
      i = readDecimal(t, i + 2, out, priceScale, tickUnits);
      if (i < 0 || t[i] !== COMMA || t[i + 1] !== QUOTE) return -1;
      const price = out.num;
      if (price === 0) return -1;
      i = readDecimal(t, i + 2, out, qtyScale, lotUnits);
      if (i < 0 || t[i] !== RBRACKET) return -1;
      if (n === into.prices.length) into.grow();
      into.prices[n] = price;
      into.sizes[n] = out.num;
      n++;
      const c = t[++i];
      if (c === RBRACKET) break;
      if (c !== COMMA) return -1;
      i++;
    }
  }
  into.count = n;
  return i + 1;
}
