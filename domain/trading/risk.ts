import type { Lots } from '../values/units.ts';
import type { Side } from './side.ts';

/** The position limit rule's parameters, in lots. */
export interface PositionLimits {
  /** The largest |position| the strategy may hold; 0 allows no position at all. */
  readonly maxPositionLots: Lots;
  /** The size of one order before clipping; at least one lot. */
  readonly orderLots: Lots;
}

/** An order the risk rule allows: a side and a positive quantity in lots. */
export interface OrderDecision {
  readonly side: Side;
  readonly qty: Lots;
}

/**
 * Validated limits. Invalid limits are a configuration bug caught at start-up, so this throws a
 * RangeError rather than returning a result: maxPositionLots must be a non-negative integer and
 * orderLots a positive integer.
 */
export function createPositionLimits(maxPositionLots: number, orderLots: number): PositionLimits {
  if (!Number.isSafeInteger(maxPositionLots) || maxPositionLots < 0) {
    throw new RangeError(`maxPositionLots ${maxPositionLots} is not a non-negative integer`);
  }
  if (!Number.isSafeInteger(orderLots) || orderLots <= 0) {
    throw new RangeError(`orderLots ${orderLots} is not a positive integer`);
  }
  return { maxPositionLots: maxPositionLots as Lots, orderLots: orderLots as Lots };
}

/**
 * The order that moves `position` (signed lots) toward `direction` without passing the limit:
 * +1 buys orderLots clipped so that position + qty <= maxPositionLots, -1 sells orderLots clipped so
 * that position - qty >= -maxPositionLots, 0 does nothing. Returns null when there is nothing to do,
 * including when the clipped quantity is zero (already at or beyond the limit). An order toward
 * the limit only reduces the distance to it, so any fills of these orders, whole or partial, keep
 * |position| <= maxPositionLots, as long as `position` counts the open quantity of orders still working
 * (two orders decided on the same filled position could together pass the limit).
 * Sizing rules added later (confidence, depth) only clip further.
 */
export function decideOrder(direction: -1 | 0 | 1, position: Lots, limits: PositionLimits): OrderDecision | null {
  switch (direction) {
    case 0:
      return null;
    case 1: {
      const qty = Math.min(limits.orderLots, limits.maxPositionLots - position);
      return qty > 0 ? { side: 'Buy', qty: qty as Lots } : null;
    }
    case -1: {
      const qty = Math.min(limits.orderLots, limits.maxPositionLots + position);
      return qty > 0 ? { side: 'Sell', qty: qty as Lots } : null;
    }
  }
}
