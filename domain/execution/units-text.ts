import { lotsToQty, ticksToPrice, type Instrument } from '../values/instrument.ts';
import type { Lots, Ticks } from '../values/units.ts';

/** Quote currencies a symbol may end with, longest first (BTCUSDT: base BTC, quote USDT). */
const QUOTES = ['USDT', 'USDC', 'FDUSD', 'USD', 'BTC', 'ETH'] as const;

/**
 * Prices and sizes as a person reads them in an order's reason: an exact decimal price in the quote
 * currency ("89994.10 USDT") and an exact quantity in the base currency ("0.006 BTC"), from the
 * instrument's grid; a distance between prices in the quote currency too. Ticks and lots stay the
 * numbers the algorithm works in; this is only their text.
 */
export interface UnitsText {
  price(t: Ticks | number): string;
  qty(l: Lots | number): string;
  /** A distance of `ticks` ticks, in the quote currency ("0.20 USDT"). */
  distance(ticks: number): string;
}

/**
 * The formatters made for each instrument: the passive algorithm asks for them at every step of a
 * working order, and an instrument (readonly) formats the same way every time.
 */
const made = new WeakMap<Instrument, UnitsText>();

export function unitsText(instrument: Instrument): UnitsText {
  let u = made.get(instrument);
  if (u === undefined) {
    u = makeUnitsText(instrument);
    made.set(instrument, u);
  }
  return u;
}

function makeUnitsText(instrument: Instrument): UnitsText {
  const quote = QUOTES.find((q) => instrument.symbol.endsWith(q) && instrument.symbol.length > q.length) ?? '';
  const base = quote === '' ? instrument.symbol : instrument.symbol.slice(0, -quote.length);
  const q = quote === '' ? '' : ` ${quote}`;
  return {
    price: (t) => `${ticksToPrice(instrument, t as Ticks)}${q}`,
    // A measured size can be a fraction of a lot (a depth): shown rounded down to whole lots.
    qty: (l) => `${lotsToQty(instrument, (Number.isSafeInteger(l) ? l : Math.floor(l)) as Lots)} ${base}`,
    distance: (ticks) => `${ticks < 0 ? '-' : ''}${ticksToPrice(instrument, Math.abs(ticks) as Ticks)}${q}`,
  };
}
