import { logGated, RepeatGate } from './repeat-gate.ts';
import { BookSync, type SyncConfig, type SyncState, type SyncStep, type SyncTransition } from '../domain/market/book-sync.ts';
import type { BookFrame, GridBookFrame, MarketEvent, RawTrade, Ticker } from '../domain/market/market-event.ts';
import { TickerCheck } from '../domain/market/ticker-check.ts';
import { OrderBook, type FrameHeader } from '../domain/market/order-book.ts';
import { tradeFromRaw, type Trade } from '../domain/market/trade.ts';
import { LatencyHistogram, type LatencySummary } from '../domain/stats/latency-histogram.ts';
import { priceToTicks, type Instrument } from '../domain/values/instrument.ts';
import type { Micros } from '../domain/values/units.ts';
import type { Logger } from './ports/logger.ts';
import type { MarketDataFeed } from './ports/market-data-feed.ts';

export interface MarketDataConfig {
  readonly instrument: Instrument;
  /** Book depth window in levels (Bybit's subscribed depth); null keeps every level sent. */
  readonly bookDepth: number | null;
  readonly sync: SyncConfig;
}

/** A book is stale after this many push intervals without a book frame, unless configured otherwise. */
export const DEFAULT_STALE_INTERVALS = 10;

/** Bybit linear push intervals by depth (v5 docs, orderbook topic: 1 → 10 ms, 50 → 20, 200 → 100, 1000 → 200). */
export function bybitSyncConfig(depth: number | null, staleAfterIntervals = DEFAULT_STALE_INTERVALS): SyncConfig {
  const ms = depth === 1 ? 10 : depth === 50 ? 20 : depth === 200 ? 100 : depth === 1000 ? 200 : 100;
  return { pushIntervalMicros: ms * 1000, staleAfterIntervals };
}

export interface MarketCounters {
  frames: number;
  bookFrames: number;
  /** Book frames applied to the book. */
  bookUpdates: number;
  trades: number;
  tickers: number;
  control: number;
  /** Frames of topics the venue publishes that the system does not use. */
  ignored: number;
  /** Frames or entries that could not be used: not JSON, unknown topic, bad field, bad level. */
  malformed: number;
  /** Episodes: the error that broke the book, not each later frame that still does not fit. */
  gaps: number;
  crossed: number;
  /** Resent deltas ignored (the book stays LIVE). */
  duplicates: number;
  resyncs: number;
  stalePeriods: number;
  disconnects: number;
  /** Tickers compared with the LIVE book at their cross sequence (domain/market/ticker-check.ts). */
  tickerChecks: number;
  /** Of them, those whose best bid or ask was not the book's. */
  tickerMismatches: number;
}

/**
 * What one market event produced for the strategy. The object `MarketData.process` returns is valid
 * until its next call (it is reused): read it before processing the next event.
 */
export interface MarketStep {
  /** Set when the book is LIVE after this event and the event changed it: the frame's header. */
  readonly book: FrameHeader | null;
  readonly trades: readonly Trade[];
  readonly transition: SyncTransition | null;
}

const EXCERPT = 200;
/**
 * The trades of every step without any, shared. Not frozen (readonly by its type): V8 makes an
 * iterator object for each for-of over a frozen array, and every book event's step carries this one.
 */
const NO_TRADES: readonly Trade[] = [];
const QUIET: MarketStep = { book: null, trades: NO_TRADES, transition: null };

/**
 * Market data as the strategy may see it: every event goes through the book and its integrity state
 * machine here, and only a LIVE book is handed on. Broken books trigger a resync request to the feed.
 * Counts every kind of frame and the latency from the matching engine (`cts`) to local receipt.
 */
export class MarketData {
  readonly book: OrderBook;
  readonly sync: BookSync;
  readonly latency = new LatencyHistogram();
  /** Malformed-frame log lines, rate-limited by reason: a feed sending garbage must not flood the log. */
  private readonly malformedLines = new RepeatGate();
  private readonly c: MarketCounters = {
    frames: 0,
    bookFrames: 0,
    bookUpdates: 0,
    trades: 0,
    tickers: 0,
    control: 0,
    ignored: 0,
    malformed: 0,
    gaps: 0,
    crossed: 0,
    duplicates: 0,
    resyncs: 0,
    stalePeriods: 0,
    disconnects: 0,
    tickerChecks: 0,
    tickerMismatches: 0,
  };
  private readonly tickers = new TickerCheck();
  /** The step `process` returns, filled afresh at each event: one object for the run, not one an event. */
  private readonly out: { book: FrameHeader | null; trades: readonly Trade[]; transition: SyncTransition | null } = { book: null, trades: NO_TRADES, transition: null };

  constructor(
    private readonly config: MarketDataConfig,
    private readonly feed: Pick<MarketDataFeed, 'resync'>,
    private readonly logger: Logger,
  ) {
    this.book = new OrderBook(config.instrument, config.bookDepth === null ? {} : { depth: config.bookDepth });
    this.sync = new BookSync(this.book, config.sync);
  }

  get state(): SyncState {
    return this.sync.state;
  }

  get counters(): Readonly<MarketCounters> {
    const s = this.sync.counters;
    return {
      ...this.c,
      bookFrames: s.bookFrames,
      bookUpdates: s.applied,
      gaps: s.gaps,
      crossed: s.crossed,
      duplicates: s.duplicates,
      resyncs: s.resyncs,
      stalePeriods: s.stalePeriods,
      disconnects: s.disconnects,
      malformed: this.c.malformed + s.badFrames + s.otherSymbol,
      tickerChecks: this.tickers.checked,
      tickerMismatches: this.tickers.mismatches,
    };
  }

  latencySummary(): LatencySummary {
    return this.latency.summary();
  }

  process(event: MarketEvent): MarketStep {
    this.c.frames++;
    switch (event.kind) {
      case 'book':
      case 'gridBook':
        return this.onBook(event.frame);
      case 'trades':
        return this.withTime(event.trades[0]?.recvTime, this.stepOf(null, this.convertTrades(event.trades), null));
      case 'gridTrades':
        // Already on the grid, the symbol checked: what convertTrades would have made of them.
        this.c.trades += event.trades.length;
        return this.withTime(event.trades[0]?.recvTime, this.stepOf(null, event.trades, null));
      case 'ticker':
        this.c.tickers++;
        if (this.sync.live) this.checkTicker(event.ticker);
        return this.withTime(event.ticker.recvTime, QUIET);
      case 'control':
        this.c.control++;
        if (!event.success) this.logger.warn({ op: event.op, message: event.message }, 'venue refused a request');
        return this.withTime(event.recvTime, QUIET);
      case 'ignored':
        this.c.ignored++;
        return this.withTime(event.recvTime, QUIET);
      case 'malformed':
        this.c.malformed++;
        logGated(this.malformedLines, this.logger, 'warn', event.reason, event.recvTime, { reason: event.reason, frame: event.text.slice(0, EXCERPT), malformed: this.c.malformed }, 'malformed frame skipped');
        return this.withTime(event.recvTime, QUIET);
      case 'heartbeat':
        return this.withTime(event.recvTime, QUIET);
      case 'status':
        this.logger.info({ status: event.status, detail: event.detail }, 'feed status');
        if (event.status === 'disconnected') return this.afterSync(this.sync.onDisconnect(event.detail), QUIET);
        return QUIET;
    }
  }

  private onBook(frame: BookFrame | GridBookFrame): MarketStep {
    this.latency.record(frame.recvTime - frame.cts);
    const step = this.sync.onBookFrame(frame);
    if (step.error !== null && step.error.kind === 'BadLevel') {
      const e = step.error;
      this.logger.warn({ u: frame.u, side: e.side, price: e.price, size: e.size, reason: e.reason }, 'book frame with a bad level skipped');
    }
    const live = step.applied && this.sync.live;
    if (live) this.tickers.onBook(frame.seq, this.book.bestBid(), this.book.bestAsk());
    // The common case, a LIVE book moved on by one frame, makes nothing.
    if (step.transition === null && !step.resync) return live ? this.stepOf(frame, NO_TRADES, null) : QUIET;
    return this.afterSync(step, this.stepOf(live ? frame : null, NO_TRADES, null));
  }

  /** The reused step, filled with this event's book, trades and transition. */
  private stepOf(book: FrameHeader | null, trades: readonly Trade[], transition: SyncTransition | null): MarketStep {
    const out = this.out;
    out.book = book;
    out.trades = trades;
    out.transition = transition;
    return out;
  }

  private withTime(recvTime: Micros | undefined, step: MarketStep): MarketStep {
    if (recvTime === undefined) return step;
    return this.afterSync(this.sync.onTime(recvTime), step);
  }

  private afterSync(sync: SyncStep, step: MarketStep): MarketStep {
    const t = sync.transition;
    if (t !== null && t.to !== 'LIVE') this.tickers.reset();
    if (t !== null) {
      const fields = { from: t.from, to: t.to, trigger: t.trigger };
      if (t.to === 'LIVE') this.logger.info(fields, `book ${t.to}`);
      else this.logger.warn(fields, `book ${t.to}: not traded on until a snapshot`);
    }
    if (sync.resync) this.feed.resync(describeTrigger(t?.trigger));
    return t === null ? step : this.stepOf(step.book, step.trades, t);
  }

  /** A ticker's best bid and ask against the book; a price off the grid is not compared (the ticker is not the book's input). */
  private checkTicker(ticker: Ticker): void {
    this.tickers.onTicker(ticker.cs, this.tickerTicks(ticker.bid1Price), this.tickerTicks(ticker.ask1Price));
  }

  /** A ticker's price in ticks; null when absent or off the grid. A method, not a closure made per ticker. */
  private tickerTicks(text: string | null): number | null {
    if (text === null) return null;
    const r = priceToTicks(this.config.instrument, text);
    return r.ok ? r.value : null;
  }

  private convertTrades(raw: readonly RawTrade[]): Trade[] {
    const out: Trade[] = [];
    for (const r of raw) {
      const trade = tradeFromRaw(this.config.instrument, r);
      if (!trade.ok) {
        this.c.malformed++;
        this.logger.warn({ tradeId: r.tradeId, error: trade.error }, 'malformed trade skipped');
        continue;
      }
      this.c.trades++;
      out.push(trade.value);
    }
    return out;
  }
}

function describeTrigger(trigger: SyncTransition['trigger'] | undefined): string {
  if (trigger === undefined) return 'book unusable';
  switch (trigger.kind) {
    case 'BookError':
      return `book error ${trigger.error.kind}`;
    case 'Stale':
      return `no book frame for ${Math.round(trigger.silentMicros / 1000)} ms`;
    case 'Disconnected':
      return `disconnected: ${trigger.detail}`;
    case 'Snapshot':
    case 'Resumed':
      return trigger.kind;
  }
}
