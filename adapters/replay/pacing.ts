import type { Clock } from '../../application/ports/clock.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import type { Micros } from '../../domain/values/units.ts';

/** Waits about `micros` microseconds. */
export type Sleep = (micros: number) => Promise<void>;

/** Replay speed: a multiple of the recorded speed (2 replays twice as fast), or as fast as possible. */
export type Speed = number | 'max';

export interface PaceOptions<T> {
  readonly speed: Speed;
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** The item's recorded time, µs; an item without one (null) is passed on without waiting. */
  readonly timeOf: (item: T) => Micros | null;
}

/**
 * The replay timeline, without timers. The first timed item fixes the anchor: its recorded time
 * against the clock's reading. Every later item is due at
 * `anchorWall + (recorded − anchorRecorded) / speed`, so waits are measured from the anchor, not from
 * the previous item, and a late timer or a slow consumer does not add up over a long replay: items
 * behind the timeline go at once until it is caught up. An item recorded before the anchor or before
 * its predecessor (venue times of different topics interleave out of order) is due at once.
 */
export class PaceSchedule {
  private anchored = false;
  private anchorRecorded = 0;
  private anchorWall = 0;

  constructor(private readonly speed: number) {
    if (!(Number.isFinite(speed) && speed > 0)) throw new RangeError(`replay speed must be a positive number or 'max', not ${speed}`);
  }

  /** Microseconds to wait before handing over an item recorded at `recorded` when the clock reads `now`; 0 when due. */
  waitFor(recorded: number, now: number): number {
    if (!this.anchored) {
      this.anchored = true;
      this.anchorRecorded = recorded;
      this.anchorWall = now;
      return 0;
    }
    const wait = Math.ceil(this.anchorWall + (recorded - this.anchorRecorded) / this.speed - now);
    return wait > 0 ? wait : 0;
  }
}

/** Hands over the items at their recorded pace × speed, or as fast as the consumer takes them with 'max'. */
export async function* pace<T>(items: AsyncIterable<T>, options: PaceOptions<T>): AsyncGenerator<T> {
  if (options.speed === 'max') {
    yield* items;
    return;
  }
  const schedule = new PaceSchedule(options.speed);
  for await (const item of items) {
    const recorded = options.timeOf(item);
    if (recorded !== null) {
      const wait = schedule.waitFor(recorded, options.clock.nowMicros());
      if (wait > 0) await options.sleep(wait);
    }
    yield item;
  }
}

/**
 * Sleeps on a timer, to the millisecond at best; the schedule takes the timer's lateness back at the
 * next item, since it measures every wait from its anchor.
 */
export const timerSleep: Sleep = (micros) =>
  new Promise((resolve) => {
    setTimeout(resolve, Math.round(micros / 1000));
  });

/** The local receive time an event carries, µs; null for a trades event without trades. */
export { receiveTimeOf as receiveTime } from '../../domain/market/market-event.ts';

/**
 * The venue's time of an event, µs, for pacing files without receive times: a book frame's `ts`, the
 * first trade's `T`, a ticker's `ts`; null for events that carry no venue time.
 */
export function venueTime(event: MarketEvent): Micros | null {
  switch (event.kind) {
    case 'book':
    case 'gridBook':
      return event.frame.ts;
    case 'trades':
    case 'gridTrades':
      return event.trades.length > 0 ? event.trades[0].ts : null;
    case 'ticker':
      return event.ticker.ts;
    case 'control':
    case 'ignored':
    case 'malformed':
    case 'status':
    case 'heartbeat':
      return null;
  }
}
