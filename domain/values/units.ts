/**
 * Branded integer units. Prices are integer ticks and sizes integer lots, held in `number`: exact
 * below 2^53 (BTCUSDT prices are about 1e6 ticks). Money is integer `Cash` in 1e-8 of the quote
 * currency (USDT), the precision Bybit reports balances and fees in. Time is integer microseconds.
 */
declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A price as an integer count of the instrument's tick size. */
export type Ticks = Brand<number, 'Ticks'>;
/** A size as an integer count of the instrument's lot size (quantity step). */
export type Lots = Brand<number, 'Lots'>;
/** Money in 1e-8 units of the quote currency (USDT): 100_000_000 is one USDT. */
export type Cash = Brand<number, 'Cash'>;
/** A point in time or a duration in integer microseconds since the Unix epoch. */
export type Micros = Brand<number, 'Micros'>;

export const CASH_PER_UNIT = 100_000_000;

export const ticks = (n: number): Ticks => n as Ticks;
export const lots = (n: number): Lots => n as Lots;
export const cash = (n: number): Cash => n as Cash;
export const micros = (n: number): Micros => n as Micros;

/** Venue timestamps arrive in milliseconds; the system keeps microseconds. */
export const millisToMicros = (ms: number): Micros => (ms * 1000) as Micros;
