import type { LevelsView } from '../../../domain/market/order-book.ts';
import type { Trade } from '../../../domain/market/trade.ts';
import type { Instrument } from '../../../domain/values/instrument.ts';
import type { Lots, Micros, Ticks } from '../../../domain/values/units.ts';

/**
 * What every calculator reads on a book event, filled once per event by the engine: the venue time,
 * the touch, twice the mid (an exact integer in ticks) and both sides best level first. Only built
 * when both sides hold levels.
 */
export class BookEvent {
  ts = 0 as Micros;
  bid = 0 as Ticks;
  ask = 0 as Ticks;
  bidQty = 0 as Lots;
  askQty = 0 as Lots;
  /** bid + ask, in ticks: twice the mid, exact. */
  mid2 = 0;
  bids: LevelsView = EMPTY_SIDE;
  asks: LevelsView = EMPTY_SIDE;
}

const EMPTY_SIDE: LevelsView = {
  count: 0,
  ticksAt: () => 0 as Ticks,
  lotsAt: () => 0 as Lots,
  cumulativeWithin: (_, out) => out.fill(0),
};

/** Unit conversions of an instrument, as plain numbers for the hot path. */
export interface Units {
  /** Quote currency per tick (0.1 USDT for BTCUSDT). */
  readonly tickSize: number;
  /** Base currency per lot (0.001 BTC for BTCUSDT). */
  readonly lotSize: number;
}

export function unitsOf(instrument: Instrument): Units {
  return {
    tickSize: instrument.tickUnits / 10 ** instrument.priceScale,
    lotSize: instrument.lotUnits / 10 ** instrument.qtyScale,
  };
}

/**
 * A block of related features computed together (the eight depth imbalances share one pass over the
 * book). `values[k]` holds the feature `outputs[k]` as of the latest book event. A calculator is only
 * built when at least one of its outputs is enabled, or another enabled calculator reads it.
 */
export interface FeatureCalculator {
  readonly outputs: readonly string[];
  readonly values: Float64Array;
  /** Updates `values` for a book event. Called on every event, in venue-time order. */
  onBook(event: BookEvent): void;
  /** Takes in a public trade; values change at the next book event. */
  onTrade(trade: Trade): void;
  /** Forgets all history, as after a resync: the book before a gap says nothing about the one after. */
  reset(): void;
}

/** The calculators another one reads, handed to its factory. */
export type CalculatorLookup = (id: CalculatorId) => FeatureCalculator;

/**
 * Whether anything reads an output: an enabled feature or another calculator. A calculator may skip
 * the state that only unread outputs need (a window nobody reads, a size nobody walks to) as long as
 * every read output comes out bit for bit as it would with everything computed; an unread output's
 * value is then unspecified.
 */
export type WantedOutput = (output: string) => boolean;

/** Every output is read: what a calculator built on its own computes. */
export const EVERY_OUTPUT: WantedOutput = () => true;

export type CalculatorId = 'shape' | 'liquidity' | 'queue' | 'microprice' | 'ofi' | 'mlofi' | 'trades' | 'returns' | 'pressure' | 'hht';

/** Venue time units. */
export const MS = 1_000;
export const SECOND = 1_000_000;

/** Basis points in one. */
export const BPS = 10_000;
