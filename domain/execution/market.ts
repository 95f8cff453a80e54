import type { Lots } from '../values/units.ts';
import type { ExecutionAction } from './action.ts';

/**
 * The MARKET policy (the seed system's): take whatever of `target` is not yet filled in one market
 * order, and finish. A parent already filled is simply done. Throws a RangeError on quantities that
 * are not non-negative integers of lots.
 */
export function marketActions(target: Lots, filled: Lots): ExecutionAction[] {
  if (!Number.isSafeInteger(target) || target < 0) throw new RangeError(`target ${target} is not a non-negative integer of lots`);
  if (!Number.isSafeInteger(filled) || filled < 0) throw new RangeError(`filled ${filled} is not a non-negative integer of lots`);
  const rest = target - filled;
  if (rest <= 0) return [{ kind: 'done', reason: `filled ${filled} of ${target} lots` }];
  return [
    { kind: 'market', qty: rest as Lots, reason: `market policy: take ${rest} lots` },
    { kind: 'done', reason: 'handed to a market order' },
  ];
}
