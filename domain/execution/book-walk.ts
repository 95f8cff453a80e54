import type { LevelsView } from '../market/order-book.ts';
import type { LiquidityPoint } from './sizing.ts';

/**
 * What taking `lots` from one side of the book would pay, walking it from the touch: the average price
 * in ticks (a fraction of a tick when it spans levels) and the lots the side holds toward it. Null
 * when the side is empty. Beyond the visible levels the last level's price is assumed for the rest,
 * and `short` says how many lots were not there.
 */
export function walkBook(levels: LevelsView, lots: number): { readonly avgPrice: number; readonly short: number } | null {
  if (levels.count === 0 || !(lots > 0)) return null;
  let left = lots;
  let paid = 0;
  let last = levels.ticksAt(0) as number;
  for (let i = 0; i < levels.count && left > 0; i++) {
    last = levels.ticksAt(i);
    const take = Math.min(left, levels.lotsAt(i));
    paid += take * last;
    left -= take;
  }
  return { avgPrice: (paid + left * last) / lots, short: left };
}

/**
 * The cost of taking from one side by size, in bps of `mid` (positive: paid over the mid): one point
 * at the end of each level, walking from the touch, until the cost passes `untilBps` or `levelsMax`
 * levels (the curve sizing's liquidity cap reads; domain/execution/sizing.ts). `sign` is +1 for the
 * asks a buy takes, −1 for the bids a sell takes. Empty for an empty side.
 */
export function liquidityCurve(levels: LevelsView, mid: number, sign: 1 | -1, untilBps: number, levelsMax = 50): LiquidityPoint[] {
  const points: LiquidityPoint[] = [];
  let lots = 0;
  let paid = 0;
  for (let i = 0; i < Math.min(levels.count, levelsMax); i++) {
    const qty = levels.lotsAt(i);
    if (qty <= 0) continue;
    lots += qty;
    paid += qty * levels.ticksAt(i);
    const bps = ((sign * (paid / lots - mid)) / mid) * 10_000;
    points.push({ lots, bps });
    if (bps > untilBps) break;
  }
  return points;
}
