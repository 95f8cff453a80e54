import type { ScannedBook } from './scanned-book.ts';

/*
 * The byte-level pieces the order-book scanner is built from: the byte codes it compares against, its
 * two failure codes, and the readers of whitespace, integers and grid decimals. See `book-scanner.ts`.
 */

export const QUOTE = 34;
export const COMMA = 44;
export const MINUS = 45;
export const DOT = 46;
export const ZERO = 48;
export const NINE = 57;
export const COLON = 58;
export const UPPER_E = 69;
export const LOWER_E = 101;
export const LBRACKET = 91;
export const BACKSLASH = 92;
export const RBRACKET = 93;
export const LBRACE = 123;
export const RBRACE = 125;

/** Scanning functions return the index after what they read, or one of these (always negative). */
export const FALLBACK = -1;
export const MALFORMED = -2;

/** Records why the scan stopped; a problem before the topic is known is left to the JSON path. */
export function stop(out: ScannedBook, at: number, reason: string): number {
  out.reason = reason;
  out.at = at;
  return out.isBook ? MALFORMED : FALLBACK;
}

export function fallback(out: ScannedBook, at: number, reason: string): number {
  out.reason = reason;
  out.at = at;
  return FALLBACK;
}

/** The bytes of an ASCII word, to compare with `spells`. */
export function ascii(word: string): Uint8Array {
  return Uint8Array.from(word, (ch) => ch.charCodeAt(0));
}

/**
 * Whether the bytes at `i` are `word`'s; stops at the first difference, so at the zero byte. A
 * typed array rather than a string: reading a string's character codes cost the scanners more than
 * the comparison itself.
 */
export function spells(t: Uint8Array, i: number, word: Uint8Array): boolean {
  for (let k = 0; k < word.length; k++) if (t[i + k] !== word[k]) return false;
  return true;
}

/**
 * Skips JSON whitespace (space, tab, line feed, carriage return). Every byte that ends whitespace in
 * a frame (a quote, a bracket, a digit...) is above the space, so one comparison settles the usual case.
 */
export function ws(t: Uint8Array, i: number): number {
  let c = t[i];
  while (c <= 32 && (c === 32 || c === 10 || c === 13 || c === 9)) c = t[++i];
  return i;
}

/**
 * A JSON integer into `out.num`: the digits of a non-negative safe integer without leading zeros.
 * A fraction or exponent may still make an integer for JSON.parse ("1.0"), and a negative is legal
 * JSON the order book has no use for: both are left to the JSON path.
 */
export function scanInteger(t: Uint8Array, i: number, out: ScannedBook): number {
  const start = i;
  let value = 0;
  let c = t[i];
  while (c >= ZERO && c <= NINE) {
    value = value * 10 + (c - ZERO);
    c = t[++i];
  }
  if (c === DOT || c === LOWER_E || c === UPPER_E || c === MINUS) return fallback(out, i, 'a number the scanner does not read');
  if (i === start) return stop(out, i, 'expected an integer');
  if (t[start] === ZERO && i > start + 1) return stop(out, start, 'an integer with a leading zero');
  if (value > Number.MAX_SAFE_INTEGER) return stop(out, start, 'an integer too large to hold exactly');
  out.num = value;
  return i;
}

/**
 * A decimal string's content (after its opening quote) as a whole number of steps of `units` at
 * `scale` decimals, into `out.num`; returns the index after the closing quote. Accepts and refuses
 * exactly what `parseScaled` followed by the grid check does: digits, then optionally a point with
 * digits on both sides; decimals beyond the scale only as trailing zeros; the result a safe integer.
 * A sign is left to the JSON path ("-0" is a size of zero there).
 */
export function scanDecimal(t: Uint8Array, i: number, out: ScannedBook, scale: number, units: number): number {
  const start = i;
  let value = 0;
  let c = t[i];
  while (c >= ZERO && c <= NINE) {
    value = value * 10 + (c - ZERO);
    c = t[++i];
  }
  if (i === start) {
    if (c === MINUS || c === BACKSLASH) return fallback(out, i, 'a signed or escaped number');
    return stop(out, i, 'a price or size that is not a decimal');
  }
  let decimals = 0;
  if (c === DOT) {
    const point = i;
    c = t[++i];
    while (c >= ZERO && c <= NINE) {
      if (decimals < scale) {
        value = value * 10 + (c - ZERO);
        decimals++;
      } else if (c !== ZERO) {
        return stop(out, i, 'a price or size finer than the grid');
      }
      c = t[++i];
    }
    if (i === point + 1 && c !== BACKSLASH) return stop(out, i, 'a decimal point without digits after it');
  }
  if (c !== QUOTE) {
    // An escape may spell the digits the scanner stopped at ("10.\u0030" is "10.0"): JSON decides.
    if (c === BACKSLASH) return fallback(out, i, 'an escape in a number');
    return stop(out, i, 'a price or size that is not a decimal');
  }
  value *= out.powers[scale - decimals];
  if (value > Number.MAX_SAFE_INTEGER) return stop(out, start, 'a price or size too large to hold exactly');
  if (units !== 1) {
    if (value % units !== 0) return stop(out, start, 'a price or size off the grid');
    value /= units;
  }
  out.num = value;
  return i + 1;
}

// The fixed-order fast paths' readers live in fast-readers.ts, beside their own byte codes.
export { readDecimal, readInteger } from './fast-readers.ts';
