import type { Side } from '../trading/side.ts';

/**
 * The recent rate of public trades by the side they hit, in lots a second, each trade decayed
 * exponentially with a half-life of `halfLifeMicros` of venue time: what a resting order's queue is
 * eaten at. A buy rests on the bid and is filled by sellers, so its rate is the hitting sells'. Pure:
 * time arrives with each trade and each question.
 */
export class TouchTradeRate {
  private hitBids = 0;
  private liftedAsks = 0;
  private at = 0;
  private started: number | null = null;

  constructor(private readonly halfLifeMicros = 5_000_000) {
    if (!(halfLifeMicros > 0)) throw new RangeError(`TouchTradeRate half-life ${halfLifeMicros} µs is not positive`);
  }

  /** A public trade of `size` lots at venue time `ts` whose taker was `takerSide`. */
  onTrade(ts: number, size: number, takerSide: Side): void {
    this.decay(ts);
    const perSec = size / (this.halfLifeMicros / 1e6 / Math.LN2);
    if (takerSide === 'Sell') this.hitBids += perSec;
    else this.liftedAsks += perSec;
  }

  /**
   * Lots a second that recently hit the side an order of `side` rests on (sells for a buy), as of `ts`;
   * null before one half-life of trades has been seen: the rate is not known yet.
   */
  lotsPerSec(side: Side, ts: number): number | null {
    this.decay(ts);
    if (this.started === null || ts - this.started < this.halfLifeMicros) return null;
    return side === 'Buy' ? this.hitBids : this.liftedAsks;
  }

  private decay(ts: number): void {
    if (this.started === null) this.started = ts;
    if (ts <= this.at) return;
    const keep = Math.pow(0.5, (ts - this.at) / this.halfLifeMicros);
    this.hitBids *= keep;
    this.liftedAsks *= keep;
    this.at = ts;
  }
}
