/**
 * The mid's recent volatility, for the order-type chooser: an exponentially weighted realized
 * variance of the mid's log changes. Each change r (bps) adds r² to a sum that decays with a
 * half-life of `halfLifeMicros`; the sum over the decay's time constant τ = half-life / ln 2 estimates
 * the variance per unit of time, so the standard deviation over a span T is √(sum × T / τ). Over a
 * 5 s span it measures what the `rv_5s_bps` feature measures (the square root of the summed squared
 * log mid changes over 5 s), weighted towards the latest changes and kept in O(1) per book.
 *
 * Pure: time arrives with each mid (venue µs), and a mid × 2 keeps half-tick mids exact.
 */
export class MidVolatility {
  private sum = 0;
  /** Venue time the sum is decayed to; NaN before the first mid (a number field, updated in place at every book). */
  private at = NaN;
  private lastMid2: number | null = null;
  /** Venue time of the first mid seen: before one half-life of data the estimate is not known. */
  private since: number | null = null;

  constructor(private readonly halfLifeMicros = 5_000_000) {
    if (!(halfLifeMicros > 0)) throw new RangeError(`MidVolatility half-life ${halfLifeMicros} µs is not positive`);
  }

  /** A mid (× 2) at venue time `ts`; an unchanged mid only lets time pass. */
  onMid(ts: number, mid2: number | null): void {
    if (mid2 === null || !(mid2 > 0)) return;
    this.decay(ts);
    this.since ??= ts;
    if (this.lastMid2 !== null && mid2 !== this.lastMid2) {
      const r = Math.log(mid2 / this.lastMid2) * 10_000;
      this.sum += r * r;
    }
    this.lastMid2 = mid2;
  }

  /**
   * The standard deviation of the mid's move over `spanMicros`, bps, as of `ts`; null until one
   * half-life of mids has been seen (no estimate from a moment of data).
   */
  sigmaBps(spanMicros: number, ts: number): number | null {
    if (this.since === null || ts - this.since < this.halfLifeMicros) return null;
    this.decay(ts);
    const tau = this.halfLifeMicros / Math.LN2;
    return Math.sqrt((this.sum * spanMicros) / tau);
  }

  private decay(ts: number): void {
    const first = Number.isNaN(this.at);
    if (!first && ts > this.at) this.sum *= this.factor(ts - this.at);
    if (first || ts > this.at) this.at = ts;
  }

  /** The last step's decay factor and the time it was for: books often come a fixed interval apart. */
  private lastStep = NaN;
  private lastFactor = 1;

  /** 0.5^(step / half-life), the same value `Math.pow` gives, computed again only for a new step. */
  private factor(step: number): number {
    if (step !== this.lastStep) {
      this.lastStep = step;
      this.lastFactor = Math.pow(0.5, step / this.halfLifeMicros);
    }
    return this.lastFactor;
  }
}
