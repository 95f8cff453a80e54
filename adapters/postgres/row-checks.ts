/**
 * Checks shared by the row conversions of the 0003 tables. A conversion to a row throws a
 * `RowFieldError` naming the record's field at fault; the writer turns it into a rejection of that
 * row alone. A conversion from a row throws a plain error: a stored value the store could not have
 * written is a broken invariant.
 */

/** A record's field that no row can hold, e.g. `bidTicks[3]` or `event.qty`. */
export class RowFieldError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field} ${reason}`);
    this.name = 'RowFieldError';
  }
}

/** A safe integer for a bigint or integer column; `min` bounds it below where a constraint does. */
export function checkedInteger(value: number, field: string, min = Number.MIN_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value)) throw new RowFieldError(field, `= ${value} is not a safe integer`);
  if (value < min) throw new RowFieldError(field, `= ${value} is below ${min}`);
  return value;
}

/** A safe integer for an `integer` (int4) column. */
export function checkedInt4(value: number, field: string, min = -(2 ** 31)): number {
  checkedInteger(value, field, min);
  if (value > 2 ** 31 - 1) throw new RowFieldError(field, `= ${value} is beyond an integer column`);
  return value;
}

export const checkedNullableInteger = (value: number | null, field: string): number | null =>
  value === null ? null : checkedInteger(value, field);

/** A `bigint[]` literal (`{1,-2,3}`) of safe integers, each at least `min`. */
export function integerArrayLiteral(values: readonly number[], field: string, min = Number.MIN_SAFE_INTEGER): string {
  return `{${values.map((v, i) => checkedInteger(v, `${field}[${i}]`, min)).join(',')}}`;
}

/** A `text[]` literal with every element quoted: `{"a","b\"c"}`. */
export const textArrayLiteral = (values: readonly string[]): string =>
  `{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;

/**
 * An int8 as read from either engine (decimal text from pg and from the store's PGlite parser; a
 * number or a bigint from PGlite's array parser) as an exact number. Throws for anything a number
 * would not hold exactly, naming the column.
 */
export function exactInt8(value: unknown, column: string): number {
  const n = typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || (typeof value === 'string' && String(n) !== value.trim())) {
    throw new RangeError(`${column} = ${String(value)} is not an exact integer in a number`);
  }
  return n;
}

export const nullableInt8 = (value: unknown, column: string): number | null =>
  value === null ? null : exactInt8(value, column);

/** A `bigint[]` or `integer[]` value as read back, element by element exact. */
export function exactIntegers(value: unknown, column: string): number[] {
  if (!Array.isArray(value)) throw new TypeError(`${column} is not an array`);
  return value.map((v: unknown, i) => exactInt8(v, `${column}[${i}]`));
}

export function textArray(value: unknown, column: string): string[] {
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new TypeError(`${column} is not an array of text`);
  }
  return value;
}

export function jsonRecord(value: unknown, column: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${column} is not a JSON object`);
  return value as Record<string, unknown>;
}
