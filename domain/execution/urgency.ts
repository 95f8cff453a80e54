/**
 * How hard a parent order pushes for its fill:
 * - `passive` joins the best price on its own side;
 * - `improve` steps one tick inside the spread when the spread is wider than one tick;
 * - `aggressive` takes at market at once.
 */
export type Urgency = 'passive' | 'improve' | 'aggressive';

/** Confidence thresholds in [0, 1]: at or above `improveFrom` improve, at or above `aggressiveFrom` take. */
export interface UrgencyParams {
  readonly improveFrom: number;
  readonly aggressiveFrom: number;
}

/** Throws a RangeError naming the field unless 0 <= improveFrom <= aggressiveFrom <= 1. */
export function validateUrgencyParams(params: UrgencyParams): UrgencyParams {
  if (!(params.improveFrom >= 0 && params.improveFrom <= 1)) {
    throw new RangeError(`urgency.improveFrom ${params.improveFrom} is not in [0, 1]`);
  }
  if (!(params.aggressiveFrom >= params.improveFrom && params.aggressiveFrom <= 1)) {
    throw new RangeError(`urgency.aggressiveFrom ${params.aggressiveFrom} is not in [improveFrom ${params.improveFrom}, 1]`);
  }
  return params;
}

/** A stronger signal trades more aggressively. Throws a RangeError on a confidence outside [0, 1]. */
export function urgencyFor(confidence: number, params: UrgencyParams): Urgency {
  if (!(confidence >= 0 && confidence <= 1)) throw new RangeError(`confidence ${confidence} is not in [0, 1]`);
  if (confidence >= params.aggressiveFrom) return 'aggressive';
  if (confidence >= params.improveFrom) return 'improve';
  return 'passive';
}
