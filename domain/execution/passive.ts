import type { Side } from '../trading/side.ts';
import type { Lots, Micros, Ticks } from '../values/units.ts';
import type { Instrument } from '../values/instrument.ts';
import type { ExecutionAction } from './action.ts';
import { unitsText, type UnitsText } from './units-text.ts';
import { urgencyFor, validateUrgencyParams, type UrgencyParams } from './urgency.ts';

/** The child order resting on the book for the parent, if any. */
export interface WorkingChild {
  readonly price: Ticks;
  /** Unfilled lots of the child; positive. */
  readonly remaining: Lots;
  /** When the child's current price was set: its placement or its latest replace. */
  readonly placedAt: Micros;
}

/** Everything one step of the PASSIVE algorithm looks at. Prices in ticks, sizes in lots, times in µs. */
export interface PassiveInput {
  readonly now: Micros;
  readonly side: Side;
  /** Top of the book; bestBid < bestAsk (a LIVE book is never crossed). */
  readonly bestBid: Ticks;
  readonly bestAsk: Ticks;
  /** The signal that started the parent still points the same way. */
  readonly signalHolds: boolean;
  /** The signal's current confidence in [0, 1]. */
  readonly confidence: number;
  readonly working: WorkingChild | null;
  /** Lots of the parent filled so far, all children together. */
  readonly filled: Lots;
  /** Lots the parent means to fill. */
  readonly target: Lots;
  /** When the parent started: the escalation timeout counts from here. */
  readonly startedAt: Micros;
  /**
   * The placement the order-type chooser decided by expected cost (order-choice.ts), if one did. It
   * is what is sent: urgency neither improves a chosen join nor takes instead of a chosen rest, so the
   * choice stored with the order and its numbers are those of the order sent. The time-out still
   * escalates (the chooser's cost counts on it).
   */
  readonly chosen?: 'join' | 'improve';
}

export interface PassiveParams {
  /** Base placement: join the best price on our side, or improve it by one tick when the spread allows. */
  readonly placement: 'join' | 'improve';
  /** Follow the touch once it has moved more than this many ticks away from the child's price. */
  readonly followTicks: number;
  /** Minimum time between two replaces of the child (the cancel/replace rate limit), µs. */
  readonly minReplaceMicros: number;
  /** After this long without a full fill, and while the signal holds, take the rest at market, µs. */
  readonly escalateAfterMicros: number;
  /** Confidence → urgency; a stronger signal improves or takes at once. */
  readonly urgency: UrgencyParams;
}

const nonNegativeInteger = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/** Throws a RangeError naming the field that is out of range. */
export function validatePassiveParams(params: PassiveParams): PassiveParams {
  if (params.placement !== 'join' && params.placement !== 'improve') {
    throw new RangeError(`passive.placement ${String(params.placement)} is not 'join' or 'improve'`);
  }
  if (!nonNegativeInteger(params.followTicks)) throw new RangeError(`passive.followTicks ${params.followTicks} is not a non-negative integer`);
  if (!nonNegativeInteger(params.minReplaceMicros)) {
    throw new RangeError(`passive.minReplaceMicros ${params.minReplaceMicros} is not a non-negative integer`);
  }
  if (!Number.isSafeInteger(params.escalateAfterMicros) || params.escalateAfterMicros <= 0) {
    throw new RangeError(`passive.escalateAfterMicros ${params.escalateAfterMicros} is not a positive integer`);
  }
  validateUrgencyParams(params.urgency);
  return params;
}

function validateInput(input: PassiveInput): void {
  if (!Number.isSafeInteger(input.bestBid) || input.bestBid <= 0) throw new RangeError(`bestBid ${input.bestBid} is not a positive integer of ticks`);
  if (!Number.isSafeInteger(input.bestAsk) || input.bestAsk <= input.bestBid) {
    throw new RangeError(`bestAsk ${input.bestAsk} is not an integer of ticks above bestBid ${input.bestBid}`);
  }
  if (!nonNegativeInteger(input.target)) throw new RangeError(`target ${input.target} is not a non-negative integer of lots`);
  if (!nonNegativeInteger(input.filled)) throw new RangeError(`filled ${input.filled} is not a non-negative integer of lots`);
  if (!Number.isSafeInteger(input.now) || !Number.isSafeInteger(input.startedAt) || input.now < input.startedAt) {
    throw new RangeError(`now ${input.now} is not an integer of µs at or after startedAt ${input.startedAt}`);
  }
  const w = input.working;
  if (w !== null && (!Number.isSafeInteger(w.price) || w.price <= 0 || !Number.isSafeInteger(w.remaining) || w.remaining <= 0)) {
    throw new RangeError(`working child (price ${w.price}, remaining ${w.remaining}) needs a positive integer price and remaining`);
  }
}

/**
 * One step of the PASSIVE algorithm for one parent order: what to send now, given the book's top,
 * the signal and the child order working. Pure: the same input gives the same actions, and the
 * caller keeps all state (the child, the fills, the start time). In order of precedence:
 * 1. filled → cancel any child, done;
 * 2. the signal no longer holds → cancel any child, done (nothing is escalated for a dead signal);
 * 3. confidence maps to `aggressive` (unless the chooser chose a placement), or the escalation
 *    timeout has passed → cancel, market the rest, done;
 * 4. no child → place post-only at the join or improve price for the rest (the chooser's placement
 *    where it chose one, else `placement` or urgency's `improve`);
 * 5. the child is larger than the rest (the target shrank) → cancel it, to re-place at the next step;
 * 6. the touch has moved more than `followTicks` away → replace at the new price, unless the
 *    previous placement is younger than `minReplaceMicros` (then hold);
 * 7. otherwise hold. A child at or inside the touch is our own best price: it is never chased.
 * Reasons give prices and sizes in the instrument's currencies (USDT, BTC), not ticks and lots.
 */
export function stepPassive(input: PassiveInput, params: PassiveParams, instrument: Instrument): ExecutionAction[] {
  validatePassiveParams(params);
  validateInput(input);
  const u = unitsText(instrument);
  const { working, now } = input;
  const rest = input.target - input.filled;
  const cancelFirst = (reason: string): ExecutionAction[] => (working === null ? [] : [{ kind: 'cancel', reason }]);
  if (rest <= 0) return [...cancelFirst('parent filled'), { kind: 'done', reason: `filled ${u.qty(input.filled)} of ${u.qty(input.target)}` }];
  if (!input.signalHolds) {
    return [...cancelFirst('signal no longer holds'), { kind: 'done', reason: `signal no longer holds; ${u.qty(rest)} left unfilled` }];
  }
  const urgency = input.chosen === undefined ? urgencyFor(input.confidence, params.urgency) : 'passive';
  const elapsed = now - input.startedAt;
  if (urgency === 'aggressive' || elapsed >= params.escalateAfterMicros) {
    const why =
      urgency === 'aggressive'
        ? `confidence ${input.confidence.toFixed(3)} >= ${params.urgency.aggressiveFrom}: aggressive`
        : `not filled after ${elapsed} µs (timeout ${params.escalateAfterMicros} µs) while the signal holds`;
    return [
      ...cancelFirst(`escalating: ${why}`),
      { kind: 'market', qty: rest as Lots, reason: `${why}; take ${u.qty(rest)} at market` },
      { kind: 'done', reason: 'escalated to a market order' },
    ];
  }
  const improve = input.chosen === undefined ? params.placement === 'improve' || urgency === 'improve' : input.chosen === 'improve';
  const target = quotePrice(input, improve, u);
  if (working === null) {
    return [{ kind: 'place', price: target.price, qty: rest as Lots, postOnly: true, reason: `${target.why} for ${u.qty(rest)}` }];
  }
  if (working.remaining > rest) {
    return [{ kind: 'cancel', reason: `working child of ${u.qty(working.remaining)} exceeds the ${u.qty(rest)} left` }];
  }
  const touch = input.side === 'Buy' ? input.bestBid : input.bestAsk;
  const away = input.side === 'Buy' ? touch - working.price : working.price - touch;
  if (away <= params.followTicks) {
    return [{ kind: 'hold', reason: `child at ${u.price(working.price)} is ${u.distance(Math.max(away, 0))} from the touch ${u.price(touch)} (follow beyond ${u.distance(params.followTicks)})` }];
  }
  const age = now - working.placedAt;
  if (age < params.minReplaceMicros) {
    return [{ kind: 'hold', reason: `touch ${u.distance(away)} away but the last placement is ${age} µs old (< ${params.minReplaceMicros} µs): replace held` }];
  }
  return [{ kind: 'replace', price: target.price, reason: `touch moved ${u.distance(away)} away (> ${u.distance(params.followTicks)}): ${target.why}` }];
}

/** The post-only price: the best on our side, or one tick inside it when improving and the spread is wider than a tick. */
function quotePrice(input: PassiveInput, improve: boolean, u: UnitsText): { price: Ticks; why: string } {
  const spread = input.bestAsk - input.bestBid;
  const buy = input.side === 'Buy';
  const best = buy ? input.bestBid : input.bestAsk;
  if (improve && spread > 1) {
    const price = (buy ? best + 1 : best - 1) as Ticks;
    return { price, why: `improve ${buy ? 'bid' : 'ask'} ${u.price(best)} by 1 tick to ${u.price(price)} (spread ${u.distance(spread)})` };
  }
  const note = improve ? ` (spread ${u.distance(spread)}: no room to improve)` : '';
  return { price: best, why: `join ${buy ? 'bid' : 'ask'} ${u.price(best)}${note}` };
}
