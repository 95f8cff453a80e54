import type { Instrument } from '../values/instrument.ts';
import type { Cash, Lots, Micros } from '../values/units.ts';

/** The risk manager's limits. Sizes in lots, money in Cash, prices relative to the mid in bps, times in µs. */
export interface RiskConfig {
  readonly instrument: Instrument;
  /** Largest |position| including the open rest of working orders; 0 allows none. */
  readonly maxPositionLots: Lots;
  /** Largest single order. */
  readonly maxOrderLots: Lots;
  /** Largest single order's notional at its limit price (the mid for a market order). */
  readonly maxOrderNotional: Cash;
  /** A limit price may sit at most this far from the mid, in bps. */
  readonly priceBandBps: number;
  /** At most `maxOrders` orders and amends within any `orderWindowMicros`. */
  readonly maxOrders: number;
  readonly orderWindowMicros: Micros;
  /** Drawdown from peak equity at which only reducing orders pass, in bps of the peak. */
  readonly drawdownReduceBps: number;
  /** Drawdown from peak equity at which everything halts, in bps of the peak; at least drawdownReduceBps. */
  readonly drawdownHaltBps: number;
  /** Loss since the first equity of the UTC day at which everything halts until the next day. */
  readonly dailyLossLimit: Cash;
  /**
   * This many losing trades in a row and only reducing orders pass, until a winning trade or until
   * `lossCooldownMicros` has passed (flat, a strategy in REDUCING could never trade its way out).
   */
  readonly maxConsecutiveLosses: number;
  readonly lossCooldownMicros: Micros;
  /** No LIVE book for longer than this and entries halt, as for a book that left LIVE. */
  readonly staleAfterMicros: Micros;
}

const positiveInteger = (n: number): boolean => Number.isSafeInteger(n) && n > 0;
const nonNegativeInteger = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
const positiveNumber = (n: number): boolean => Number.isFinite(n) && n > 0;

/** Returns the config when valid; throws a RangeError naming the first field out of range. */
export function validateRiskConfig(c: RiskConfig): RiskConfig {
  const fail = (field: keyof RiskConfig, value: number, what: string): never => {
    throw new RangeError(`risk.${field} ${value} is not ${what}`);
  };
  if (!nonNegativeInteger(c.maxPositionLots)) fail('maxPositionLots', c.maxPositionLots, 'a non-negative integer of lots');
  if (!positiveInteger(c.maxOrderLots)) fail('maxOrderLots', c.maxOrderLots, 'a positive integer of lots');
  if (!positiveInteger(c.maxOrderNotional)) fail('maxOrderNotional', c.maxOrderNotional, 'a positive integer of Cash');
  if (!positiveNumber(c.priceBandBps)) fail('priceBandBps', c.priceBandBps, 'a positive number of bps');
  if (!positiveInteger(c.maxOrders)) fail('maxOrders', c.maxOrders, 'a positive integer');
  if (!positiveInteger(c.orderWindowMicros)) fail('orderWindowMicros', c.orderWindowMicros, 'a positive integer of µs');
  if (!positiveNumber(c.drawdownReduceBps) || c.drawdownReduceBps > 10_000) {
    fail('drawdownReduceBps', c.drawdownReduceBps, 'in (0, 10000] bps');
  }
  if (!(c.drawdownHaltBps >= c.drawdownReduceBps && c.drawdownHaltBps <= 10_000)) {
    fail('drawdownHaltBps', c.drawdownHaltBps, `in [drawdownReduceBps ${c.drawdownReduceBps}, 10000] bps`);
  }
  if (!positiveInteger(c.dailyLossLimit)) fail('dailyLossLimit', c.dailyLossLimit, 'a positive integer of Cash');
  if (!positiveInteger(c.maxConsecutiveLosses)) fail('maxConsecutiveLosses', c.maxConsecutiveLosses, 'a positive integer');
  if (!positiveInteger(c.lossCooldownMicros)) fail('lossCooldownMicros', c.lossCooldownMicros, 'a positive integer of µs');
  if (!positiveInteger(c.staleAfterMicros)) fail('staleAfterMicros', c.staleAfterMicros, 'a positive integer of µs');
  return c;
}
