import type { Micros } from '../../domain/values/units.ts';
import { Rng } from './rng.ts';
import { createSyntheticMarket, type SyntheticMarket, type SyntheticMarketOptions } from './synthetic-market.ts';

export interface SyntheticStreamOptions {
  readonly market: SyntheticMarketOptions;
  /** Stop after this many order-book frames (the snapshot included); default: never. */
  readonly frames?: number;
  /** Stop once this much venue time has passed since the snapshot, ms; default: never. */
  readonly durationMs?: number;
}

/** One frame of the synthetic market as received: its text, the local receive time, µs, and its kind. */
export interface ReceivedFrame {
  readonly kind: 'book' | 'trades';
  readonly text: string;
  readonly recvTime: Micros;
}

/** Network latency added to the venue time of a frame to make its receive time: a base plus jitter, µs. */
const LATENCY_BASE_MICROS = 2_000;
const LATENCY_JITTER_MICROS = 3_000;

/**
 * The synthetic market as it is received, one step at a time: the frame texts of `createSyntheticMarket`,
 * each stamped with a receive time of its venue time plus a small latency (2 to 5 ms, drawn from the
 * seed, never going backwards), until `frames` book frames or `durationMs` of venue time. The one
 * definition of the synthetic stream: `--source synthetic` plays it, `ladder synth` writes it, so a
 * file written with a seed replays as the same events as the source with that seed.
 */
export class SyntheticStream {
  private readonly market: SyntheticMarket;
  private readonly latency: Rng;
  private readonly maxFrames: number;
  private readonly endMs: number;
  private books = 0;
  private lastRecv = 0;

  constructor(options: SyntheticStreamOptions) {
    this.market = createSyntheticMarket(options.market);
    this.latency = new Rng(options.market.seed, 3);
    this.maxFrames = options.frames ?? Infinity;
    this.endMs = this.market.nextTsMs + (options.durationMs ?? Infinity);
  }

  /** Venue time of the book frame the next step ends with, ms. */
  get nextTsMs(): number {
    return this.market.nextTsMs;
  }

  /** The stream has reached its frame count or its duration. */
  get done(): boolean {
    return this.books >= this.maxFrames || this.market.nextTsMs > this.endMs;
  }

  /** The next step's frames in receive order; empty once `done`. */
  step(): ReceivedFrame[] {
    if (this.done) return [];
    const out: ReceivedFrame[] = [];
    for (const frame of this.market.next()) {
      const recv = Math.max(this.lastRecv, frame.tsMs * 1000 + LATENCY_BASE_MICROS + this.latency.below(LATENCY_JITTER_MICROS));
      this.lastRecv = recv;
      out.push({ kind: frame.kind, text: frame.text, recvTime: recv as Micros });
      if (frame.kind === 'book' && ++this.books >= this.maxFrames) break;
    }
    return out;
  }
}
