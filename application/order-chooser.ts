import { chooseOrder, describeChoice, type ChoiceKind, type RunEvidence } from '../domain/execution/order-choice.ts';
import type { OrderBook } from '../domain/market/order-book.ts';
import type { Trade } from '../domain/market/trade.ts';
import type { Side } from '../domain/trading/side.ts';
import type { Micros } from '../domain/values/units.ts';

/** Half-life of the touch's trade rate, µs: long enough to span a few resting periods. */
const RATE_HALF_LIFE_MICROS = 5_000_000;

/**
 * Feeds the order-type choice (domain/execution/order-choice.ts) from the market: the rate of
 * public trades at the touch by the side they hit, decayed exponentially over venue time, and the
 * queue at our side's best price; the fees, the rest time and the signal's horizon are settings.
 */
export class OrderChooser {
  /** Lots a second, decayed: trades that hit bids (sellers) and that lifted asks (buyers). */
  private hitBids = 0;
  private liftedAsks = 0;
  private at = 0;
  private started: number | null = null;

  constructor(
    private readonly fees: { readonly makerPpm: number; readonly takerPpm: number },
    private readonly restMicros: number,
    private readonly horizonMicros: number,
  ) {}

  onTrade(trade: Trade): void {
    this.decay(trade.ts);
    const perSec = trade.size / (RATE_HALF_LIFE_MICROS / 1e6 / Math.LN2);
    if (trade.takerSide === 'Sell') this.hitBids += perSec;
    else this.liftedAsks += perSec;
  }

  /** The cheapest placement for `lots` more on `side`, with its numbers as a sentence; null without a two-sided book. */
  choose(side: Side, book: OrderBook, lots: number, edgeBps: number, evidence: RunEvidence, ts: Micros): { kind: ChoiceKind; reason: string } | null {
    const bid = book.bestBid();
    const ask = book.bestAsk();
    if (bid === null || ask === null || ask <= bid || lots <= 0) return null;
    this.decay(ts);
    // Before a few seconds of trades the rate is not known, and no fill is presumed: a resting order
    // is expected to end as an escalation.
    const known = this.started !== null && ts - this.started >= RATE_HALF_LIFE_MICROS;
    const choice = chooseOrder({
      side, bestBid: bid, bestAsk: ask,
      queueLots: side === 'Buy' ? book.bestBidQty() : book.bestAskQty(),
      lots,
      touchTradeLotsPerSec: known ? (side === 'Buy' ? this.hitBids : this.liftedAsks) : 0,
      restMs: this.restMicros / 1000,
      makerFeeBps: this.fees.makerPpm / 100,
      takerFeeBps: this.fees.takerPpm / 100,
      evidence,
      edgeBps,
      horizonMs: this.horizonMicros / 1000,
    });
    return { kind: choice.kind, reason: describeChoice(choice) };
  }

  private decay(ts: number): void {
    if (this.started === null) this.started = ts;
    if (ts <= this.at) return;
    const keep = Math.pow(0.5, (ts - this.at) / RATE_HALF_LIFE_MICROS);
    this.hitBids *= keep;
    this.liftedAsks *= keep;
    this.at = ts;
  }
}
