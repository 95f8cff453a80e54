import { err, ok, type Result } from '../result.ts';
import { formatScaled, parseScaled, significantDecimals, type DecimalError } from './decimal.ts';
import { CASH_PER_UNIT, type Cash, type Lots, type Ticks } from './units.ts';

/**
 * A tradable contract: its symbol, price grid (tick size), quantity grid (lot size) and minimum
 * order quantity. Converts the exchange's decimal strings to integer ticks and lots and back,
 * exactly; a price or quantity off the grid is an error, never rounded.
 */
export interface InstrumentSpec {
  readonly symbol: string;
  /** Price step as the exchange writes it, e.g. "0.10" for BTCUSDT. */
  readonly tickSize: string;
  /** Quantity step as the exchange writes it, e.g. "0.001" for BTCUSDT. */
  readonly lotSize: string;
  /** Minimum order quantity as the exchange writes it, e.g. "0.001". */
  readonly minQty: string;
}

export interface Instrument extends InstrumentSpec {
  /** Decimals of a price on this grid. */
  readonly priceScale: number;
  /** Tick size as an integer at `priceScale` decimals (0.5 at scale 1 is 5). */
  readonly tickUnits: number;
  readonly qtyScale: number;
  readonly lotUnits: number;
  readonly minLots: Lots;
  /** Notional of one tick times one lot, in Cash (1e-8 quote): an exact integer. */
  readonly cashPerTickLot: number;
}

export type InstrumentError =
  | { readonly kind: 'InvalidSpec'; readonly field: keyof InstrumentSpec; readonly reason: string };

export type GridError =
  | DecimalError
  | { readonly kind: 'OffGrid'; readonly text: string; readonly step: string }
  | { readonly kind: 'NotPositive'; readonly text: string }
  | { readonly kind: 'Negative'; readonly text: string };

function stepOf(spec: InstrumentSpec, field: 'tickSize' | 'lotSize'): Result<{ scale: number; units: number }, InstrumentError> {
  const text = spec[field];
  const scale = significantDecimals(text);
  const parsed = parseScaled(text, scale);
  if (!parsed.ok || parsed.value <= 0) {
    return err({ kind: 'InvalidSpec', field, reason: `"${text}" is not a positive decimal` });
  }
  return ok({ scale, units: parsed.value });
}

export function createInstrument(spec: InstrumentSpec): Result<Instrument, InstrumentError> {
  if (spec.symbol.length === 0) return err({ kind: 'InvalidSpec', field: 'symbol', reason: 'empty' });
  const tick = stepOf(spec, 'tickSize');
  if (!tick.ok) return tick;
  const lot = stepOf(spec, 'lotSize');
  if (!lot.ok) return lot;
  const exponent = 8 - tick.value.scale - lot.value.scale;
  let perTickLot = tick.value.units * lot.value.units;
  if (exponent >= 0) {
    perTickLot *= 10 ** exponent;
  } else {
    const divisor = 10 ** -exponent;
    if (perTickLot % divisor !== 0) {
      return err({ kind: 'InvalidSpec', field: 'tickSize', reason: 'tick x lot notional is finer than 1e-8 of the quote' });
    }
    perTickLot /= divisor;
  }
  const base = { ...spec, priceScale: tick.value.scale, tickUnits: tick.value.units, qtyScale: lot.value.scale, lotUnits: lot.value.units };
  const min = toGrid(spec.minQty, base.qtyScale, base.lotUnits, spec.lotSize);
  if (!min.ok || min.value <= 0) {
    return err({ kind: 'InvalidSpec', field: 'minQty', reason: `"${spec.minQty}" is not a positive multiple of the lot size` });
  }
  return ok({ ...base, minLots: min.value as Lots, cashPerTickLot: perTickLot });
}

function toGrid(text: string, scale: number, units: number, step: string): Result<number, GridError> {
  const scaled = parseScaled(text, scale);
  if (!scaled.ok) return scaled;
  if (scaled.value % units !== 0) return err({ kind: 'OffGrid', text, step });
  return ok(scaled.value / units);
}

/** "65114.30" -> ticks; rejects text that is not a decimal, off the tick grid, or not positive. */
export function priceToTicks(instrument: Instrument, text: string): Result<Ticks, GridError> {
  const r = toGrid(text, instrument.priceScale, instrument.tickUnits, instrument.tickSize);
  if (!r.ok) return r;
  if (r.value <= 0) return err({ kind: 'NotPositive', text });
  return r as Result<Ticks, GridError>;
}

/** "1.234" -> lots; zero is allowed (a book delta's delete), negative is not. */
export function qtyToLots(instrument: Instrument, text: string): Result<Lots, GridError> {
  const r = toGrid(text, instrument.qtyScale, instrument.lotUnits, instrument.lotSize);
  if (!r.ok) return r;
  if (r.value < 0) return err({ kind: 'Negative', text });
  return r as Result<Lots, GridError>;
}

export const ticksToPrice = (instrument: Instrument, t: Ticks): string =>
  formatScaled(t * instrument.tickUnits, instrument.priceScale);

export const lotsToQty = (instrument: Instrument, l: Lots): string =>
  formatScaled(l * instrument.lotUnits, instrument.qtyScale);

/** A price in ticks as a float in quote currency: for features and display only, never for money. */
export const ticksToNumber = (instrument: Instrument, t: Ticks): number =>
  (t * instrument.tickUnits) / 10 ** instrument.priceScale;

export const lotsToNumber = (instrument: Instrument, l: Lots): number =>
  (l * instrument.lotUnits) / 10 ** instrument.qtyScale;

/** Exact notional of `l` lots at `t` ticks, in Cash. Throws if it leaves the exact integer range. */
export function notional(instrument: Instrument, t: Ticks, l: Lots): Cash {
  const value = t * l * instrument.cashPerTickLot;
  if (!Number.isSafeInteger(value)) throw new RangeError(`notional ${t} ticks x ${l} lots is out of exact range`);
  return value as Cash;
}

/** Cash as decimal text in quote units ("12.34567890"). */
export const formatCash = (c: Cash): string => formatScaled(c, 8);
export const cashToNumber = (c: Cash): number => c / CASH_PER_UNIT;

/** Bybit's linear BTCUSDT perpetual grid (instruments-info: tickSize 0.10, qtyStep 0.001, minOrderQty 0.001). */
export const BTCUSDT_SPEC: InstrumentSpec = { symbol: 'BTCUSDT', tickSize: '0.10', lotSize: '0.001', minQty: '0.001' };
