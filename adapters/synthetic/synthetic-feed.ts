import type { Clock } from '../../application/ports/clock.ts';
import type { MarketDataFeed } from '../../application/ports/market-data-feed.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import { parseBybitFrame } from '../bybit/parse.ts';
import type { FrameDecoder } from '../bybit/frame-decoder.ts';
import type { SyntheticMarketOptions } from './synthetic-market.ts';
import { SyntheticStream } from './synthetic-stream.ts';

export interface SyntheticFeedOptions {
  readonly market: SyntheticMarketOptions;
  /** Stop after this many order-book frames (the snapshot included); default: never. */
  readonly frames?: number;
  /** Stop once this much venue time has passed since the snapshot, ms; default: never. */
  readonly durationMs?: number;
  /**
   * `'max'` (the default): as fast as the consumer takes the events. A number: venue time runs that
   * many times as fast as the clock (1 is real time), waiting with timers between steps.
   */
  readonly speed?: number | 'max';
  /** How frame texts become events; the JSON parser when absent. */
  readonly decoder?: FrameDecoder;
}

/**
 * Steps at most between returns to the event loop, so that timers and I/O of the consumer still run:
 * in 'max' mode, and in a paced feed that has fallen behind the clock (a loaded machine), which
 * otherwise catches up through promises alone and starves a kill switch, a dashboard and a stop.
 */
const STEPS_PER_YIELD = 500;

/**
 * The synthetic market as a market-data feed: the frames of `SyntheticStream` (the market's texts,
 * each with a receive time of its venue time plus a small latency drawn from the seed), parsed by the
 * Bybit parser like frames off the socket, so that the same seed gives the same events whatever the
 * speed, and the same as `ladder synth`'s file of that seed. Every call of `events()` replays the
 * market from its start, until `close()`, after which it yields nothing.
 */
export class SyntheticFeed implements MarketDataFeed {
  readonly description: string;
  private closed = false;
  private wake: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly options: SyntheticFeedOptions,
    private readonly clock: Clock,
  ) {
    const speed = options.speed ?? 'max';
    if (speed !== 'max' && !(speed > 0 && Number.isFinite(speed))) throw new RangeError(`speed must be 'max' or a positive number, got ${speed}`);
    this.description = `synthetic:seed=${options.market.seed}`;
  }

  async *events(): AsyncGenerator<MarketEvent> {
    const stream = new SyntheticStream(this.options);
    const speed = this.options.speed ?? 'max';
    const decode = this.options.decoder ?? parseBybitFrame;
    const venueStartMs = stream.nextTsMs;
    const wallStart = this.clock.nowMicros();
    let sinceYield = 0;
    while (!this.closed && !stream.done) {
      if (speed !== 'max') {
        const due = wallStart + ((stream.nextTsMs - venueStartMs) * 1000) / speed;
        const waitMs = (due - this.clock.nowMicros()) / 1000;
        if (waitMs > 0) {
          await this.pause(waitMs);
          sinceYield = 0;
        }
      }
      if (++sinceYield >= STEPS_PER_YIELD) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sinceYield = 0;
      }
      for (const frame of stream.step()) {
        if (this.closed) return;
        yield decode(frame.text, frame.recvTime);
      }
    }
  }

  /** Nothing to ask for: the synthetic book never loses a frame. A consumer's doubt changes nothing. */
  resync(): void {
    // The frames come from the simulator itself, in order and complete, so a fresh snapshot would
    // carry nothing the book does not already hold.
  }

  /** Ends `events()` after the event in hand, cutting short a wait for the next step. */
  close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const wake = this.wake;
    this.wake = null;
    wake?.();
    return Promise.resolve();
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.wake = null;
        resolve();
      }, ms);
    });
  }
}
