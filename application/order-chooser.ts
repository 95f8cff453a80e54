import { chooseOrder, describeChoice, type ChoiceKind, type ChoicePriors, type RunEvidence } from '../domain/execution/order-choice.ts';
import { DEFAULT_CHOICE_PRIORS } from '../domain/execution/choice-priors.ts';
import { walkBook } from '../domain/execution/book-walk.ts';
import { TouchTradeRate } from '../domain/execution/touch-rate.ts';
import type { OrderBook } from '../domain/market/order-book.ts';
import type { Trade } from '../domain/market/trade.ts';
import type { Side } from '../domain/trading/side.ts';
import type { Micros } from '../domain/values/units.ts';

/**
 * The chooser's answer: the cheapest way, what taking now and the chosen resting way (join where it
 * takes) are expected to cost a lot (bps) and how likely that rest is to fill, the average price a take
 * now would pay (ticks), and the numbers as a sentence for the order's record.
 */
export interface ChooserAnswer {
  readonly kind: ChoiceKind;
  readonly costBps: { readonly take: number; readonly rest: number };
  /** The probability the chosen resting way (join where it takes) fills within the rest time. */
  readonly fillProbability: number;
  /** A take that the market's speed decided: at no volatility, resting would have been cheaper. */
  readonly urgent: boolean;
  readonly takePrice: number;
  readonly reason: string;
}

/** Half-life of the touch's trade rate, µs: long enough to span a few resting periods. */
const RATE_HALF_LIFE_MICROS = 5_000_000;

/**
 * Feeds the order-type choice (domain/execution/order-choice.ts) from the market: the rate of
 * public trades at the touch by the side they hit, decayed exponentially over venue time, and the queue
 * at our side's best price; the mid's volatility over 5 s comes with each question (the engine
 * measures it from every LIVE book); the fees, the rest time, the signal's horizon and the priors are
 * settings.
 */
export class OrderChooser {
  private readonly rate = new TouchTradeRate(RATE_HALF_LIFE_MICROS);

  constructor(
    private readonly fees: { readonly makerPpm: number; readonly takerPpm: number },
    private readonly restMicros: number,
    private readonly horizonMicros: number,
    readonly priors: ChoicePriors = DEFAULT_CHOICE_PRIORS,
  ) {}


  onTrade(trade: Trade): void {
    this.rate.onTrade(trade.ts, trade.size, trade.takerSide);
  }

  /**
   * The cheapest placement for `lots` more on `side`, its expected cost a lot (bps) and its numbers as a
   * sentence; null without a two-sided book.
   */
  choose(side: Side, book: OrderBook, lots: number, edgeBps: number, evidence: RunEvidence, sigmaBps: number | null, ts: Micros): ChooserAnswer | null {
    const bid = book.bestBid();
    const ask = book.bestAsk();
    if (bid === null || ask === null || ask <= bid || lots <= 0) return null;
    // Before a few seconds of trades the rate is not known, and no fill is presumed: a resting order
    // is expected to end as an escalation.
    const rate = this.rate.lotsPerSec(side, ts);
    const takePrice = walkBook(book.side(side === 'Buy' ? 'ask' : 'bid'), lots)?.avgPrice ?? (side === 'Buy' ? ask : bid);
    const choice = chooseOrder({
      side, bestBid: bid, bestAsk: ask,
      queueLots: side === 'Buy' ? book.bestBidQty() : book.bestAskQty(),
      lots,
      takePrice,
      touchTradeLotsPerSec: rate ?? 0,
      restMs: this.restMicros / 1000,
      makerFeeBps: this.fees.makerPpm / 100,
      takerFeeBps: this.fees.takerPpm / 100,
      evidence,
      edgeBps,
      horizonMs: this.horizonMicros / 1000,
      sigmaBps,
      priors: this.priors,
    });
    const improve = choice.kind === 'improve';
    const rest = improve ? (choice.costBps.improve ?? choice.costBps.join) : choice.costBps.join;
    const fillProbability = improve ? (choice.fillProbability.improve ?? choice.fillProbability.join) : choice.fillProbability.join;
    return { kind: choice.kind, costBps: { take: choice.costBps.take, rest }, fillProbability, urgent: choice.urgent, takePrice, reason: describeChoice(choice) };
  }
}
