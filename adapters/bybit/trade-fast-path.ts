import type { GridTrade, TakerSide } from '../../domain/market/market-event.ts';
import type { Micros } from '../../domain/values/units.ts';
import { ascii, BACKSLASH, COMMA, NINE, QUOTE, RBRACE, RBRACKET, readDecimal, readInteger, spells, ZERO } from './scan-primitives.ts';
import type { ScannedBook } from './scanned-book.ts';

/*
 * Bybit writes every public-trade frame with the same keys in the same order and no whitespace
 * (`{"topic":…,"type":"snapshot","ts":…,"data":[{"T":…,"s":…,"S":…,"v":…,"p":…,"L":…,"i":…,"BT":…,
 * "RPI":…,"seq":…},…]}`), and so does `ladder synth`. This reader takes only that spelling, comparing
 * the fixed bytes between the values and reading the values; on the first byte that differs it gives
 * up (null) and the general trade scanner (trade-scanner.ts) reads the frame from the start. A frame it
 * takes is one the general scanner takes, with the same trades (test/adapters/trade-fast-path.prop.test.ts).
 */

const HEAD = ascii('{"topic":"publicTrade.');
const TYPE_TS = ascii(',"type":"snapshot","ts":');
const DATA = ascii(',"data":[');
const TIME = ascii('{"T":');
const SYMBOL = ascii(',"s":');
const SIDE = ascii(',"S":"');
const BUY = ascii('Buy"');
const SELL = ascii('Sell"');
const SIZE = ascii(',"v":"');
const PRICE = ascii(',"p":"');
const TICK = ascii(',"L":"');
const ID = ascii(',"i":"');
const BLOCK = ascii(',"BT":');
const RPI = ascii(',"RPI":');
const SEQ = ascii(',"seq":');
const TRUE = ascii('true');
const FALSE = ascii('false');

/**
 * The trades of the frame `t[start, end)` (zero-terminated at `end`) if it is spelled exactly as Bybit
 * spells it, as the general scanner would make them; null where it is not, or a trade is refused.
 */
export function scanTradesInBybitOrder(source: Buffer, t: Uint8Array, start: number, end: number, recvTime: Micros, out: ScannedBook): GridTrade[] | null {
  let i = start;
  if (!spells(t, i, HEAD)) return null;
  i += HEAD.length;
  for (let c = t[i]; c !== QUOTE; c = t[++i]) if (c < 0x20 || c === BACKSLASH) return null;
  if (!spells(t, i + 1, TYPE_TS)) return null;
  // The general scanner skips the frame's `ts` as any JSON number; plain digits are all this reads.
  i += 1 + TYPE_TS.length;
  const digits = i;
  for (let c = t[i]; c >= ZERO && c <= NINE; c = t[++i]);
  if (i === digits || (t[digits] === ZERO && i > digits + 1) || !spells(t, i, DATA)) return null;
  i += DATA.length;
  const trades: GridTrade[] = [];
  if (t[i] !== RBRACKET) {
    for (;;) {
      i = readEntry(source, t, i, recvTime, out, trades);
      if (i < 0) return null;
      const c = t[i];
      if (c === RBRACKET) break;
      if (c !== COMMA) return null;
      i++;
    }
  }
  return t[i + 1] === RBRACE && i + 2 === end ? trades : null;
}

/** One trade entry in Bybit's order into `trades`; the index after its closing brace, or -1. */
function readEntry(source: Buffer, t: Uint8Array, i: number, recvTime: Micros, out: ScannedBook, trades: GridTrade[]): number {
  if (!spells(t, i, TIME)) return -1;
  i = readInteger(t, i + TIME.length, out);
  if (i < 0 || !spells(t, i, SYMBOL)) return -1;
  const ts = out.num;
  const { instrument, quotedSymbol } = out;
  i += SYMBOL.length;
  if (quotedSymbol.length === 0 || !spells(t, i, quotedSymbol)) return -1;
  i += quotedSymbol.length;
  if (!spells(t, i, SIDE)) return -1;
  i += SIDE.length;
  let side: TakerSide;
  if (spells(t, i, BUY)) {
    side = 'Buy';
    i += BUY.length;
  } else if (spells(t, i, SELL)) {
    side = 'Sell';
    i += SELL.length;
  } else {
    return -1;
  }
  if (!spells(t, i, SIZE)) return -1;
  i = readDecimal(t, i + SIZE.length, out, instrument.qtyScale, instrument.lotUnits);
  if (i < 0 || !spells(t, i, PRICE)) return -1;
  const size = out.num;
  i = readDecimal(t, i + PRICE.length, out, instrument.priceScale, instrument.tickUnits);
  if (i < 0 || !spells(t, i, TICK)) return -1;
  const price = out.num;
  i += TICK.length;
  for (let c = t[i]; c !== QUOTE; c = t[++i]) if (c < 0x20 || c === BACKSLASH) return -1;
  if (!spells(t, i + 1, ID)) return -1;
  i += 1 + ID.length;
  const from = i;
  for (let c = t[i]; c !== QUOTE; c = t[++i]) if (c < 0x20 || c > 0x7e || c === BACKSLASH) return -1;
  const to = i;
  if (!spells(t, i + 1, BLOCK)) return -1;
  i += 1 + BLOCK.length;
  let block: boolean;
  if (spells(t, i, FALSE)) {
    block = false;
    i += FALSE.length;
  } else if (spells(t, i, TRUE)) {
    block = true;
    i += TRUE.length;
  } else {
    return -1;
  }
  if (!spells(t, i, RPI)) return -1;
  i += RPI.length;
  if (spells(t, i, FALSE)) i += FALSE.length;
  else if (spells(t, i, TRUE)) i += TRUE.length;
  else return -1;
  if (!spells(t, i, SEQ)) return -1;
  i += SEQ.length;
  const digits = i;
  for (let c = t[i]; c >= ZERO && c <= NINE; c = t[++i]);
  if (i === digits || (t[digits] === ZERO && i > digits + 1) || t[i] !== RBRACE) return -1;
  // A trade moves quantity at a price: a zero is the JSON path's to refuse and count.
  if (price === 0 || size === 0) return -1;
  const tradeId = source.toString('latin1', from, to);
  trades.push({ tradeId, symbol: instrument.symbol, price, size, takerSide: side, ts: (ts * 1000) as Micros, recvTime, blockTrade: block } as GridTrade);
  return i + 1;
}
