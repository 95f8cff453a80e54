/**
 * The quality of the market-data feed over one minute, as one number from 0 (unusable) to 100 (clean),
 * from what the book's state machine and the parser counted in that minute. Pure: the same minute
 * gives the same score. Each fault takes a bounded penalty off 100, so that no single kind of fault
 * can hide the others and a minute with many faults still reads 0 rather than a negative number.
 *
 * | input                                   | penalty                                   | at most |
 * |-----------------------------------------|-------------------------------------------|---------|
 * | share of the minute not LIVE            | 50 × share                                | 50      |
 * | sequence gaps (episodes)                | 10 each                                   | 30      |
 * | crossed books (episodes)                | 10 each                                   | 20      |
 * | resyncs asked                           | 5 each                                    | 20      |
 * | stale periods                           | 5 each                                    | 15      |
 * | feed latency p99 against its baseline   | 10 × log2(p99 / (2 × baseline)) when > 2× | 20      |
 * | malformed frames                        | 2 each                                    | 10      |
 * | ticker mismatches (ticker vs the book)  | 2 each                                    | 10      |
 */
export interface FeedMinute {
  /** Length of the window, µs (a minute; shorter for a run's first or last). */
  readonly windowMicros: number;
  /** Of it, time the book was not LIVE, µs. */
  readonly notLiveMicros: number;
  readonly gaps: number;
  readonly crossed: number;
  readonly resyncs: number;
  readonly stalePeriods: number;
  readonly malformed: number;
  readonly tickerMismatches: number;
  /** 99th percentile of frame latency (receive time − matching-engine time) in the window, µs; null without frames. */
  readonly latencyP99Micros: number | null;
}

export interface FeedPenalties {
  readonly notLive: number;
  readonly gaps: number;
  readonly crossed: number;
  readonly resyncs: number;
  readonly stale: number;
  readonly latency: number;
  readonly malformed: number;
  readonly tickerMismatches: number;
}

export interface FeedQuality {
  /** 0–100, an integer. */
  readonly score: number;
  readonly penalties: FeedPenalties;
}

const cap = (value: number, max: number): number => Math.min(max, Math.max(0, value));

/** The score of one minute; `baselineP99Micros` is the feed's own usual p99 (null before one is known). */
export function feedQuality(m: FeedMinute, baselineP99Micros: number | null): FeedQuality {
  const share = m.windowMicros > 0 ? cap(m.notLiveMicros / m.windowMicros, 1) : 0;
  const ratio = baselineP99Micros === null || baselineP99Micros <= 0 || m.latencyP99Micros === null ? 0 : m.latencyP99Micros / baselineP99Micros;
  const penalties: FeedPenalties = {
    notLive: 50 * share,
    gaps: cap(10 * m.gaps, 30),
    crossed: cap(10 * m.crossed, 20),
    resyncs: cap(5 * m.resyncs, 20),
    stale: cap(5 * m.stalePeriods, 15),
    latency: ratio > 2 ? cap(10 * Math.log2(ratio / 2), 20) : 0,
    malformed: cap(2 * m.malformed, 10),
    tickerMismatches: cap(2 * m.tickerMismatches, 10),
  };
  const p = penalties;
  const total = p.notLive + p.gaps + p.crossed + p.resyncs + p.stale + p.latency + p.malformed + p.tickerMismatches;
  return { score: Math.round(cap(100 - total, 100)), penalties };
}

/**
 * The latency baseline after a minute: an exponential average (weight 0.1) of the p99 of minutes
 * whose score stayed at or above `healthyFrom`, so that a bad minute does not teach the baseline to
 * expect bad minutes. The first healthy minute sets it.
 */
export function nextBaseline(baseline: number | null, minute: FeedMinute, score: number, healthyFrom = 90): number | null {
  if (minute.latencyP99Micros === null || score < healthyFrom) return baseline;
  return baseline === null ? minute.latencyP99Micros : 0.9 * baseline + 0.1 * minute.latencyP99Micros;
}

export interface FeedQualityFloor {
  /** Below this score new entries stop. */
  readonly floor: number;
  /** The score must reach floor + hysteresis … */
  readonly hysteresis: number;
  /** … for this many minutes in a row before entries resume. */
  readonly clearAfterMinutes: number;
}

export const DEFAULT_FEED_QUALITY_FLOOR: FeedQualityFloor = { floor: 60, hysteresis: 15, clearAfterMinutes: 2 };

/**
 * The default gate at another floor (0–100): the hysteresis shrinks near the top so that the clearing
 * level, floor + hysteresis, never passes 100 (a floor of 95 clears at 100, not at an unreachable 110).
 * A floor of 0 never trips: no score is below it.
 */
export function feedQualityFloorAt(floor: number): FeedQualityFloor {
  return { ...DEFAULT_FEED_QUALITY_FLOOR, floor, hysteresis: Math.min(DEFAULT_FEED_QUALITY_FLOOR.hysteresis, 100 - floor) };
}

/**
 * Whether the feed is good enough to open positions, with hysteresis: it trips on the first minute
 * below the floor and clears only after `clearAfterMinutes` minutes in a row at floor + hysteresis or
 * above, so a feed hovering at the floor does not switch entries on and off every minute.
 */
export class FeedQualityGate {
  #tripped = false;
  #good = 0;

  constructor(readonly settings: FeedQualityFloor = DEFAULT_FEED_QUALITY_FLOOR) {
    if (!(settings.floor >= 0 && settings.floor <= 100) || !(settings.hysteresis >= 0) || !(Number.isInteger(settings.clearAfterMinutes) && settings.clearAfterMinutes >= 1)) {
      throw new RangeError(`feed quality floor needs 0 <= floor <= 100, hysteresis >= 0 and a whole number of minutes >= 1, got ${JSON.stringify(settings)}`);
    }
  }

  get tripped(): boolean {
    return this.#tripped;
  }

  /** The minute's score; returns 'trip' or 'clear' when the gate changes, else null. */
  onScore(score: number): 'trip' | 'clear' | null {
    const { floor, hysteresis, clearAfterMinutes } = this.settings;
    if (!this.#tripped) {
      if (score >= floor) return null;
      this.#tripped = true;
      this.#good = 0;
      return 'trip';
    }
    this.#good = score >= floor + hysteresis ? this.#good + 1 : 0;
    if (this.#good < clearAfterMinutes) return null;
    this.#tripped = false;
    this.#good = 0;
    return 'clear';
  }
}
