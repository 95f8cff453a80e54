import type { GridTrade, TakerSide } from '../../domain/market/market-event.ts';
import type { Micros } from '../../domain/values/units.ts';
import { readDecimal, readInteger } from './fast-readers.ts';
import { literal } from './literal.ts';
import type { ScannedBook } from './scanned-book.ts';

/*
 * Bybit writes every public-trade frame with the same keys in the same order and no whitespace
 * (`{"topic":…,"type":"snapshot","ts":…,"data":[{"T":…,"s":…,"S":…,"v":…,"p":…,"L":…,"i":…,"BT":…,
 * "RPI":…,"seq":…},…]}`), and so does `ladder synth`. This reader takes only that spelling, comparing
 * the fixed bytes between the values and reading the values; on the first byte that differs it gives
 * up (null) and the general trade scanner (trade-scanner.ts) reads the frame from the start. A frame it
 * takes is one the general scanner takes, with the same trades (test/adapters/trade-fast-path.prop.test.ts).
 */

// The byte codes are the module's own: see fast-readers.ts for why they are not imported.
const QUOTE = 34;
const COMMA = 44;
const ZERO = 48;
const NINE = 57;
const BACKSLASH = 92;
const RBRACKET = 93;
const RBRACE = 125;

const HEAD = '{"topic":"publicTrade.';
const HEAD_IS = literal(HEAD);
/** From the topic's closing quote to the frame's time. */
const TYPE_TS = '","type":"snapshot","ts":';
const TYPE_TS_IS = literal(TYPE_TS);
const DATA = ',"data":[';
const DATA_IS = literal(DATA);
/** `,"s":"SYMBOL","S":"` between the time and the side is the scratch's `tradeSymbol`. */
const TIME = '{"T":';
const TIME_IS = literal(TIME);
const TRADE_SYMBOL_LENGTH = ',"s":,"S":"'.length;
const BUY = 'Buy","v":"';
const BUY_IS = literal(BUY);
const SELL = 'Sell","v":"';
const SELL_IS = literal(SELL);
const PRICE = ',"p":"';
const PRICE_IS = literal(PRICE);
const TICK = ',"L":"';
const TICK_IS = literal(TICK);
/** From the tick direction's closing quote to the trade id. */
const ID = '","i":"';
const ID_IS = literal(ID);
/** From the trade id's closing quote to the block flag. */
const BLOCK = '","BT":';
const BLOCK_IS = literal(BLOCK);
const FALSE_RPI = 'false,"RPI":';
const FALSE_RPI_IS = literal(FALSE_RPI);
const TRUE_RPI = 'true,"RPI":';
const TRUE_RPI_IS = literal(TRUE_RPI);
const FALSE_SEQ = 'false,"seq":';
const FALSE_SEQ_IS = literal(FALSE_SEQ);
const TRUE_SEQ = 'true,"seq":';
const TRUE_SEQ_IS = literal(TRUE_SEQ);

/**
 * The trades of the frame `t[start, end)` (zero-terminated at `end`) if it is spelled exactly as Bybit
 * spells it, as the general scanner would make them; null where it is not, or a trade is refused.
 */
export function scanTradesInBybitOrder(source: Buffer, t: Uint8Array, start: number, end: number, recvTime: Micros, out: ScannedBook): GridTrade[] | null {
  const d = out.wordsOf(t);
  let i = start;
  if (!HEAD_IS(d, i, end)) return null;
  i += HEAD.length;
  for (let c = t[i]; c !== QUOTE; c = t[++i]) if (c < 0x20 || c === BACKSLASH) return null;
  if (!TYPE_TS_IS(d, i, end)) return null;
  // The general scanner skips the frame's `ts` as any JSON number; plain digits are all this reads.
  i += TYPE_TS.length;
  const digits = i;
  for (let c = t[i]; c >= ZERO && c <= NINE; c = t[++i]);
  if (i === digits || (t[digits] === ZERO && i > digits + 1) || !DATA_IS(d, i, end)) return null;
  i += DATA.length;
  const trades: GridTrade[] = [];
  if (t[i] !== RBRACKET) {
    for (;;) {
      i = readEntry(source, t, d, i, end, recvTime, out, trades);
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
function readEntry(source: Buffer, t: Uint8Array, d: DataView<ArrayBufferLike>, i: number, end: number, recvTime: Micros, out: ScannedBook, trades: GridTrade[]): number {
  if (!TIME_IS(d, i, end)) return -1;
  i = readInteger(t, i + TIME.length, out);
  if (i < 0 || !out.tradeSymbol(d, i, end)) return -1;
  const ts = out.num;
  const { instrument } = out;
  i += TRADE_SYMBOL_LENGTH + out.quotedSymbol.length;
  let side: TakerSide;
  if (BUY_IS(d, i, end)) {
    side = 'Buy';
    i += BUY.length;
  } else if (SELL_IS(d, i, end)) {
    side = 'Sell';
    i += SELL.length;
  } else {
    return -1;
  }
  i = readDecimal(t, i, out, instrument.qtyScale, instrument.lotUnits);
  if (i < 0 || !PRICE_IS(d, i, end)) return -1;
  const size = out.num;
  i = readDecimal(t, i + PRICE.length, out, instrument.priceScale, instrument.tickUnits);
  if (i < 0 || !TICK_IS(d, i, end)) return -1;
  const price = out.num;
  i += TICK.length;
  for (let c = t[i]; c !== QUOTE; c = t[++i]) if (c < 0x20 || c === BACKSLASH) return -1;
  if (!ID_IS(d, i, end)) return -1;
  i += ID.length;
  const from = i;
  for (let c = t[i]; c !== QUOTE; c = t[++i]) if (c < 0x20 || c > 0x7e || c === BACKSLASH) return -1;
  const to = i;
  if (!BLOCK_IS(d, i, end)) return -1;
  i += BLOCK.length;
  let block: boolean;
  if (FALSE_RPI_IS(d, i, end)) {
    block = false;
    i += FALSE_RPI.length;
  } else if (TRUE_RPI_IS(d, i, end)) {
    block = true;
    i += TRUE_RPI.length;
  } else {
    return -1;
  }
  if (FALSE_SEQ_IS(d, i, end)) i += FALSE_SEQ.length;
  else if (TRUE_SEQ_IS(d, i, end)) i += TRUE_SEQ.length;
  else return -1;
  const digits = i;
  for (let c = t[i]; c >= ZERO && c <= NINE; c = t[++i]);
  if (i === digits || (t[digits] === ZERO && i > digits + 1) || t[i] !== RBRACE) return -1;
  // A trade moves quantity at a price: a zero is the JSON path's to refuse and count.
  if (price === 0 || size === 0) return -1;
  const tradeId = source.toString('latin1', from, to);
  trades.push({ tradeId, symbol: instrument.symbol, price, size, takerSide: side, ts: (ts * 1000) as Micros, recvTime, blockTrade: block } as GridTrade);
  return i + 1;
}
