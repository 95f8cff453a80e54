import { lotsToQty, ticksToPrice, type Instrument } from '../../domain/values/instrument.ts';
import type { Lots, Ticks } from '../../domain/values/units.ts';

/** What log lines' prices and sizes are counted in: the instrument's grid, and the names of its currencies. */
export interface LogUnits {
  readonly instrument: Instrument;
  /** The currency sizes are in (BTC). */
  readonly base: string;
  /** The currency prices are in (USDT). */
  readonly quote: string;
}

/**
 * The fields of log records that hold a price in ticks or a size in lots, with the word a person
 * reads for each. Only whole numbers are converted: a `price` that is the text of a refused frame
 * stays as it came.
 */
export const UNIT_FIELDS: Readonly<Record<string, { readonly kind: 'price' | 'size'; readonly label: string }>> = {
  limitPrice: { kind: 'price', label: 'limit' },
  avgPrice: { kind: 'price', label: 'avg price' },
  price: { kind: 'price', label: 'price' },
  qty: { kind: 'size', label: 'qty' },
  lots: { kind: 'size', label: 'size' },
  cumLots: { kind: 'size', label: 'filled' },
  filledLots: { kind: 'size', label: 'filled' },
  exchangeLots: { kind: 'size', label: 'exchange position' },
  position: { kind: 'size', label: 'position' },
};

/** `limitPrice` → `limitPriceUsdt`: where a record carries the converted value beside the raw one. */
export function convertedKey(field: string, units: LogUnits): string {
  const currency = UNIT_FIELDS[field].kind === 'price' ? units.quote : units.base;
  return `${field}${currency.charAt(0).toUpperCase()}${currency.slice(1).toLowerCase()}`;
}

/**
 * The record with each price and size also in currency, as exact decimal text (`"limitPrice":899974`
 * gains `"limitPriceUsdt":"89997.4"`); the raw integers stay, for the programs that read them.
 */
export function withUnits(record: Record<string, unknown>, units: LogUnits): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const [field, value] of Object.entries(record)) {
    const unit = UNIT_FIELDS[field];
    if (unit === undefined || typeof value !== 'number' || !Number.isSafeInteger(value)) continue;
    out ??= { ...record };
    out[convertedKey(field, units)] = unit.kind === 'price' ? ticksToPrice(units.instrument, value as Ticks) : signed(value, (l) => lotsToQty(units.instrument, l as Lots));
  }
  return out ?? record;
}

function signed(value: number, format: (n: number) => string): string {
  return value < 0 ? `-${format(-value)}` : format(value);
}

/** The currencies of a symbol such as BTCUSDT (the quote is the stablecoin it ends with); null for another kind of symbol. */
export function unitsOf(instrument: Instrument): LogUnits | null {
  const m = /^([A-Z0-9]+?)(USDT|USDC|USD)$/.exec(instrument.symbol);
  return m === null ? null : { instrument, base: m[1], quote: m[2] };
}

/** `89997.4` → `89,997.4`: thousands grouped in the whole part, the decimals as they are. */
export function grouped(decimal: string): string {
  const [whole, fraction] = decimal.split('.');
  const out = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? out : `${out}.${fraction}`;
}
