import { feedQuality, FeedQualityGate, nextBaseline, type FeedMinute, type FeedQuality } from '../domain/market/feed-quality.ts';
import { LatencyHistogram } from '../domain/stats/latency-histogram.ts';
import type { RiskManager, RiskRecord } from '../domain/risk/risk-manager.ts';
import type { Micros } from '../domain/values/units.ts';
import type { MarketCounters } from './market-data.ts';

/** One scored minute. */
export interface ScoredMinute extends FeedQuality {
  /** Start of the minute, µs (event time). */
  readonly start: Micros;
  readonly minute: FeedMinute;
  /** The risk manager's records the score caused (the feedQuality trip set or cleared). */
  readonly records: readonly RiskRecord[];
}

const MINUTE = 60_000_000;

/**
 * Scores the feed minute by minute from what MarketData counts: call `observe` with every event's
 * time, the counters after it and whether the book is LIVE (and `latency` for a book frame). When an
 * event falls in a new minute, the minute before is scored (domain/market/feed-quality.ts), its score
 * handed to the risk manager's `feedQuality` gate, and returned. Time not LIVE is measured between
 * events; the latency baseline learns from healthy minutes only.
 */
export class FeedQualityMonitor {
  #start: number | null = null;
  #lastAt = 0;
  #lastLive = false;
  #notLive = 0;
  #base: MarketCounters | null = null;
  #latency = new LatencyHistogram();
  #baseline: number | null = null;
  readonly gate: FeedQualityGate;
  /** Scored minutes, oldest first (a run's summary shows them). */
  readonly minutes: ScoredMinute[] = [];

  constructor(gate = new FeedQualityGate(), private readonly risk: RiskManager | null = null, private readonly minuteMicros = MINUTE) {
    this.gate = gate;
  }

  /** The latest minute's score; null before the first minute ends. */
  get score(): number | null {
    return this.minutes.at(-1)?.score ?? null;
  }

  /** For the run's summary: the latest score, the lowest, and the minutes scored. */
  summary(): { readonly last: number | null; readonly lowest: number | null; readonly minutes: number; readonly tripped: boolean } {
    const scores = this.minutes.map((m) => m.score);
    return { last: this.score, lowest: scores.length === 0 ? null : Math.min(...scores), minutes: scores.length, tripped: this.gate.tripped };
  }

  /** `counters` is read only at the start and at each minute's end (MarketData builds it afresh on each read). */
  observe(now: Micros, counters: () => Readonly<MarketCounters>, live: boolean, latency?: number): ScoredMinute | null {
    if (this.#start === null) {
      this.#start = now - (now % this.minuteMicros);
      this.#lastAt = now;
      this.#base = { ...counters() };
    }
    let scored: ScoredMinute | null = null;
    const end = this.#start + this.minuteMicros;
    if (now >= end) {
      if (!this.#lastLive) this.#notLive += end - this.#lastAt;
      scored = this.#score(end, counters());
      this.#lastAt = end;
    }
    if (!this.#lastLive) this.#notLive += Math.max(0, now - this.#lastAt);
    this.#lastAt = now;
    this.#lastLive = live;
    if (latency !== undefined) this.#latency.record(latency);
    return scored;
  }

  #score(end: number, counters: Readonly<MarketCounters>): ScoredMinute {
    const base = this.#base!;
    const p99 = this.#latency.summary().p99;
    const minute: FeedMinute = {
      windowMicros: this.minuteMicros,
      notLiveMicros: Math.min(this.#notLive, this.minuteMicros),
      gaps: counters.gaps - base.gaps,
      crossed: counters.crossed - base.crossed,
      resyncs: counters.resyncs - base.resyncs,
      stalePeriods: counters.stalePeriods - base.stalePeriods,
      malformed: counters.malformed - base.malformed,
      tickerMismatches: counters.tickerMismatches - base.tickerMismatches,
      latencyP99Micros: p99 ?? null,
    };
    const quality = feedQuality(minute, this.#baseline);
    this.#baseline = nextBaseline(this.#baseline, minute, quality.score);
    const start = this.#start! as Micros;
    const records = this.risk === null ? [] : this.risk.onFeedQuality(quality.score, this.gate, end as Micros);
    if (this.risk === null) this.gate.onScore(quality.score);
    const scored: ScoredMinute = { ...quality, start, minute, records };
    this.minutes.push(scored);
    this.#start = end - (end % this.minuteMicros);
    this.#base = { ...counters };
    this.#notLive = 0;
    this.#latency = new LatencyHistogram();
    return scored;
  }
}
