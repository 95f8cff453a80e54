import type { ScannedBook } from './scanned-book.ts';

/*
 * Byte codes, again: an exported binding is read through its module cell (with a check that it has
 * been initialised) at every use, even inside its own module, and in a loop over a frame's bytes that
 * costs as much as the byte read itself; a constant local to the module is folded into the code.
 */
const QUOTE = 34;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

/*
 * The readers of the fixed-order fast paths (book-fast-path.ts, trade-fast-path.ts): they
 * accept exactly what `scanInteger` and `scanDecimal` accept, with the same arithmetic in the same
 * order, so the same value lands in `out.num`; anything else is -1 with nothing recorded, and the
 * caller leaves the frame to the general scanner, which says why. Keeping the reasons out of them is
 * what makes them small enough to be inlined into the loops that call them.
 */

/** `scanInteger`'s accepting path: the index after the digits, or -1 (the next byte is the caller's to check). */
export function readInteger(t: Uint8Array, i: number, out: ScannedBook): number {
  const start = i;
  let value = 0;
  let c = t[i];
  while (c >= ZERO && c <= NINE) {
    value = value * 10 + (c - ZERO);
    c = t[++i];
  }
  if (i === start || (t[start] === ZERO && i > start + 1) || value > Number.MAX_SAFE_INTEGER) return -1;
  out.num = value;
  return i;
}

/** `scanDecimal`'s accepting path: the index after the closing quote, or -1. */
export function readDecimal(t: Uint8Array, i: number, out: ScannedBook, scale: number, units: number): number {
  const start = i;
  let value = 0;
  // A byte is a digit when it differs from '0' in the low four bits only, by at most 9: one test a byte.
  let d = t[i] ^ ZERO;
  while (d < 10) {
    value = value * 10 + d;
    d = t[++i] ^ ZERO;
  }
  if (i === start) return -1;
  let decimals = 0;
  if (d === (DOT ^ ZERO)) {
    const point = ++i;
    d = t[i] ^ ZERO;
    while (d < 10 && decimals < scale) {
      value = value * 10 + d;
      decimals++;
      d = t[++i] ^ ZERO;
    }
    // Decimals beyond the grid's are zeros or the price is off it.
    while (d === 0) d = t[++i] ^ ZERO;
    if (d < 10 || i === point) return -1;
  }
  if (d !== (QUOTE ^ ZERO)) return -1;
  value *= out.powers[scale - decimals];
  if (value > Number.MAX_SAFE_INTEGER) return -1;
  if (units !== 1) {
    if (value % units !== 0) return -1;
    value /= units;
  }
  out.num = value;
  return i + 1;
}
