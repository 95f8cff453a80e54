import type { Lots, Ticks } from '../values/units.ts';

/**
 * What an execution algorithm asks the application to do next for one parent order. Prices are
 * ticks, quantities lots. Every action carries the reason it was chosen, for the order's record.
 * - `place`: a new post-only limit child order;
 * - `replace`: move the working child to a new price (same remaining quantity);
 * - `cancel`: cancel the working child;
 * - `market`: take `qty` lots at market (the policy itself, or an escalation);
 * - `hold`: nothing to send now (the reason says why, e.g. a replace held back by the rate limit);
 * - `done`: the parent order is finished; no further step is needed.
 */
export type ExecutionAction =
  | { readonly kind: 'place'; readonly price: Ticks; readonly qty: Lots; readonly postOnly: true; readonly reason: string }
  | { readonly kind: 'replace'; readonly price: Ticks; readonly reason: string }
  | { readonly kind: 'cancel'; readonly reason: string }
  | { readonly kind: 'market'; readonly qty: Lots; readonly reason: string }
  | { readonly kind: 'hold'; readonly reason: string }
  | { readonly kind: 'done'; readonly reason: string };

export type ExecutionActionKind = ExecutionAction['kind'];
