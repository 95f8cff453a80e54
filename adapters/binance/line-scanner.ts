import { LevelBuffer } from '../../domain/market/level-buffer.ts';
import type { RawLevel } from '../../domain/market/market-event.ts';
import type { Instrument } from '../../domain/values/instrument.ts';

/**
 * The fields of a combined-stream payload that parse.ts reads, as `JSON.parse` would give them; a
 * field the line lacks is undefined. One instance is reused line after line: the parsers read it and
 * keep none of it but the values (strings, numbers, and level arrays made fresh for each line).
 */
export class ScannedPayload {
  e: unknown;
  E: unknown;
  T: unknown;
  s: unknown;
  U: unknown;
  u: unknown;
  pu: unknown;
  b: unknown;
  a: unknown;
  B: unknown;
  A: unknown;
  t: unknown;
  p: unknown;
  q: unknown;
  X: unknown;
  m: unknown;
  /** Bit k set: the field of slot k (see `slotOf`) was given. */
  seen = 0;
  /** A levels array was read as strings although an instrument was given (a value off its grid, or unusual). */
  offGrid = false;
  /** A levels array was read onto the instrument's grid, as a `LevelBuffer`. */
  onGrid = false;

  reset(): void {
    this.e = this.E = this.T = this.s = this.U = this.u = this.pu = this.b = this.a = undefined;
    this.B = this.A = this.t = this.p = this.q = this.X = this.m = undefined;
    this.seen = 0;
    this.offGrid = this.onGrid = false;
  }

  /** Stores the value of slot `slot`; false where the line gave it before (JSON.parse would keep the last: the line is left to it). */
  set(slot: number, value: unknown): boolean {
    if ((this.seen & (1 << slot)) !== 0) return false;
    this.seen |= 1 << slot;
    switch (slot) {
      case 0: this.e = value; break;
      case 1: this.E = value; break;
      case 2: this.T = value; break;
      case 3: this.s = value; break;
      case 4: this.U = value; break;
      case 5: this.u = value; break;
      case 6: this.pu = value; break;
      case 7: this.b = value; break;
      case 8: this.a = value; break;
      case 9: this.B = value; break;
      case 10: this.A = value; break;
      case 11: this.t = value; break;
      case 12: this.p = value; break;
      case 13: this.q = value; break;
      case 14: this.X = value; break;
      case 15: this.m = value; break;
    }
    return true;
  }
}

/** The one-letter keys stored, by slot; `pu` is slot 6. */
const LETTERS = 'eETsUu_baBAtpqXm';
const NO_SLOT = -1;

/**
 * The slot of the key text[start, end), read without making it a string: a key parse.ts reads, or
 * NO_SLOT for another, whose value is read and dropped, as parse.ts never looks at it.
 */
function slotOf(text: string, start: number, end: number): number {
  if (end - start === 2) return text.charCodeAt(start) === 0x70 && text.charCodeAt(start + 1) === 0x75 ? 6 : NO_SLOT;
  if (end - start !== 1) return NO_SLOT;
  const slot = LETTERS.indexOf(text[start]);
  return slot === 6 ? NO_SLOT : slot;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const ZERO = 0x30;
const NINE = 0x39;
const DOT = 0x2e;

const HEAD = '{"stream":"';
const DATA = ',"data":{';

/** Not a line this scanner reads: the caller parses it with `JSON.parse`. */
const REFUSED = -1;

/**
 * Reads a Binance combined-stream line, `{"stream":"…","data":{…}}` exactly as Binance writes it (no
 * whitespace, nothing after it), without `JSON.parse`: the payload's fields go into `out`, and the
 * stream name is returned. Returns null (the caller then takes the `JSON.parse` path) on anything
 * else or unusual: whitespace, an escape or control character in a string, a number that is not a
 * plain integer of at most 15 digits, a null, an object or other array than `[["p","q"],…]`, a key
 * given twice. What it does read, it reads as `JSON.parse` does, value for value:
 * test/adapters/binance-line-scanner.prop.test.ts holds the two paths to the same messages.
 *
 * With an instrument (`grid`), levels arrays are read straight into ticks and lots, as a `LevelBuffer`
 * of the array's own size, where every price and size is a plain decimal on the grid (price above
 * zero): exactly the values `priceToTicks` and `qtyToLots` would give the strings. A line where one
 * array is not, or whose symbol `s` is not the instrument's, is read again with strings throughout,
 * so that the book checks and reports it as before (test/adapters/binance-grid-levels.prop.test.ts).
 */
export function scanCombinedLine(text: string, out: ScannedPayload, grid: Instrument | null = null): string | null {
  if (!text.startsWith(HEAD)) return null;
  const streamEnd = stringEnd(text, HEAD.length);
  if (streamEnd === REFUSED || !text.startsWith(DATA, streamEnd + 1)) return null;
  const stream = text.slice(HEAD.length, streamEnd);
  out.reset();
  let i = streamEnd + 1 + DATA.length;
  if (text.charCodeAt(i) === CLOSE_OBJECT) i++;
  else {
    for (;;) {
      i = field(text, i, out, grid);
      if (i === REFUSED) return null;
      const c = text.charCodeAt(i++);
      if (c === CLOSE_OBJECT) break;
      if (c !== COMMA) return null;
    }
  }
  // The data object closes, then the frame, and the line ends there.
  if (text.charCodeAt(i) !== CLOSE_OBJECT || i + 1 !== text.length) return null;
  if (out.onGrid && (out.offGrid || out.s !== grid?.symbol)) return scanCombinedLine(text, out, null);
  return stream;
}

/** One `"key":value` from `i`, stored in `out`; the index after it, or REFUSED. */
function field(text: string, i: number, out: ScannedPayload, grid: Instrument | null): number {
  if (text.charCodeAt(i) !== QUOTE) return REFUSED;
  const keyEnd = stringEnd(text, i + 1);
  if (keyEnd === REFUSED || text.charCodeAt(keyEnd + 1) !== COLON) return REFUSED;
  const slot = slotOf(text, i + 1, keyEnd);
  const at = keyEnd + 2;
  const c = text.charCodeAt(at);
  let value: unknown;
  let next: number;
  if (c === QUOTE) {
    next = stringEnd(text, at + 1);
    if (next === REFUSED) return REFUSED;
    value = text.slice(at + 1, next);
    next++;
  } else if (c >= ZERO && c <= NINE) {
    next = integerEnd(text, at);
    if (next === REFUSED) return REFUSED;
    value = integerValue(text, at, next);
  } else if (text.startsWith('true', at)) {
    value = true;
    next = at + 4;
  } else if (text.startsWith('false', at)) {
    value = false;
    next = at + 5;
  } else if (c === OPEN_ARRAY) {
    if (grid !== null) {
      next = gridLevelsEnd(text, at, grid);
      if (next !== REFUSED) {
        out.onGrid = true;
        value = scratch.copy();
        return slot === NO_SLOT || out.set(slot, value) ? next : REFUSED;
      }
      out.offGrid = true;
    }
    const levels: RawLevel[] = [];
    next = levelsEnd(text, at, levels);
    if (next === REFUSED) return REFUSED;
    value = levels;
  } else {
    return REFUSED;
  }
  return slot === NO_SLOT || out.set(slot, value) ? next : REFUSED;
}

/** The index of the quote that closes the string whose first character is at `i`; REFUSED at an escape or a control character. */
function stringEnd(text: string, i: number): number {
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < 0x20) return REFUSED;
  }
  return REFUSED;
}

/**
 * The index after the integer at `i`: `0`, or a digit 1–9 and at most 14 more, so that it is exact in
 * a double; REFUSED where a fraction, an exponent or a longer number follows (JSON.parse reads those).
 */
function integerEnd(text: string, i: number): number {
  const start = i;
  if (text.charCodeAt(i) === ZERO) i++;
  else while (i < text.length && text.charCodeAt(i) >= ZERO && text.charCodeAt(i) <= NINE) i++;
  if (i - start > 15) return REFUSED;
  const c = text.charCodeAt(i);
  return (c >= ZERO && c <= NINE) || c === 0x2e || c === 0x65 || c === 0x45 ? REFUSED : i;
}

function integerValue(text: string, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) v = v * 10 + (text.charCodeAt(i) - ZERO);
  return v;
}

/** `[]` or `[["price","size"],…]` from `i` into `levels`; the index after it, or REFUSED. */
function levelsEnd(text: string, i: number, levels: RawLevel[]): number {
  i++;
  if (text.charCodeAt(i) === CLOSE_ARRAY) return i + 1;
  for (;;) {
    if (text.charCodeAt(i) !== OPEN_ARRAY || text.charCodeAt(i + 1) !== QUOTE) return REFUSED;
    const priceEnd = stringEnd(text, i + 2);
    if (priceEnd === REFUSED || text.charCodeAt(priceEnd + 1) !== COMMA || text.charCodeAt(priceEnd + 2) !== QUOTE) return REFUSED;
    const sizeEnd = stringEnd(text, priceEnd + 3);
    if (sizeEnd === REFUSED || text.charCodeAt(sizeEnd + 1) !== CLOSE_ARRAY) return REFUSED;
    levels.push([text.slice(i + 2, priceEnd), text.slice(priceEnd + 3, sizeEnd)]);
    i = sizeEnd + 2;
    const c = text.charCodeAt(i++);
    if (c === CLOSE_ARRAY) return i;
    if (c !== COMMA) return REFUSED;
  }
}

/** The levels of the array being read onto the grid; copied out at its own size, as a diff may be kept. */
const scratch = new LevelBuffer();

/**
 * `[]` or `[["price","size"],…]` from `i` into `scratch`, prices in ticks and sizes in lots of
 * `instrument`; the index after it, or REFUSED at anything `levelsEnd` would read otherwise than
 * as a plain decimal on the grid (the strings are then kept, and the book decides).
 */
function gridLevelsEnd(text: string, i: number, instrument: Instrument): number {
  const { priceScale, tickUnits, qtyScale, lotUnits } = instrument;
  let n = 0;
  i++;
  if (text.charCodeAt(i) !== CLOSE_ARRAY) {
    for (;;) {
      if (text.charCodeAt(i) !== OPEN_ARRAY || text.charCodeAt(i + 1) !== QUOTE) return REFUSED;
      i = gridDecimalEnd(text, i + 2, priceScale, tickUnits);
      // A price must be above zero (priceToTicks's NotPositive).
      if (i === REFUSED || decimal === 0 || text.charCodeAt(i + 1) !== COMMA || text.charCodeAt(i + 2) !== QUOTE) return REFUSED;
      const price = decimal;
      i = gridDecimalEnd(text, i + 3, qtyScale, lotUnits);
      if (i === REFUSED || text.charCodeAt(i + 1) !== CLOSE_ARRAY) return REFUSED;
      if (n === scratch.prices.length) scratch.grow();
      scratch.prices[n] = price;
      scratch.sizes[n] = decimal;
      n++;
      i += 2;
      const c = text.charCodeAt(i);
      if (c === CLOSE_ARRAY) break;
      if (c !== COMMA) return REFUSED;
      i++;
    }
  }
  scratch.count = n;
  return i + 1;
}

/** The value `gridDecimalEnd` read last: a whole number of steps. */
let decimal = 0;

/**
 * The decimal whose first character is at `i` and which a quote closes, as a whole number of steps of
 * `units` at `scale` decimals, into `decimal`; returns the index of the closing quote. Reads as
 * `parseScaled` (domain/values/decimal.ts) does, with the same operations in the same order, then the
 * grid check of `toGrid`; takes only digits with at most one point that has digits on both sides, and
 * refuses (REFUSED) a sign, anything finer than the scale but trailing zeros, a value too large to be
 * exact, and one off the grid.
 */
function gridDecimalEnd(text: string, i: number, scale: number, units: number): number {
  const start = i;
  let value = 0;
  let c = text.charCodeAt(i);
  while (c >= ZERO && c <= NINE) {
    value = value * 10 + (c - ZERO);
    c = text.charCodeAt(++i);
  }
  if (i === start) return REFUSED;
  let decimals = 0;
  if (c === DOT) {
    const point = i;
    c = text.charCodeAt(++i);
    while (c >= ZERO && c <= NINE) {
      if (decimals < scale) {
        value = value * 10 + (c - ZERO);
        decimals++;
      } else if (c !== ZERO) {
        return REFUSED;
      }
      c = text.charCodeAt(++i);
    }
    if (i === point + 1) return REFUSED;
  }
  if (c !== QUOTE) return REFUSED;
  for (let k = scale - decimals; k > 0; k--) value *= 10;
  if (!Number.isSafeInteger(value) || value % units !== 0) return REFUSED;
  decimal = value / units;
  return i;
}
