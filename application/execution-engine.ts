import { logGated, RepeatGate } from './repeat-gate.ts';
import type { OrderBook } from '../domain/market/order-book.ts';
import type { ExecutionAction } from '../domain/execution/action.ts';
import { stepPassive } from '../domain/execution/passive.ts';
import { ExecutionQuality } from './execution-quality.ts';
import { OrderChooser } from './order-chooser.ts';
import { MidVolatility } from '../domain/execution/volatility.ts';
import type { Trade } from '../domain/market/trade.ts';
import { positionRoom, sizeDecision } from './order-sizing.ts';
import { markOf } from './run-recorder.ts';
import type { RiskRecord } from '../domain/risk/circuit-breaker.ts';
import { RiskManager } from '../domain/risk/risk-manager.ts';
import { recordValue } from '../domain/stats/value-histogram.ts';
import type { Fill } from '../domain/trading/fill.ts';
import type { Order } from '../domain/trading/order.ts';
import type { Side } from '../domain/trading/side.ts';
import type { Signal } from '../domain/trading/signal.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import type { Cash, Lots, Micros, Ticks } from '../domain/values/units.ts';
import type { DecisionRecord, ExecutionCounters, ExecutionSettings } from './execution-types.ts';
import type { OrderFlow } from './order-flow.ts';
import type { Logger } from './ports/logger.ts';
import { flattenOnExchange } from './exchange-flatten.ts';
import type { VenueNotice } from './ports/live-venue.ts';

export type { DecisionRecord, ExecutionCounters, ExecutionPolicy, ExecutionSettings } from './execution-types.ts';

/** The span the chooser's volatility is stated over (its priors' unit: σ of the mid over 5 s), µs. */
const SIGMA_SPAN_MICROS = 5_000_000;

const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

interface Parent {
  readonly id: number;
  /** The LIVE book it was decided on (the engine's count), for the paired comparison's record. */
  readonly book: number;
  readonly side: Side;
  readonly target: Lots;
  readonly startedAt: Micros;
  /** The mid when the signal was acted on: the fills' slippage is measured from it. */
  readonly arrivalMid: Ticks | null;
  lastSignalAt: Micros;
  confidence: number;
  /** The signal's expected move its way, bps (its score's size). */
  edgeBps: number;
  /** How its size was decided, for the record of its first order, and the cap that bound it. */
  readonly sizing: string;
  readonly limitedBy: string;
  /** Its first choice was a take the market's speed decided (order-choice.ts `urgent`). */
  urgent: boolean;
  opposed: boolean;
  filled: number;
  lastFillAt: Micros | null;
  /** The chooser's latest choice with its numbers, for the record of the orders it places. */
  choice: string | null;
  /** The child working for it: its id, price and when that price was set. */
  child: { id: string; price: Ticks; placedAt: Micros } | null;
  /** Ids of every order it sent. */
  readonly orders: Set<string>;
  /**
   * The child whose cancel the venue has not confirmed yet. Nothing new is sent for the parent
   * meanwhile: the child may still fill, and until the cancel lands it counts against the limits.
   */
  cancelling: string | null;
  /**
   * The child's amend the venue has not answered yet, with the price asked and when: nothing else is
   * sent for the parent meanwhile; the child keeps its price until the venue confirms the new one.
   */
  amending: { readonly id: string; readonly price: Ticks; readonly sentAt: Micros } | null;
  /** The rest is to be taken at market once the child's cancel lands. */
  escalating: boolean;
  /** Finished: an escalation finishes it before the step's own `done` arrives, which must not count it again. */
  finished: boolean;
}

/**
 * Turns signals into orders under a policy and the risk manager, and works them through the order
 * flow. Driven by the trading loop: `onBook` after every LIVE book (the algorithm steps, equity and
 * data integrity reach the risk manager), `onSignal` when a prediction clears the threshold,
 * `onBookLost` when the book leaves LIVE, `kill` from the operator. Every risk decision goes to
 * `onRisk` (to be stored), every order's reason says which rule or cap decided it.
 *
 * On a real exchange (`OrderFlow.live`) it also starts from the exchange's position, applies the
 * venue's notices (corrections, halts) and kills without market data (see exchange-flatten.ts). One
 * piece at ~670 lines: the passive algorithm with its amends, the kill and the venue's notices all move the same
 * parent, risk manager and working orders.
 */
export class ExecutionEngine {
  readonly counters: ExecutionCounters = {
    parents: 0, targetLots: 0, filledLots: 0, escalations: 0, takenAtOnce: 0, placed: 0, replaced: 0, amended: 0, amendsRefused: 0, sizedToZero: 0, refusedDecisions: 0, riskRefusals: 0,
    riskStateChanges: 0,
    parentsDone: 0, parentsFilled: 0, fillMicros: 0, fillTimesMs: {}, limitsBound: {},
  };
  readonly risk: RiskManager;
  /** Markouts, implementation shortfall and time to fill of the decisions (execution-quality.ts). */
  readonly quality: ExecutionQuality;
  /** The order-type chooser of the smart policy; null without one. */
  readonly chooser: OrderChooser | null;
  /** Refusal log lines, rate-limited by rule. */
  private readonly refusalLines = new RepeatGate();
  private parent: Parent | null = null;
  private nextParent = 1;
  private readonly parentOf = new Map<string, Parent>();
  /** The kill switch's reason once pulled: no new decisions, and the position is flattened. */
  private killed: string | null = null;
  private closedTrades = 0;
  private closedNet = 0;
  /** The mid's volatility from every LIVE book: the sizing's volatility cap and the chooser's urgency weigh it. */
  private readonly volatility = new MidVolatility();
  /** LIVE books seen from the loop: where each decision was taken, the same in every run over the same frames. */
  private books = 0;
  /** The decisions a paired run executes at market at once, and the next one due. */
  private readonly replay: readonly DecisionRecord[] | null;
  private replayNext = 0;

  constructor(
    private readonly instrument: Instrument,
    private readonly settings: ExecutionSettings,
    private readonly orders: OrderFlow,
    private readonly logger: Logger,
    /** Receives every risk record: a refusal, a trip set or cleared. */
    private readonly onRisk: (record: RiskRecord) => void,
    /** How long a signal holds without a new one in its direction, µs (the model's horizon). */
    private readonly holdMicros: number,
    /** The run's clock, for what happens without market data (a kill, a venue's notice). */
    private readonly now: () => Micros = () => 0 as Micros,
  ) {
    this.risk = new RiskManager({ ...settings.risk, instrument });
    this.quality = new ExecutionQuality(instrument, settings.passive.escalateAfterMicros);
    this.chooser = settings.chooser === undefined || settings.policy !== 'smart' ? null : new OrderChooser(settings.chooser, settings.passive.escalateAfterMicros, holdMicros, settings.chooser.priors);
    this.replay = settings.decisions?.replay ?? null;
    orders.listeners.fill.push((fill) => this.onFill(fill));
    orders.listeners.closed.push((order) => this.onClosed(order));
    orders.listeners.forgotten.push((id) => this.onForgotten(id));
    orders.listeners.amend.push((report) => this.onAmendAnswer(report.clientOrderId, report.kind === 'amended' ? report.limitPrice : null, report.ts));
    this.startFromExchange();
  }

  /**
   * A real exchange is the truth at start: the run's position (and the risk manager's) starts from
   * the one it holds, and the orders it adopted count as working. Each venue notice is acted on at once.
   */
  private startFromExchange(): void {
    const live = this.orders.live;
    if (live === null) return;
    const ts = this.now();
    const opening = live.openingPosition();
    if (opening.lots !== 0) this.correct(0 as Lots, opening.lots, opening.avgPrice, 'the position the exchange held at start', false, ts);
    for (const o of live.adoptedOrders()) {
      this.orders.adopt(o, ts);
      this.risk.adopt(o.clientOrderId, o.side, (o.qty - o.filledQty) as Lots);
    }
    live.onNotice((notice) => this.onNotice(notice));
  }

  private onNotice(notice: VenueNotice): void {
    switch (notice.kind) {
      case 'unknown':
        return;
      case 'correction':
        this.correct(notice.beforeLots, notice.afterLots, notice.price, notice.reason, notice.beyondTolerance, notice.ts);
        return;
      case 'halt':
        this.risk.onVenueSync(notice.reason, notice.ts);
        this.flushRisk();
        return;
    }
  }

  /** Moves the run's position to the exchange's; stored as a risk event, a breaker tripped when beyond tolerance. */
  private correct(before: Lots, after: Lots, price: Ticks | null, reason: string, beyondTolerance: boolean, ts: Micros): void {
    this.orders.correctPosition(before, after, price);
    const delta = after - before;
    this.risk.onFill('exchange position', delta > 0 ? 'Buy' : 'Sell', Math.abs(delta) as Lots);
    this.logger.warn({ before, after, reason }, 'position set to the exchange\'s');
    this.pendingRecords.push({ ts, state: this.risk.state, reason: `position corrected from ${before} to ${after} lots: ${reason}`, cause: 'reconciliation', kind: 'trip' });
    if (beyondTolerance) this.risk.onVenueSync(reason, ts);
    // Stored now when the run is under way; the start's record waits for the first flush.
    if (this.started) this.flushRisk();
  }

  /** Records made outside the risk manager (position corrections), stored with its own at the next flush. */
  private readonly pendingRecords: RiskRecord[] = [];
  private started = false;
  /** The state of the last trip or clear handed on; HALTED at first (no LIVE book yet). */
  private lastState: RiskRecord['state'] = 'HALTED';
  /** The exchange is being flattened by the kill switch (a real venue): books do not drive the flatten. */
  private flattenOnVenue: Promise<unknown> | null = null;

  /** A real venue: the kill switch acts at once, without waiting for market data. */
  get killsWithoutMarketData(): boolean {
    return this.orders.live !== null;
  }

  /**
   * The kill switch on a real exchange, at once: HALTED, the working parent finished, every order
   * canceled through the venue and the exchange's position flattened (see flattenOnExchange).
   */
  killNow(reason: string): void {
    const live = this.orders.live;
    if (live === null) throw new Error('killNow needs a real venue');
    const ts = this.now();
    this.killed = reason;
    this.risk.kill(ts, reason);
    this.flushRisk();
    this.logger.warn({ reason, position: this.orders.position.qty }, 'kill switch: canceling everything and flattening the exchange');
    if (this.parent !== null) this.finish(this.parent, 'kill switch');
    if (this.flattenOnVenue !== null) return;
    this.flattenOnVenue = flattenOnExchange(live, this.orders, this.logger, reason, { maxOrderLots: this.settings.risk.maxOrderLots, now: this.now }).catch((error: unknown) => {
      this.logger.error({ err: String(error) }, 'KILL SWITCH FAILED: flatten the exchange by hand');
    });
  }

  /** Resolves once a kill's flatten on the exchange has ended (at once when none was started). */
  async flattened(): Promise<void> {
    await this.flattenOnVenue;
  }

  /**
   * Cancels every working order but the kill switch's flatten orders: the book left LIVE or risk went
   * HALTED, and an order resting while the run cannot see the market may fill against it.
   */
  private cancelWorking(why: string, ts: Micros): void {
    if (this.settings.cancelWhenBlind === false) return;
    const ids = this.orders.liveOrderIds().filter((id) => !this.flattening.has(id) && !this.canceling.has(id));
    if (ids.length === 0) return;
    if (this.parent !== null) this.finish(this.parent, why);
    this.logger.warn({ orders: ids, why }, 'canceling working orders');
    for (const id of ids) void this.cancelOnce(id, ts);
  }

  /**
   * After every LIVE book, once the venue has seen it. A paired run (`settings.decisions.replay`) then
   * takes, at market, each decision of the run compared that was taken on this book.
   */
  async onBook(book: OrderBook, ts: Micros): Promise<void> {
    this.books++;
    await this.step(book, ts);
    if (this.replay !== null && this.killed === null) await this.replayDue(book, ts);
  }

  /** The paired run: the decisions taken on this book by the run compared, each at market at once with its size. */
  private async replayDue(book: OrderBook, ts: Micros): Promise<void> {
    const replay = this.replay ?? [];
    while (this.replayNext < replay.length && replay[this.replayNext].book <= this.books) {
      const d = replay[this.replayNext++];
      // The same frames give the same LIVE books; a decision on a book already passed was not met (none is expected).
      const taken = d.book === this.books && await this.takeAtOnce(d.id, d.side, d.lots, book, ts, `decision ${d.id} of the run compared (${d.executed} there), taken at market at once`, d.executed);
      if (!taken) this.counters.refusedDecisions++;
    }
  }

  /** Risk, then the decision's whole size at market; false when refused (or no two-sided book). */
  private async takeAtOnce(id: number, side: Side, lots: Lots, book: OrderBook, ts: Micros, reason: string, paired: DecisionRecord['executed'] | null): Promise<boolean> {
    const mid2 = book.midTimesTwo();
    if (mid2 === null) return false;
    if (!this.allow(this.orders.nextOrderId(), side, lots, null, mid2 / 2, ts)) return false;
    this.counters.parents++;
    this.counters.targetLots += lots;
    this.quality.decide(id, side, lots, mid2, ts, true, paired);
    this.quality.order(id, this.orders.nextOrderId(), true);
    await this.orders.submitMarket({ side, qty: lots }, ts, Math.floor(mid2 / 2) as Ticks, reason);
    this.quality.end(id);
    return true;
  }

  /**
   * `onBook` without a promise for the book that needs none, most of a run's books: no paired run, no
   * kill, and no parent working once risk has seen the book. Returns undefined when it is done, else
   * the promise of the rest of the step (the same steps, in the same order, as `onBook`).
   */
  onBookNow(book: OrderBook, ts: Micros): Promise<void> | undefined {
    if (this.replay !== null || this.killed !== null || this.parent !== null) return this.onBook(book, ts);
    this.books++;
    this.stepRisk(book, ts);
    if (this.killed === null && this.parent === null) return undefined;
    return this.stepWork(book, ts);
  }

  /** One step at a book: risk, then the working parent's next actions. */
  private async step(book: OrderBook, ts: Micros): Promise<void> {
    this.stepRisk(book, ts);
    await this.stepWork(book, ts);
  }

  /** A step's risk part: the book, the venue's sync and the equity to the risk manager. */
  private stepRisk(book: OrderBook, ts: Micros): void {
    this.started = true;
    this.risk.onDataIntegrity(true, ts);
    this.risk.onVenueSync(this.orders.venueOutOfSync, ts);
    const mid2 = book.midTimesTwo();
    this.quality.book(ts, mid2);
    this.volatility.onMid(ts, mid2);
    const mark = markOf(book);
    if (mark !== null) this.risk.onEquity(this.equity(mark), ts);
    this.flushRisk();
  }

  /** A step's work after risk: the kill's flatten, or the working parent's next actions. */
  private async stepWork(book: OrderBook, ts: Micros): Promise<void> {
    if (this.killed !== null) {
      if (this.flattenOnVenue === null) await this.flatten(book, ts);
      return;
    }
    const parent = this.parent;
    if (parent === null || parent.cancelling !== null || parent.amending !== null) return;
    if (parent.escalating) {
      await this.escalate(parent, book, ts, 'the rest at market once the child was canceled');
      return;
    }
    const bid = book.bestBid();
    const ask = book.bestAsk();
    if (bid === null || ask === null || ask <= bid) return;
    const choice = this.chooser?.choose(parent.side, book, parent.target - parent.filled, parent.edgeBps, this.quality.chooserEvidence(), this.volatility.sigmaBps(SIGMA_SPAN_MICROS, ts), ts) ?? null;
    // The first choice taken at once because the market moves too fast to wait: the urgency bound.
    if (choice?.urgent === true && parent.orders.size === 0) parent.urgent = true;
    // A first choice to rest: what it expected, to be set against what resting realized over a take at once.
    if (choice !== null && choice.kind !== 'take' && parent.orders.size === 0) {
      this.quality.expectRest(parent.id, choice.fillProbability, choice.takePrice);
    }
    if (choice !== null && choice.kind === 'take' && this.holds(parent, ts)) {
      // Resting is expected to cost more than taking now: cancel the child, then take the rest once the
      // cancel lands (the child may fill meanwhile).
      if (parent.child !== null) await this.act(parent, { kind: 'cancel', reason: choice.reason }, book, ts);
      await this.act(parent, { kind: 'market', qty: (parent.target - parent.filled) as Lots, reason: choice.reason }, book, ts);
      return;
    }
    parent.choice = choice?.reason ?? null;
    const actions = stepPassive(
      {
        now: ts, side: parent.side, bestBid: bid, bestAsk: ask, signalHolds: this.holds(parent, ts), confidence: parent.confidence,
        working: parent.child === null ? null : { price: parent.child.price, remaining: this.childRemaining(parent.child.id), placedAt: parent.child.placedAt },
        filled: parent.filled as Lots, target: parent.target, startedAt: parent.startedAt,
        ...(choice === null || choice.kind === 'take' ? {} : { chosen: choice.kind }),
      },
      this.settings.passive,
      this.instrument,
    );
    for (const action of actions) await this.act(parent, action, book, ts);
  }

  /** A public trade: the chooser's rate of trading at the touch. */
  onTrade(trade: Trade): void {
    this.chooser?.onTrade(trade);
  }

  /** The book left LIVE: no new entries until it is back. */
  onBookLost(ts: Micros): void {
    this.risk.onDataIntegrity(false, ts);
    this.flushRisk();
    this.cancelWorking('the book left LIVE', ts);
  }

  /** A signal that cleared the model's threshold. Resolves once its order, if any, is sent. */
  async onSignal(signal: Signal, direction: 1 | -1, book: OrderBook, ts: Micros, volBps: number | null): Promise<boolean> {
    return this.onSignalNow(signal, direction, book, ts, volBps);
  }

  /**
   * `onSignal`, answering at once when the signal starts no decision (most signals: one is working, or
   * the sizing comes to nothing), and with a promise only when it does and its first order is sent.
   */
  onSignalNow(signal: Signal, direction: 1 | -1, book: OrderBook, ts: Micros, volBps: number | null): boolean | Promise<boolean> {
    // A paired run executes the decisions of the run it is compared with, not its own signals.
    if (this.replay !== null) return false;
    const side: Side = direction === 1 ? 'Buy' : 'Sell';
    const active = this.parent;
    if (active !== null) {
      if (active.side === side) {
        active.lastSignalAt = ts;
        active.confidence = signal.confidence;
        active.edgeBps = Math.abs(signal.score);
      } else {
        active.opposed = true;
      }
      return false;
    }
    const mid2 = book.midTimesTwo();
    if (mid2 === null || this.killed !== null) return false;
    // No room left in the signal's direction: sized to zero lots whatever the book, so it is not walked.
    if (positionRoom(this.settings, side, this.orders.exposureLots) <= 0) {
      this.counters.sizedToZero++;
      return false;
    }
    const mid = Math.floor(mid2 / 2) as Ticks;
    const lots = this.size(side, signal.confidence, mid2 / 2, book, this.riskVolatility(ts, volBps));
    if (lots.qty <= 0) {
      this.counters.sizedToZero++;
      return false;
    }
    return this.startDecision(signal, side, lots, mid2, mid, book, ts);
  }

  /** A decision of `lots` the signal starts: taken at once (baseline) or worked as a parent (smart). */
  private async startDecision(signal: Signal, side: Side, lots: ReturnType<typeof sizeDecision>, mid2: number, mid: Ticks, book: OrderBook, ts: Micros): Promise<boolean> {
    if (this.settings.policy === 'baseline') {
      const decision = this.nextParent;
      if (!(await this.takeAtOnce(decision, side, lots.qty, book, ts, `baseline: ${lots.explanation}`, null))) return false;
      this.nextParent++;
      this.settings.decisions?.record?.({ id: decision, book: this.books, ts, side, lots: lots.qty, executed: 'market' });
      return true;
    }
    const parent: Parent = {
      id: this.nextParent++, book: this.books, side, target: lots.qty, startedAt: ts, arrivalMid: mid, lastSignalAt: ts, confidence: signal.confidence, edgeBps: Math.abs(signal.score), choice: null, sizing: lots.explanation, limitedBy: lots.limitedBy, urgent: false, opposed: false,
      filled: 0, lastFillAt: null, child: null, orders: new Set(), cancelling: null, amending: null, escalating: false, finished: false,
    };
    this.parent = parent;
    this.counters.parents++;
    this.counters.targetLots += lots.qty;
    this.logger.debug({ parent: parent.id, side, lots: lots.qty, sizing: lots.explanation }, 'parent order started');
    this.quality.decide(parent.id, side, lots.qty, mid2, ts, false);
    await this.step(book, ts);
    // A decision whose first order risk refused is no decision: it is not judged as an acted signal.
    return this.parent === parent || parent.orders.size > 0;
  }

  /**
   * The kill switch: HALTED until resumed, every working order canceled, the position flattened by
   * reduce-only market orders within the order-size limit.
   */
  async kill(reason: string, book: OrderBook, ts: Micros): Promise<void> {
    this.killed = reason;
    this.risk.kill(ts, reason);
    this.flushRisk();
    this.logger.warn({ reason, position: this.orders.position.qty }, 'kill switch: canceling everything and flattening');
    if (this.parent !== null) this.finish(this.parent, 'kill switch');
    await this.flatten(book, ts);
  }

  /**
   * Cancels every working order and, once none is left, sends reduce-only market orders for the
   * position, within the order-size limit. Called at the kill and after every book while killed:
   * an order canceled by the kill may still fill on its way, and a flatten may fill in part.
   */
  private async flatten(book: OrderBook, ts: Micros): Promise<void> {
    const live = this.orders.liveOrderIds();
    if (live.length > 0) {
      for (const id of live) if (!this.flattening.has(id)) await this.cancelOnce(id, ts);
      return;
    }
    const held = this.orders.position.qty as number;
    if (held === 0) return;
    const side: Side = held > 0 ? 'Sell' : 'Buy';
    const mid2 = book.midTimesTwo();
    // Within the order-size and order-value limits, which hold for a flatten too: a large position
    // goes in several orders, one a book event.
    const byValue = mid2 === null ? Infinity : Math.floor(this.settings.risk.maxOrderNotional / ((mid2 / 2) * this.instrument.cashPerTickLot));
    const qty = Math.max(1, Math.min(Math.abs(held), this.settings.risk.maxOrderLots, byValue)) as Lots;
    const id = this.orders.nextOrderId();
    const check = this.risk.check({ id, side, qty, price: null, mid: mid2 === null ? 0 : mid2 / 2, now: ts, flatten: true });
    this.flushRisk();
    if (!check.ok) {
      this.refused(check.error.rule, check.error.reason, ts);
      return;
    }
    this.flattening.add(id);
    await this.orders.submitMarket({ side, qty }, ts, mid2 === null ? null : (Math.floor(mid2 / 2) as Ticks), `kill switch: ${this.killed ?? ''}`, true);
  }

  private readonly flattening = new Set<string>();
  private readonly canceling = new Set<string>();

  private async cancelOnce(id: string, ts: Micros): Promise<void> {
    if (this.canceling.has(id)) return;
    this.canceling.add(id);
    await this.orders.cancel(id, ts);
  }

  get state(): RiskManager['state'] {
    return this.risk.state;
  }

  private async act(parent: Parent, action: ExecutionAction, book: OrderBook, ts: Micros): Promise<void> {
    const mid = (book.midTimesTwo() ?? 0) / 2;
    switch (action.kind) {
      case 'place': {
        const qty = Math.min(action.qty, parent.target - parent.filled) as Lots;
        if (qty <= 0) return;
        if (!this.allow(this.orders.nextOrderId(), parent.side, qty, action.price, mid, ts)) {
          if (parent.orders.size === 0) {
            // Refused before it sent anything: a decision risk did not allow, not one execution failed.
            this.counters.parents--;
            this.counters.targetLots -= parent.target;
            this.counters.refusedDecisions++;
            this.quality.drop(parent.id);
          }
          this.finish(parent, 'risk refused the child order');
          return;
        }
        const id = this.orders.nextOrderId();
        this.track(parent, id, false);
        parent.child = { id, price: action.price, placedAt: ts };
        this.counters.placed++;
        // The first order of a parent says how its size was decided; the later ones why they were sent.
        const chosen = parent.choice === null ? action.reason : `${action.reason}; ${parent.choice}`;
        const why = parent.orders.size === 1 ? `${chosen}; size: ${parent.sizing}` : chosen;
        await this.orders.submitLimit({ side: parent.side, qty }, action.price, true, ts, parent.arrivalMid, `passive ${parent.id}: ${why}`);
        return;
      }
      case 'replace': {
        const child = parent.child;
        if (child === null) return;
        const resting = this.orders.order(child.id)?.status;
        if (this.orders.canAmend && (resting === 'accepted' || resting === 'partially_filled')) {
          // Only the price changes: amended in place, one request, never a moment with no order or
          // with two that could both fill. Risk checks the new price (band, rate) as for a new order.
          const check = this.risk.checkAmend(child.id, action.price, mid, ts);
          this.flushRisk();
          if (!check.ok) {
            this.refused(check.error.rule, check.error.reason, ts);
            return;
          }
          parent.amending = { id: child.id, price: action.price, sentAt: ts };
          this.counters.replaced++;
          this.counters.amended++;
          await this.orders.amend(child.id, { limitPrice: action.price }, ts, `passive ${parent.id}: ${action.reason}`);
          return;
        }
        // Without an amend (or before the venue acknowledged the child) a replace is a cancel, then a
        // new child once the venue confirms it.
        parent.child = null;
        parent.cancelling = child.id;
        this.counters.replaced++;
        await this.orders.cancel(child.id, ts);
        return;
      }
      case 'cancel': {
        const child = parent.child;
        parent.child = null;
        if (child !== null) {
          parent.cancelling = child.id;
          await this.orders.cancel(child.id, ts);
        }
        return;
      }
      case 'market':
        if (parent.cancelling !== null) {
          // The child may fill before its cancel lands: the rest is known only then.
          parent.escalating = true;
          return;
        }
        await this.escalate(parent, book, ts, action.reason);
        return;
      case 'hold':
        return;
      case 'done':
        if (!parent.escalating) this.finish(parent, action.reason);
        return;
    }
  }

  /** Takes what the parent still lacks at market, then finishes it. */
  private async escalate(parent: Parent, book: OrderBook, ts: Micros, reason: string): Promise<void> {
    parent.escalating = false;
    const qty = (parent.target - parent.filled) as Lots;
    if (qty > 0 && this.allow(this.orders.nextOrderId(), parent.side, qty, null, (book.midTimesTwo() ?? 0) / 2, ts)) {
      // A parent that sent nothing before took at once; one whose child rested first escalated.
      if (parent.orders.size === 0) this.counters.takenAtOnce++;
      else this.counters.escalations++;
      this.track(parent, this.orders.nextOrderId(), true);
      await this.orders.submitMarket({ side: parent.side, qty }, ts, parent.arrivalMid, `passive ${parent.id} escalated: ${reason}`);
    }
    this.finish(parent, `escalated: ${reason}`);
  }

  /**
   * The mid's volatility over the sizing's risk horizon, bps: the engine's own estimate from the LIVE
   * books; until it is known (the first seconds), the model's realized-volatility feature, taken as
   * measured over 5 s, scaled to the horizon by the square root of time.
   */
  private riskVolatility(ts: Micros, featureBps: number | null): number | null {
    const horizon = this.settings.sizing.riskHorizonMs * 1000;
    return this.volatility.sigmaBps(horizon, ts) ?? (featureBps === null ? null : featureBps * Math.sqrt(horizon / SIGMA_SPAN_MICROS));
  }

  /** Sizes an order under the policy, within the position limit. */
  private size(side: Side, confidence: number, mid: number, book: OrderBook, volBps: number | null): ReturnType<typeof sizeDecision> {
    const mark = Math.floor(mid) as Ticks;
    return sizeDecision(this.settings, this.instrument, {
      side, confidence, mid, book, volBps, equity: this.equity(mark), exposure: this.orders.exposureLots,
    });
  }

  private equity(mark: Ticks): Cash {
    return (this.settings.capital + this.orders.position.equity(mark)) as Cash;
  }

  private holds(parent: Parent, ts: Micros): boolean {
    return !parent.opposed && this.killed === null && ts - parent.lastSignalAt <= this.holdMicros;
  }

  private childRemaining(id: string): Lots {
    const order = this.orders.order(id);
    return (order === undefined ? 0 : Math.max(0, order.qty - order.filledQty)) as Lots;
  }

  /** Asks the risk manager; a refusal is recorded with its rule. */
  private allow(id: string, side: Side, qty: Lots, price: Ticks | null, mid: number, ts: Micros): boolean {
    const check = this.risk.check({ id, side, qty, price, mid, now: ts });
    this.flushRisk();
    if (check.ok) return true;
    this.refused(check.error.rule, check.error.reason, ts);
    return false;
  }

  /** Logs a refusal, one line a rule every 10 s with the count of those held back; the risk manager's journal carries every record to the store. */
  private refused(rule: string, reason: string, ts: Micros): void {
    logGated(this.refusalLines, this.logger, 'info', rule, ts, { rule, reason, ts }, 'order refused by risk');
  }

  private track(parent: Parent, id: string, market: boolean): void {
    this.quality.order(parent.id, id, market);
    parent.orders.add(id);
    this.parentOf.set(id, parent);
  }

  private onFill(fill: Fill): void {
    this.risk.onFill(fill.orderId, fill.side, fill.qty);
    this.quality.fill(fill);
    // A round trip closed (flat, or flipped through zero): its PnL net of fees feeds the losing-streak rule.
    const position = this.orders.position;
    if (position.tradeCount > this.closedTrades) {
      this.closedTrades = position.tradeCount;
      const net = position.realizedPnl - position.fees;
      this.risk.onTradeClosed((net - this.closedNet) as Cash, fill.ts);
      this.flushRisk();
      this.closedNet = net;
    }
    // The kill switch's flatten orders fill no decision: counted, they made a killed run's fill rate 200%.
    if (!this.flattening.has(fill.orderId)) this.counters.filledLots += fill.qty;
    const parent = this.parentOf.get(fill.orderId);
    if (parent !== undefined) {
      parent.filled += fill.qty;
      parent.lastFillAt = fill.ts;
    }
  }

  private onClosed(order: Order): void {
    this.risk.onOrderClosed(order.id);
    if (order.status === 'rejected') this.quality.rejected(order.id);
    const parent = this.parentOf.get(order.id);
    if (parent === undefined) return;
    if (parent.child?.id === order.id) parent.child = null;
    if (parent.cancelling === order.id) parent.cancelling = null;
    // Filled or canceled with an amend on its way: the amend's refusal may follow, and changes nothing.
    if (parent.amending?.id === order.id) parent.amending = null;
  }

  /**
   * The venue's answer to an amend: the child takes the new price (a placement, for the replace rate
   * limit), or keeps its own when refused. A child that filled or was canceled meanwhile is told by its
   * own reports (onFill, onClosed); nothing was sent in its place, so nothing can fill twice.
   */
  private onAmendAnswer(id: string, price: Ticks | null, ts: Micros): void {
    // Only the engine amends; the child may be forgotten already (filled), its refusal still counts.
    if (price === null) this.counters.amendsRefused++;
    const parent = this.parentOf.get(id);
    if (parent === undefined || parent.amending?.id !== id) return;
    const sentAt = parent.amending.sentAt;
    parent.amending = null;
    if (parent.child?.id !== id) return;
    // Refused, the replace rate limit still counts from the attempt: no amend a book while it is refused.
    parent.child = price === null ? { ...parent.child, placedAt: ts > sentAt ? ts : sentAt } : { id, price, placedAt: sentAt };
  }

  /** The order flow will apply no report to the order again: what is kept about it goes. */
  private onForgotten(id: string): void {
    this.quality.forgotten(id);
    this.parentOf.delete(id);
    this.flattening.delete(id);
    this.canceling.delete(id);
  }

  /** How many orders the engine holds something about (they are dropped once the order flow forgets them). */
  get trackedOrders(): { readonly parentOf: number; readonly flattening: number; readonly canceling: number } {
    return { parentOf: this.parentOf.size, flattening: this.flattening.size, canceling: this.canceling.size };
  }

  private finish(parent: Parent, reason: string): void {
    if (this.parent === parent) this.parent = null;
    if (parent.finished) return;
    parent.finished = true;
    const executed = this.quality.end(parent.id);
    if (executed !== null) {
      this.settings.decisions?.record?.({ id: parent.id, book: parent.book, ts: parent.startedAt, side: parent.side, lots: parent.target, executed });
      bump(this.counters.limitsBound, parent.limitedBy);
      if (parent.urgent) bump(this.counters.limitsBound, 'urgency');
    }
    this.counters.parentsDone++;
    if (parent.lastFillAt !== null) {
      this.counters.parentsFilled++;
      this.counters.fillMicros += parent.lastFillAt - parent.startedAt;
      recordValue(this.counters.fillTimesMs, (parent.lastFillAt - parent.startedAt) / 1000);
    }
    this.logger.debug({ parent: parent.id, filled: parent.filled, target: parent.target, reason }, 'parent order done');
  }

  /** Hands every record the risk manager journaled (refusals, trips set or cleared) on, to be stored. */
  private flushRisk(): void {
    const records = this.pendingRecords.length === 0 ? this.risk.drainRecords() : [...this.pendingRecords.splice(0), ...this.risk.drainRecords()];
    // Flushed after every LIVE book, which mostly records nothing.
    if (records.length === 0) return;
    let halted: RiskRecord | null = null;
    for (const record of records) {
      if (record.kind === 'refusal') this.counters.riskRefusals++;
      else this.counters.riskStateChanges++;
      // Entering HALTED cancels what works (the kill switch cancels by itself); staying there does not.
      if (record.kind === 'trip' && record.state === 'HALTED' && this.lastState !== 'HALTED' && record.cause !== 'kill') halted = record;
      if (record.kind !== 'refusal') this.lastState = record.state;
      this.onRisk(record);
    }
    if (halted !== null) this.cancelWorking(`HALTED: ${halted.reason}`, halted.ts);
  }

}
