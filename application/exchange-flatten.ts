import type { Side } from '../domain/trading/side.ts';
import type { Lots, Micros } from '../domain/values/units.ts';
import type { OrderFlow } from './order-flow.ts';
import type { LiveVenue } from './ports/live-venue.ts';
import type { Logger } from './ports/logger.ts';

export interface FlattenOptions {
  /** The largest flatten order, lots (the risk limit on order size). */
  readonly maxOrderLots: Lots;
  /** Rounds of cancel-all, read-back and flatten before giving up; 10 when absent. */
  readonly rounds?: number;
  /** Wait after a round's orders before reading the position back, ms; 250 when absent. */
  readonly settleMs?: number;
  readonly now: () => Micros;
}

/** How a kill's flatten ended: flat, or the position left on the exchange. */
export type FlattenOutcome = { readonly flat: true; readonly rounds: number } | { readonly flat: false; readonly lots: Lots | null; readonly rounds: number };

/**
 * The kill switch on a real exchange, driven by timers, not by market data: read the position the
 * exchange holds, send reduce-only market orders for it (each within the order-size limit), cancel
 * every order through the venue, read the position back, and repeat until it is flat with every
 * order canceled. It says so loudly if
 * it cannot. The orders go through the order flow, so they are recorded like any other; their size
 * comes from the exchange's position, not from the run's, which may be behind it.
 */
export async function flattenOnExchange(live: LiveVenue, orders: OrderFlow, logger: Logger, reason: string, options: FlattenOptions): Promise<FlattenOutcome> {
  const rounds = options.rounds ?? 10;
  let lots: Lots | null = null;
  let cancelled = false;
  for (let round = 1; round <= rounds; round++) {
    try {
      lots = await live.readPosition();
    } catch (error) {
      logger.error({ round, err: String(error) }, 'kill switch: the exchange\'s position could not be read; trying again');
      await cancelAll(live, logger, round);
      await sleep(options.settleMs ?? 250);
      continue;
    }
    if (lots === 0 && (round > 1 || cancelled)) {
      logger.warn({ rounds: round }, 'kill switch: no order working and the exchange position is flat');
      return { flat: true, rounds: round };
    }
    if (lots !== 0) {
      const side: Side = lots > 0 ? 'Sell' : 'Buy';
      logger.warn({ round, exchangeLots: lots, side }, 'kill switch: flattening the exchange\'s position with reduce-only market orders');
      for (let left = Math.abs(lots); left > 0;) {
        const qty = Math.min(left, options.maxOrderLots) as Lots;
        await orders.submitMarket({ side, qty }, options.now(), null, `kill switch: ${reason}`, true);
        left -= qty;
      }
    }
    // After the flatten is on its way (Bybit answers one cancel-all a second): whatever still works
    // could fill and move the position again, which the next round's read would show.
    cancelled = (await cancelAll(live, logger, round)) || cancelled;
    await sleep(options.settleMs ?? 250);
  }
  logger.error(
    { exchangeLots: lots, rounds },
    `KILL SWITCH COULD NOT FLATTEN: the exchange still holds ${lots === null ? 'an unknown position' : `${lots} lots`} after ${rounds} rounds; flatten it by hand on the exchange`,
  );
  return { flat: false, lots, rounds };
}

/** Cancel-all through the venue; false (logged) when it failed. */
async function cancelAll(live: LiveVenue, logger: Logger, round: number): Promise<boolean> {
  try {
    await live.cancelAll();
    return true;
  } catch (error) {
    logger.error({ round, err: String(error) }, 'kill switch: cancel-all failed; trying again');
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
