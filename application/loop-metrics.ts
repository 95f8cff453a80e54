import { createNoopMeter, metrics, type Attributes, type BatchObservableCallback, type Histogram, type Meter, type Observable } from '@opentelemetry/api';
import type { SyncState } from '../domain/market/book-sync.ts';
import type { MarketCounters } from './market-data.ts';
import type { WriterStats } from './batched-writer.ts';

/** The book's state as a number for a gauge: 0 SYNCING, 1 LIVE, 2 STALE, 3 RESYNCING. */
export const BOOK_STATE_VALUE: { readonly [S in SyncState]: number } = { SYNCING: 0, LIVE: 1, STALE: 2, RESYNCING: 3 };

/** What the observed instruments read, at each collection (every export interval, not every tick). */
export interface LoopMetricSources {
  readonly state: () => SyncState;
  readonly counters: () => Readonly<MarketCounters>;
  /** Local receipt minus the matching engine's time of the last book frame, µs; null before one. */
  readonly feedLatencyMicros: () => number | null;
  readonly writer: () => WriterStats;
  /** The last minute's feed-quality score, 0–100; null before a minute is scored (absent: not reported). */
  readonly feedQuality?: () => number | null;
}

/**
 * The loop's OpenTelemetry metrics: the tick-to-decision histogram, recorded per tick that reached
 * inference, and gauges and counters of feed health and writer lag read at collection time. With no
 * meter provider registered the API's no-op meter makes every call here return at once.
 */
export class LoopMetrics {
  private readonly tickToDecision: Histogram;
  private readonly observables: Observable[];
  private readonly callback: BatchObservableCallback;
  private readonly attributes: Attributes;
  private observing = false;
  /**
   * Whether a meter provider records anything: with none registered the meter is the API's no-op one
   * for good, and a tick's decision time is not handed to it (a call and a boxed number at every book).
   */
  private readonly recording: boolean;

  constructor(runId: string, sources: LoopMetricSources, private readonly meter: Meter = metrics.getMeter('ladder')) {
    this.attributes = { 'ladder.run_id': runId };
    this.recording = meter !== createNoopMeter();
    this.tickToDecision = meter.createHistogram('ladder.tick_to_decision', {
      unit: 'ms',
      description: 'From a frame received to the decision made on it (the first order handed to the venue, or none), for ticks that reached inference',
      advice: { explicitBucketBoundaries: [0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 25, 100] },
    });
    const state = meter.createObservableGauge('ladder.feed.book_state', { description: 'Book state: 0 SYNCING, 1 LIVE, 2 STALE, 3 RESYNCING' });
    const frames = meter.createObservableCounter('ladder.feed.frames', { description: 'Market events received' });
    const bookFrames = meter.createObservableCounter('ladder.feed.book_frames', { description: 'Book frames received' });
    const gaps = meter.createObservableCounter('ladder.feed.gaps', { description: 'Sequence gaps detected in the book stream' });
    const resyncs = meter.createObservableCounter('ladder.feed.resyncs', { description: 'Resyncs asked of the feed' });
    const stale = meter.createObservableCounter('ladder.feed.stale_periods', { description: 'Times the book went stale' });
    const latency = meter.createObservableGauge('ladder.feed.latency', { unit: 'ms', description: 'Last book frame: local receipt minus the matching engine time' });
    const queued = meter.createObservableGauge('ladder.writer.queued', { unit: '{row}', description: 'Rows in memory not yet written to the store' });
    const lag = meter.createObservableGauge('ladder.writer.lag', { unit: 'ms', description: 'Age of the oldest row not yet written' });
    const spilled = meter.createObservableGauge('ladder.writer.spilled', { unit: '{row}', description: 'Rows in the spill file not yet written back' });
    const quality = meter.createObservableGauge('ladder.feed.quality', { description: 'Feed-quality score of the last minute, 0 (unusable) to 100 (clean)' });
    this.observables = [state, frames, bookFrames, gaps, resyncs, stale, latency, queued, lag, spilled, quality];
    const a = this.attributes;
    this.callback = (result) => {
      const c = sources.counters();
      result.observe(state, BOOK_STATE_VALUE[sources.state()], a);
      result.observe(frames, c.frames, a);
      result.observe(bookFrames, c.bookFrames, a);
      result.observe(gaps, c.gaps, a);
      result.observe(resyncs, c.resyncs, a);
      result.observe(stale, c.stalePeriods, a);
      const feed = sources.feedLatencyMicros();
      if (feed !== null) result.observe(latency, feed / 1000, a);
      const w = sources.writer();
      result.observe(queued, w.queued, a);
      result.observe(lag, w.lagMicros / 1000, a);
      result.observe(spilled, w.spilled, a);
      const score = sources.feedQuality?.() ?? null;
      if (score !== null) result.observe(quality, score, a);
    };
  }

  /** A tick that reached inference decided after `ms` milliseconds. */
  recordDecision(ms: number): void {
    if (this.recording) this.tickToDecision.record(ms, this.attributes);
  }

  /** Starts reporting the gauges and counters (the run began); `stop` ends it, so a finished loop is not kept alive. */
  observe(): void {
    if (this.observing) return;
    this.observing = true;
    this.meter.addBatchObservableCallback(this.callback, this.observables);
  }

  stop(): void {
    if (!this.observing) return;
    this.observing = false;
    this.meter.removeBatchObservableCallback(this.callback, this.observables);
  }
}
