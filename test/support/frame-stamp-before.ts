/*
 * How frame-reader.ts read a line's receive-time stamp before it read the digits once (two passes:
 * where the stamp ends, then its value), kept to hold the one-pass reader to.
 */

const ZERO = 48;
const NINE = 57;
const SPACE = 32;
const MAX_DIGITS = 16;
const MAX_NANO_DIGITS = 19;

function stampEnd(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && i - start <= MAX_NANO_DIGITS) {
    const c = buf[i];
    if (c < ZERO || c > NINE) break;
    i++;
  }
  const digits = i - start;
  return digits > 0 && digits <= MAX_NANO_DIGITS && i < end && buf[i] === SPACE ? i : -1;
}

function stampOf(buf: Buffer, start: number, end: number): number {
  const last = end - start > MAX_DIGITS ? end - 3 : end;
  let value = 0;
  for (let k = start; k < last; k++) value = value * 10 + (buf[k] - ZERO);
  return value;
}

/** A non-empty line (no line ending) split as the reader split it: the frame's first byte and the receive time, null for a bare frame. */
export function splitLineBefore(buf: Buffer, start: number, end: number): { start: number; recvTime: number | null } {
  const space = stampEnd(buf, start, end);
  const stamp = space < 0 ? -1 : stampOf(buf, start, space);
  return Number.isSafeInteger(stamp) && stamp >= 0 ? { start: space + 1, recvTime: stamp } : { start, recvTime: null };
}
