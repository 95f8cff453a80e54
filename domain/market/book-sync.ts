import type { Micros } from '../values/units.ts';
import type { BookFrame, GridBookFrame } from './market-event.ts';
import { LevelBuffer } from './level-buffer.ts';
import type { BookError, OrderBook } from './order-book.ts';

/**
 * Whether the book can be trusted, as a state machine the rest of the system can see:
 * - SYNCING: no snapshot since start or since the connection dropped.
 * - LIVE: a snapshot and every delta since, consecutive in `u`, none crossed, none malformed.
 * - STALE: LIVE, but no book frame for `staleAfterIntervals` push intervals.
 * - RESYNCING: the book broke (a `u` gap, a crossed book, a delta before any snapshot, a bad level);
 *   a fresh snapshot has been asked for.
 * Any snapshot, including Bybit's `u` = 1 after a service restart, resets the book and makes it LIVE.
 * Only a LIVE book may be traded on. A resent delta (`u` not above the book's) is a duplicate: ignored
 * and counted, the state unchanged.
 */
export type SyncState = 'SYNCING' | 'LIVE' | 'STALE' | 'RESYNCING';

export interface SyncConfig {
  /** The venue's push interval for the subscribed depth (Bybit linear orderbook.50: 20 ms). */
  readonly pushIntervalMicros: number;
  /** How many push intervals without a book frame make a LIVE book stale. */
  readonly staleAfterIntervals: number;
}

/** Why the state changed. */
export type SyncTrigger =
  | { readonly kind: 'Snapshot'; readonly u: number }
  | { readonly kind: 'Resumed'; readonly u: number }
  | { readonly kind: 'BookError'; readonly error: BookError }
  | { readonly kind: 'Stale'; readonly silentMicros: number }
  | { readonly kind: 'Disconnected'; readonly detail: string };

export interface SyncTransition {
  readonly from: SyncState;
  readonly to: SyncState;
  readonly trigger: SyncTrigger;
}

/** What one input did: whether the book changed, the state change if any, and whether to resync. */
export interface SyncStep {
  readonly applied: boolean;
  readonly transition: SyncTransition | null;
  /** Ask the feed for a fresh snapshot: set once on entering RESYNCING or STALE, not on every frame. */
  readonly resync: boolean;
  readonly error: BookError | null;
}

/**
 * `gaps` and `crossed` count episodes: the error that breaks a usable book, not every later frame that
 * still does not fit (one lost delta is one gap, however many deltas arrive before the snapshot).
 */
export interface SyncCounters {
  bookFrames: number;
  applied: number;
  snapshots: number;
  gaps: number;
  crossed: number;
  /** Resent deltas ignored. */
  duplicates: number;
  badFrames: number;
  otherSymbol: number;
  resyncs: number;
  stalePeriods: number;
  disconnects: number;
}

const NOTHING: SyncStep = { applied: false, transition: null, resync: false, error: null };
const APPLIED: SyncStep = { applied: true, transition: null, resync: false, error: null };

export class BookSync {
  readonly counters: SyncCounters = {
    bookFrames: 0,
    applied: 0,
    snapshots: 0,
    gaps: 0,
    crossed: 0,
    duplicates: 0,
    badFrames: 0,
    otherSymbol: 0,
    resyncs: 0,
    stalePeriods: 0,
    disconnects: 0,
  };
  private current: SyncState = 'SYNCING';
  private lastBookAt: number | null = null;
  private readonly staleMicros: number;

  constructor(
    readonly book: OrderBook,
    config: SyncConfig,
  ) {
    if (!(config.pushIntervalMicros > 0) || !(config.staleAfterIntervals > 0)) {
      throw new RangeError(`sync config needs a positive push interval and stale multiple, got ${JSON.stringify(config)}`);
    }
    this.staleMicros = config.pushIntervalMicros * config.staleAfterIntervals;
  }

  get state(): SyncState {
    return this.current;
  }

  /** True only when the book may be traded on. */
  get live(): boolean {
    return this.current === 'LIVE';
  }

  /** Applies a book frame and moves the state machine; never throws on bad data. */
  onBookFrame(frame: BookFrame | GridBookFrame): SyncStep {
    const c = this.counters;
    c.bookFrames++;
    // A frame already on the grid skips the text conversion; both paths share the book's checks.
    const result = frame.bids instanceof LevelBuffer ? this.book.applyLevels(frame as GridBookFrame) : this.book.apply(frame as BookFrame);
    if (!result.ok) return this.onError(result.error);
    c.applied++;
    this.lastBookAt = frame.recvTime;
    if (frame.type === 'snapshot') {
      c.snapshots++;
      return this.step(true, 'LIVE', { kind: 'Snapshot', u: frame.u }, false);
    }
    // A delta consecutive in `u` after a silence proves nothing was lost: the book is whole again.
    if (this.current === 'STALE') return this.step(true, 'LIVE', { kind: 'Resumed', u: frame.u }, false);
    return APPLIED;
  }

  /** Judges staleness at `now` (any event's receive time, or a heartbeat's). */
  onTime(now: Micros): SyncStep {
    if (this.current !== 'LIVE' || this.lastBookAt === null) return NOTHING;
    const silent = now - this.lastBookAt;
    if (silent <= this.staleMicros) return NOTHING;
    this.counters.stalePeriods++;
    return this.step(false, 'STALE', { kind: 'Stale', silentMicros: silent }, true);
  }

  /** The connection dropped: whatever arrives next starts from a new snapshot. */
  onDisconnect(detail: string): SyncStep {
    this.counters.disconnects++;
    if (this.current === 'SYNCING') return NOTHING;
    return this.step(false, 'SYNCING', { kind: 'Disconnected', detail }, false);
  }

  private onError(error: BookError): SyncStep {
    const c = this.counters;
    // Frames after the one that broke the book still fail (the book's `u` stays where it broke, a
    // crossed book stays crossed); they belong to the same episode and are not counted again.
    const broken = this.current === 'RESYNCING';
    switch (error.kind) {
      case 'SymbolMismatch':
        // Another instrument's frame says nothing about this book.
        c.otherSymbol++;
        return { ...NOTHING, error };
      case 'Duplicate':
        c.duplicates++;
        return { ...NOTHING, error };
      case 'SequenceGap':
      case 'DeltaBeforeSnapshot':
        if (!broken) c.gaps++;
        break;
      case 'CrossedBook':
        if (!broken) c.crossed++;
        break;
      case 'BadLevel':
        // The frame was refused whole, so the book misses an update: as good as a gap.
        c.badFrames++;
        break;
    }
    if (broken) return { ...NOTHING, error };
    return { ...this.step(false, 'RESYNCING', { kind: 'BookError', error }, true), error };
  }

  private step(applied: boolean, to: SyncState, trigger: SyncTrigger, resync: boolean): SyncStep {
    const from = this.current;
    if (resync) this.counters.resyncs++;
    if (from === to) return { applied, transition: null, resync, error: null };
    this.current = to;
    return { applied, transition: { from, to, trigger }, resync, error: null };
  }
}
