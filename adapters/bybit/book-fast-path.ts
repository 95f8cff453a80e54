import type { LevelBuffer } from '../../domain/market/level-buffer.ts';
import type { Micros } from '../../domain/values/units.ts';
import { ascii, BACKSLASH, COMMA, LBRACKET, QUOTE, RBRACE, RBRACKET, readDecimal, readInteger, spells } from './scan-primitives.ts';
import type { ScannedBook } from './scanned-book.ts';

/*
 * Bybit writes every order-book frame with the same keys in the same order and no whitespace
 * (`{"topic":…,"type":…,"ts":…,"data":{"s":…,"b":…,"a":…,"u":…,"seq":…},"cts":…}`), and so does
 * `ladder synth`. This reader takes only that spelling: it compares the fixed bytes between the values
 * and reads the values, with no key lookup, no whitespace skipping and no reasons kept. On the first
 * byte that differs it gives up (-1) and the general scanner (book-scanner.ts) reads the frame from the
 * start, so a frame it takes is one the general scanner takes with the same fields, and every other
 * frame gets exactly the general scanner's outcome. test/adapters/book-fast-path.prop.test.ts holds the
 * two to that.
 */

const HEAD = ascii('{"topic":"orderbook.');
const TYPE = ascii(',"type":"');
const DELTA_TS = ascii('delta","ts":');
const SNAPSHOT_TS = ascii('snapshot","ts":');
const DATA_SYMBOL = ascii(',"data":{"s":');
const BIDS = ascii(',"b":');
const ASKS = ascii(',"a":');
const U = ascii(',"u":');
const SEQ = ascii(',"seq":');
const CTS = ascii(',"cts":');

/**
 * Reads the frame `out.bytes[out.start, out.length)` (zero-terminated) if it is spelled exactly as Bybit
 * spells it, into `out` as the general scanner would; returns the index after it, or -1 where it is not.
 */
export function scanBookInBybitOrder(t: Uint8Array, out: ScannedBook): number {
  let i = out.start;
  if (!spells(t, i, HEAD)) return -1;
  i += HEAD.length;
  // The rest of the topic (depth and symbol) is not checked, as the general scanner does not.
  for (let c = t[i]; c !== QUOTE; c = t[++i]) if (c === BACKSLASH || c < 32) return -1;
  if (!spells(t, i + 1, TYPE)) return -1;
  i += 1 + TYPE.length;
  let type: ScannedBook['type'];
  if (spells(t, i, DELTA_TS)) {
    type = 'delta';
    i += DELTA_TS.length;
  } else if (spells(t, i, SNAPSHOT_TS)) {
    type = 'snapshot';
    i += SNAPSHOT_TS.length;
  } else {
    return -1;
  }
  i = readInteger(t, i, out);
  if (i < 0 || !spells(t, i, DATA_SYMBOL)) return -1;
  const ts = out.num;
  i += DATA_SYMBOL.length;
  const symbol = out.quotedSymbol;
  if (symbol.length === 0 || !spells(t, i, symbol)) return -1;
  i += symbol.length;
  if (!spells(t, i, BIDS)) return -1;
  i = readLevels(t, i + BIDS.length, out, out.bids);
  if (i < 0 || !spells(t, i, ASKS)) return -1;
  i = readLevels(t, i + ASKS.length, out, out.asks);
  if (i < 0 || !spells(t, i, U)) return -1;
  i = readInteger(t, i + U.length, out);
  if (i < 0 || !spells(t, i, SEQ)) return -1;
  const u = out.num;
  i = readInteger(t, i + SEQ.length, out);
  if (i < 0 || t[i] !== RBRACE) return -1;
  const seq = out.num;
  i++;
  // Bybit's documented frames carry the matching engine's time; older dumps may not.
  let cts = ts;
  if (t[i] === COMMA) {
    if (!spells(t, i, CTS)) return -1;
    i = readInteger(t, i + CTS.length, out);
    if (i < 0) return -1;
    cts = out.num;
  }
  if (t[i] !== RBRACE || i + 1 !== out.length) return -1;
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
