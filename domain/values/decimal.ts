import { err, ok, type Result } from '../result.ts';

/**
 * Exact decimal text <-> scaled integer conversion, digit by digit, never through parseFloat.
 * A decimal `text` at `scale` decimals is the integer text * 10^scale; more significant decimals
 * than `scale` (trailing zeros are fine) is an error, never a silent rounding.
 */
export type DecimalError =
  | { readonly kind: 'NotADecimal'; readonly text: string }
  | { readonly kind: 'TooPrecise'; readonly text: string; readonly scale: number }
  | { readonly kind: 'TooLarge'; readonly text: string };

const ZERO = 48;
const NINE = 57;
const DOT = 46;
const MINUS = 45;

/** Parses `text` ("65114.30", "-0.5", "12") as an integer scaled by 10^scale. */
export function parseScaled(text: string, scale: number): Result<number, DecimalError> {
  const n = text.length;
  let i = 0;
  let negative = false;
  if (n > 0 && text.charCodeAt(0) === MINUS) {
    negative = true;
    i = 1;
  }
  let value = 0;
  let digits = 0;
  let decimals = -1; // -1 until the point is seen
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) {
      if (decimals >= 0) return err({ kind: 'NotADecimal', text });
      decimals = 0;
      continue;
    }
    if (c < ZERO || c > NINE) return err({ kind: 'NotADecimal', text });
    digits++;
    if (decimals >= 0) {
      if (decimals === scale) {
        // Beyond the scale only zeros are allowed.
        if (c !== ZERO) return err({ kind: 'TooPrecise', text, scale });
        continue;
      }
      decimals++;
    }
    value = value * 10 + (c - ZERO);
  }
  if (digits === 0) return err({ kind: 'NotADecimal', text });
  // A point needs digits on both sides: "1." and ".5" are not how exchanges write numbers.
  const point = text.indexOf('.');
  if (point >= 0 && (point === (negative ? 1 : 0) || point === n - 1)) return err({ kind: 'NotADecimal', text });
  const missing = scale - (decimals < 0 ? 0 : decimals);
  for (let k = 0; k < missing; k++) value *= 10;
  if (!Number.isSafeInteger(value)) return err({ kind: 'TooLarge', text });
  return ok(negative && value !== 0 ? -value : value);
}

/** Formats an integer scaled by 10^scale as decimal text with exactly `scale` decimals. */
export function formatScaled(value: number, scale: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`formatScaled: ${value} is not a safe integer`);
  const negative = value < 0;
  let digits = String(negative ? -value : value);
  if (scale > 0) {
    if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** The number of significant decimals of a decimal text ("0.10" -> 1, "5" -> 0). */
export function significantDecimals(text: string): number {
  const point = text.indexOf('.');
  if (point < 0) return 0;
  let end = text.length;
  while (end > point + 1 && text.charCodeAt(end - 1) === ZERO) end--;
  return end - point - 1;
}
