import { FillBuffer, LatentSide } from './latent-side.ts';
import type { MarketParams } from './market-params.ts';
import type { Rng } from './rng.ts';

/** The market orders of one step, in time order; order k's fills are [fillEnd[k - 1], fillEnd[k]). */
export class MarketOrders {
  buy = new Uint8Array(64);
  fillEnd = new Int32Array(64);
  count = 0;

  push(buy: boolean, fillEnd: number): void {
    if (this.count === this.buy.length) {
      const sides = new Uint8Array(this.count * 2);
      const ends = new Int32Array(this.count * 2);
      sides.set(this.buy);
      ends.set(this.fillEnd);
      this.buy = sides;
      this.fillEnd = ends;
    }
    this.buy[this.count] = buy ? 1 : 0;
    this.fillEnd[this.count] = fillEnd;
    this.count++;
  }
}

/**
 * The order-flow simulator: a zero-intelligence limit order book (in the spirit of Smith, Farmer,
 * Gillemot and Krishnamurthy 2003, and Cont, Stoikov and Talreja 2010) driven by two latent processes.
 * Each step of `stepMs`:
 * 1. the log activity, an AR(1) process, scales every rate alike (the book runs in a business time
 *    that speeds up and slows down): busy and quiet spells alternate, which clusters volatility;
 * 2. the latent imbalance, an AR(1) process through tanh, times `ofiLink` gives the lean `bias` in
 *    (-1, 1) of this step's order flow;
 * 3. cancellations hit price levels at random and remove a uniform fraction of a level, or all of it;
 *    at the touch, a lean to the buy side pulls ask quotes and keeps bid quotes;
 * 4. limit orders arrive, a share at the touch (more of them on the side the flow leans to), the rest
 *    at an exponential distance behind it, with sizes growing with the distance;
 * 5. market orders with Pareto sizes sweep the other side from its best price; a buy is chosen with
 *    probability (1 + bias) / 2;
 * 6. a spread wider than a tick is narrowed, one tick at a time with `refillChance`, by an order that
 *    improves a side, the side again leaning with `bias`.
 * A market order or a cancellation that empties the touch moves the mid, so order-flow imbalance and
 * mid moves are linked mechanically, as in Cont, Kukanov and Stoikov (2014); because the latent
 * imbalance persists, the flow of one window also predicts the move of the next.
 * The model holds no clock: time is the count of steps.
 */
export class OrderFlowModel {
  readonly bids: LatentSide;
  readonly asks: LatentSide;
  /** Fills of the last step's market orders, in time order. */
  readonly fills = new FillBuffer();
  readonly orders = new MarketOrders();
  /** Events the last step applied (arrivals, cancellations, fills): the sequence number advances by it. */
  events = 0;
  private logActivity = 0;
  private latentImbalance = 0;
  /**
   * The latent processes' states of the steps ahead, (log activity, imbalance) pairs, oldest first:
   * what informed market orders see. Drawn in the same order as without them, so that the paths do
   * not depend on the lead.
   */
  private readonly ahead: number[] = [];
  private readonly activityKeep: number;
  private readonly activityShock: number;
  private readonly imbalanceKeep: number;
  private readonly imbalanceShock: number;
  private readonly dt: number;

  /**
   * `rng` draws the orders; `environment` draws only the two latent processes, so that runs with the
   * same seed and different `ofiLink` share the same activity and imbalance paths and differ only in
   * how strongly the orders follow them.
   */
  constructor(
    private readonly params: MarketParams,
    private readonly rng: Rng,
    private readonly environment: Rng,
    startBid: number,
    stepMs: number,
  ) {
    this.dt = stepMs / 1000;
    this.activityKeep = Math.pow(0.5, stepMs / params.activityHalfLifeMs);
    this.activityShock = params.activityVol * Math.sqrt(1 - this.activityKeep * this.activityKeep);
    this.imbalanceKeep = Math.pow(0.5, stepMs / params.imbalanceHalfLifeMs);
    this.imbalanceShock = Math.sqrt(1 - this.imbalanceKeep * this.imbalanceKeep);
    const lead = params.informedShare > 0 ? Math.max(1, Math.round(params.informedLeadMs / stepMs)) : 0;
    let a = 0;
    let x = 0;
    for (let k = 0; k < lead; k++) {
      a = this.activityKeep * a + this.activityShock * environment.normal();
      x = this.imbalanceKeep * x + this.imbalanceShock * environment.normal();
      this.ahead.push(a, x);
    }
    this.bids = new LatentSide(-1, params.reachTicks, startBid);
    this.asks = new LatentSide(1, params.reachTicks, startBid + 1);
    this.seed(startBid);
  }

  /** Activity (mean 1) scaling the rates of the current step. */
  get activity(): number {
    const vol = this.params.activityVol;
    return Math.exp(this.logActivity - (vol * vol) / 2);
  }

  /** The lean of the current step's order flow, in (-ofiLink, ofiLink); positive leans to buying. */
  get bias(): number {
    return this.params.ofiLink * Math.tanh(this.latentImbalance);
  }

  step(): void {
    this.fills.count = 0;
    this.orders.count = 0;
    this.events = 0;
    const env = this.environment;
    if (this.ahead.length === 0) {
      this.logActivity = this.activityKeep * this.logActivity + this.activityShock * env.normal();
      this.latentImbalance = this.imbalanceKeep * this.latentImbalance + this.imbalanceShock * env.normal();
    } else {
      const n = this.ahead.length;
      const a = this.activityKeep * this.ahead[n - 2] + this.activityShock * env.normal();
      const x = this.imbalanceKeep * this.ahead[n - 1] + this.imbalanceShock * env.normal();
      this.ahead.push(a, x);
      this.logActivity = this.ahead.shift() as number;
      this.latentImbalance = this.ahead.shift() as number;
    }
    const activity = this.activity;
    const bias = this.bias;
    this.cancel(this.bids, activity, 1 + bias);
    this.cancel(this.asks, activity, 1 - bias);
    this.arrive(this.bids, activity, 1 + bias);
    this.arrive(this.asks, activity, 1 - bias);
    this.trade(activity, bias);
    this.narrowSpread(bias);
    if (this.bids.empty) this.reseed(this.bids);
    if (this.asks.empty) this.reseed(this.asks);
    this.bids.trim();
    this.asks.trim();
  }

  /** Median size of a limit order `d` ticks behind the best, lots. */
  private medianLots(d: number): number {
    return this.params.limitLotsAtTouch * Math.pow(1 + d / 10, this.params.limitSizeGrowth);
  }

  private limitLots(d: number): number {
    return Math.max(1, Math.round(this.rng.logNormal(this.medianLots(d), this.params.limitSizeSigma)));
  }

  /**
   * Cancellations on one side, visiting the levels a cancellation hits by geometric skips. `keep` is
   * 1 + bias for bids and 1 - bias for asks: the side the flow leans to loses its touch less often.
   */
  private cancel(side: LatentSide, activity: number, keep: number): void {
    const rng = this.rng;
    const p = Math.min(1, this.params.cancelsPerLevelPerSec * this.dt * activity);
    if (p <= 0) return;
    const fullShare = this.params.fullCancelShare;
    // The touch separately: a full cancellation there is a quote pulled, leaning against the flow;
    // otherwise one order's worth leaves the queue.
    const touchFull = fullShare * (2 - keep);
    if (!side.empty && rng.uniform() < p) {
      const best = side.best;
      side.remove(best, rng.uniform() < touchFull ? side.sizeAt(best) : this.limitLots(0));
      this.events++;
    }
    const reach = this.params.reachTicks;
    for (let d = 1 + rng.geometric(p); d <= reach; d += 1 + rng.geometric(p)) {
      const price = side.best + side.dir * d;
      const held = side.sizeAt(price);
      if (held === 0) continue;
      side.remove(price, rng.uniform() < fullShare ? held : Math.max(1, Math.round(rng.uniform() * held)));
      this.events++;
    }
  }

  /** Limit orders on one side; `lean` (1 ± bias) scales the share that joins the touch. */
  private arrive(side: LatentSide, activity: number, lean: number): void {
    const rng = this.rng;
    const n = rng.poisson(this.params.limitOrdersPerSec * this.dt * activity);
    const touchShare = this.params.touchShare * lean;
    const mean = this.params.limitDistanceTicks;
    const reach = this.params.reachTicks;
    for (let k = 0; k < n; k++) {
      const d = rng.uniform() < touchShare ? 0 : 1 + Math.floor(rng.exponential() * mean);
      if (d > reach) continue;
      side.add(side.best + side.dir * d, this.limitLots(d));
      this.events++;
    }
  }

  private trade(activity: number, bias: number): void {
    const rng = this.rng;
    const { marketOrdersPerSec, marketMinLots, marketSizeTail, marketMaxLots } = this.params;
    const n = rng.poisson(marketOrdersPerSec * this.dt * activity);
    const informed = this.params.informedShare;
    // Informed orders trade the way the flow of the steps ahead will lean, which moves the mid.
    let coming = 0;
    if (informed > 0 && n > 0) for (let k = 1; k < this.ahead.length; k += 2) coming += Math.tanh(this.ahead[k]);
    for (let k = 0; k < n; k++) {
      const knows = informed > 0 && rng.uniform() < informed;
      const buy = knows ? coming > 0 : rng.uniform() < (1 + bias) / 2;
      // What it knew comes true: the imbalance, now and ahead, leans further its way (permanent impact).
      if (knows) this.shiftImbalance(buy ? this.params.informedImpact : -this.params.informedImpact);
      const lots = Math.min(marketMaxLots, Math.floor(rng.pareto(marketMinLots, marketSizeTail)));
      const taken = buy ? this.asks : this.bids;
      const before = this.fills.count;
      taken.sweep(lots, this.fills);
      this.events += this.fills.count - before;
      this.orders.push(buy, this.fills.count);
      if (taken.empty) this.reseed(taken);
    }
  }

  private shiftImbalance(by: number): void {
    this.latentImbalance += by;
    for (let k = 1; k < this.ahead.length; k += 2) this.ahead[k] += by;
  }

  /** Closes a spread wider than one tick, a tick at a time, by orders improving either side. */
  private narrowSpread(bias: number): void {
    const rng = this.rng;
    const chance = this.params.refillChance;
    for (let gap = this.asks.best - this.bids.best - 1; gap > 0; gap--) {
      if (rng.uniform() >= chance) continue;
      if (rng.uniform() < (1 + bias) / 2) this.bids.add(this.bids.best + 1, this.limitLots(0));
      else this.asks.add(this.asks.best - 1, this.limitLots(0));
      this.events++;
    }
  }

  /** A side emptied within its reach (swept or cancelled out) gets one order a tick off the other side's best. */
  private reseed(side: LatentSide): void {
    const price = side === this.asks ? this.bids.best + 1 : this.asks.best - 1;
    side.add(price, this.limitLots(0));
  }

  /**
   * The book the run starts from: seven ticks in ten within the reach hold size, sized like the limit
   * orders there. The warm-up the caller runs brings it to the model's own steady state.
   */
  private seed(startBid: number): void {
    const reach = this.params.reachTicks;
    for (const side of [this.bids, this.asks]) {
      const best = side === this.bids ? startBid : startBid + 1;
      side.add(best, this.limitLots(0) * 5);
      for (let d = 1; d <= reach; d++) {
        if (this.rng.uniform() < 0.7) side.add(best + side.dir * d, this.limitLots(d));
      }
    }
  }
}
