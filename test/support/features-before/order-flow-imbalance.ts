import type { Lots, Ticks } from '../../../domain/values/units.ts';

/** The touch of a book: best prices in ticks and their sizes in lots. */
export interface Touch {
  readonly bid: Ticks;
  readonly bidQty: Lots;
  readonly ask: Ticks;
  readonly askQty: Lots;
}

/**
 * One order-flow-imbalance increment e_n of Cont, Kukanov & Stoikov (2014), "The Price Impact of
 * Order Book Events", J. Financial Econometrics 12(1):47-88, eq. (2), in lots:
 *   e_n = 1{Pb_n >= Pb_n-1} qb_n - 1{Pb_n <= Pb_n-1} qb_n-1 - 1{Pa_n <= Pa_n-1} qa_n + 1{Pa_n >= Pa_n-1} qa_n-1
 * Positive e_n is buying pressure: bid size added or ask size removed at the touch.
 */
export function ofiIncrement(prev: Touch, next: Touch): number {
  let e = 0;
  if (next.bid >= prev.bid) e += next.bidQty;
  if (next.bid <= prev.bid) e -= prev.bidQty;
  if (next.ask <= prev.ask) e -= next.askQty;
  if (next.ask >= prev.ask) e += prev.askQty;
  return e;
}
