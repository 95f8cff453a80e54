import { notional, type Instrument } from '../values/instrument.ts';
import type { Cash, Lots, Ticks } from '../values/units.ts';
import type { Liquidity } from './fill.ts';

/**
 * Fee rates in integer parts per million of the fill's notional: 550 is 0.055 %. A negative rate is
 * a rebate (the venue pays the trader). Integer ppm covers every published Bybit tier, whose rates
 * have at most four decimals of a percent.
 */
export interface FeeSchedule {
  readonly makerPpm: number;
  readonly takerPpm: number;
}

/**
 * Bybit's non-VIP rates for USDT linear perpetuals: taker 0.055 %, maker 0.02 %, charged on the
 * order value (quantity x execution price). Source: Bybit Help Center, "Trading Fee Structure",
 * https://www.bybit.com/en/help-center/article/Trading-Fee-Structure (Derivatives, Non-VIP).
 */
export const BYBIT_LINEAR_FEES: FeeSchedule = { makerPpm: 200, takerPpm: 550 };

const PPM = 1_000_000;
/** 0.5e6: the remainder at which a fraction of a Cash unit is exactly one half. */
const HALF_PPM = 500_000;

/**
 * The fee on `notional` at `ratePpm`: notional x ratePpm / 1e6, rounded half away from zero to the
 * Cash unit (1e-8 USDT), so 0.5 Cash becomes 1 and -0.5 Cash becomes -1. The result is exact for
 * every safe-integer notional even where notional x ratePpm passes 2^53: the notional is split into
 * q x 1e6 + r (truncated division, so q and r share the notional's sign) and the fee is
 * q x ratePpm + round(r x ratePpm / 1e6), where |r x ratePpm| < 1e12 is exact, and
 * |q x ratePpm| <= |fee| <= |notional| since |ratePpm| <= 1e6, so every step stays a safe integer.
 * Throws a RangeError when the rate is not an integer in [-1e6, 1e6] or the notional is not a safe
 * integer: those are configuration or arithmetic bugs, not market outcomes.
 * The venue's reported fee is the truth for real fills; this computes fees for simulation and checks.
 */
export function feeFor(notionalCash: Cash, ratePpm: number): Cash {
  if (!Number.isInteger(ratePpm) || ratePpm < -PPM || ratePpm > PPM) {
    throw new RangeError(`fee rate ${ratePpm} ppm is not an integer in [-1e6, 1e6]`);
  }
  if (!Number.isSafeInteger(notionalCash)) throw new RangeError(`notional ${notionalCash} is not a safe integer`);
  const remainder = notionalCash % PPM;
  const quotient = (notionalCash - remainder) / PPM;
  const whole = quotient * ratePpm;
  // |part| < 1e12: exact. Its sign is the sign of the whole part (or the whole part is zero), so
  // rounding the fractional part alone rounds the sum.
  const part = remainder * ratePpm;
  const partRemainder = part % PPM;
  let rounded = (part - partRemainder) / PPM;
  if (partRemainder >= HALF_PPM) rounded += 1;
  else if (partRemainder <= -HALF_PPM) rounded -= 1;
  const fee = whole + rounded;
  // `+ 0` turns a negative zero (a zero fee on a negative rate) into zero.
  return (fee + 0) as Cash;
}

/** The rate of `liquidity` in `schedule`, in ppm. */
export function feeRatePpm(schedule: FeeSchedule, liquidity: Liquidity): number {
  switch (liquidity) {
    case 'maker':
      return schedule.makerPpm;
    case 'taker':
      return schedule.takerPpm;
  }
}

/** The fee for filling `qty` lots at `price` ticks with the given liquidity, in Cash. */
export function feeForFill(instrument: Instrument, price: Ticks, qty: Lots, liquidity: Liquidity, schedule: FeeSchedule): Cash {
  return feeFor(notional(instrument, price, qty), feeRatePpm(schedule, liquidity));
}
