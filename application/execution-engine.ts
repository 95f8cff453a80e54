import type { OrderBook } from '../domain/market/order-book.ts';
import type { ExecutionAction } from '../domain/execution/action.ts';
import { stepPassive } from '../domain/execution/passive.ts';
import { sizeDecision } from './order-sizing.ts';
import { markOf } from './run-recorder.ts';
import type { RiskRecord } from '../domain/risk/circuit-breaker.ts';
import { RiskManager } from '../domain/risk/risk-manager.ts';
import type { Fill } from '../domain/trading/fill.ts';
import type { Order } from '../domain/trading/order.ts';
import type { Side } from '../domain/trading/side.ts';
import type { Signal } from '../domain/trading/signal.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import type { Cash, Lots, Micros, Ticks } from '../domain/values/units.ts';
import type { ExecutionCounters, ExecutionSettings } from './execution-types.ts';
import type { OrderFlow } from './order-flow.ts';
import type { Logger } from './ports/logger.ts';

export type { ExecutionCounters, ExecutionPolicy, ExecutionSettings } from './execution-types.ts';

interface Parent {
  readonly id: number;
  readonly side: Side;
  readonly target: Lots;
  readonly startedAt: Micros;
  /** The mid when the signal was acted on: the fills' slippage is measured from it. */
  readonly arrivalMid: Ticks | null;
  lastSignalAt: Micros;
  confidence: number;
  /** How its size was decided, for the record of its first order. */
  readonly sizing: string;
  opposed: boolean;
  filled: number;
  lastFillAt: Micros | null;
  /** The child working for it: its id, price and when that price was set. */
  child: { id: string; price: Ticks; placedAt: Micros } | null;
  /** Ids of every order it sent. */
  readonly orders: Set<string>;
  /**
   * The child whose cancel the venue has not confirmed yet. Nothing new is sent for the parent
   * meanwhile: the child may still fill, and until the cancel lands it counts against the limits.
   */
  cancelling: string | null;
  /** The rest is to be taken at market once the child's cancel lands. */
  escalating: boolean;
}

/**
 * Turns signals into orders under a policy and the risk manager, and works them through the order
 * flow. Driven by the trading loop: `onBook` after every LIVE book (the algorithm steps, equity and
 * data integrity reach the risk manager), `onSignal` when a prediction clears the threshold,
 * `onBookLost` when the book leaves LIVE, `kill` from the operator. Every risk decision goes to
 * `onRisk` (to be stored), every order's reason says which rule or cap decided it.
 */
export class ExecutionEngine {
  readonly counters: ExecutionCounters = {
    parents: 0, targetLots: 0, filledLots: 0, escalations: 0, placed: 0, replaced: 0, sizedToZero: 0, refusedDecisions: 0, riskRefusals: 0,
    riskStateChanges: 0,
    parentsDone: 0, parentsFilled: 0, fillMicros: 0, fillTimesMs: [],
  };
  readonly risk: RiskManager;
  private parent: Parent | null = null;
  private nextParent = 1;
  private readonly parentOf = new Map<string, Parent>();
  /** The kill switch's reason once pulled: no new decisions, and the position is flattened. */
  private killed: string | null = null;
  private closedTrades = 0;
  private closedNet = 0;

  constructor(
    private readonly instrument: Instrument,
    private readonly settings: ExecutionSettings,
    private readonly orders: OrderFlow,
    private readonly logger: Logger,
    /** Receives every risk record: a refusal, a trip set or cleared. */
    private readonly onRisk: (record: RiskRecord) => void,
    /** How long a signal holds without a new one in its direction, µs (the model's horizon). */
    private readonly holdMicros: number,
  ) {
    this.risk = new RiskManager({ ...settings.risk, instrument });
    orders.listeners.fill.push((fill) => this.onFill(fill));
    orders.listeners.closed.push((order) => this.onClosed(order));
  }

  /** After every LIVE book, once the venue has seen it. */
  async onBook(book: OrderBook, ts: Micros): Promise<void> {
    this.risk.onDataIntegrity(true, ts);
    this.risk.onVenueSync(this.orders.venueOutOfSync, ts);
    const mark = markOf(book);
    if (mark !== null) this.risk.onEquity(this.equity(mark), ts);
    this.flushRisk();
    if (this.killed !== null) {
      await this.flatten(book, ts);
      return;
    }
    const parent = this.parent;
    if (parent === null || parent.cancelling !== null) return;
    if (parent.escalating) {
      await this.escalate(parent, book, ts, 'the rest at market once the child was canceled');
      return;
    }
    const bid = book.bestBid();
    const ask = book.bestAsk();
    if (bid === null || ask === null || ask <= bid) return;
    const actions = stepPassive(
      {
        now: ts, side: parent.side, bestBid: bid, bestAsk: ask, signalHolds: this.holds(parent, ts), confidence: parent.confidence,
        working: parent.child === null ? null : { price: parent.child.price, remaining: this.childRemaining(parent.child.id), placedAt: parent.child.placedAt },
        filled: parent.filled as Lots, target: parent.target, startedAt: parent.startedAt,
      },
      this.settings.passive,
    );
    for (const action of actions) await this.act(parent, action, book, ts);
  }

  /** The book left LIVE: no new entries until it is back. */
  onBookLost(ts: Micros): void {
    this.risk.onDataIntegrity(false, ts);
    this.flushRisk();
  }

  /** A signal that cleared the model's threshold. Resolves once its order, if any, is sent. */
  async onSignal(signal: Signal, direction: 1 | -1, book: OrderBook, ts: Micros, volBps: number | null): Promise<boolean> {
    const side: Side = direction === 1 ? 'Buy' : 'Sell';
    const active = this.parent;
    if (active !== null) {
      if (active.side === side) {
        active.lastSignalAt = ts;
        active.confidence = signal.confidence;
      } else {
        active.opposed = true;
      }
      return false;
    }
    const mid2 = book.midTimesTwo();
    if (mid2 === null || this.killed !== null) return false;
    const mid = Math.floor(mid2 / 2) as Ticks;
    const lots = this.size(side, signal.confidence, mid2 / 2, book, volBps);
    if (lots.qty <= 0) {
      this.counters.sizedToZero++;
      return false;
    }
    if (this.settings.policy === 'baseline') {
      if (!this.allow(this.orders.nextOrderId(), side, lots.qty, null, mid2 / 2, ts)) return false;
      this.counters.parents++;
      this.counters.targetLots += lots.qty;
      await this.orders.submitMarket({ side, qty: lots.qty }, ts, mid, `baseline: ${lots.explanation}`);
      return true;
    }
    const parent: Parent = {
      id: this.nextParent++, side, target: lots.qty, startedAt: ts, arrivalMid: mid, lastSignalAt: ts, confidence: signal.confidence, sizing: lots.explanation, opposed: false,
      filled: 0, lastFillAt: null, child: null, orders: new Set(), cancelling: null, escalating: false,
    };
    this.parent = parent;
    this.counters.parents++;
    this.counters.targetLots += lots.qty;
    this.logger.debug({ parent: parent.id, side, lots: lots.qty, sizing: lots.explanation }, 'parent order started');
    await this.onBook(book, ts);
    return true;
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
          }
          this.finish(parent, 'risk refused the child order');
          return;
        }
        const id = this.orders.nextOrderId();
        this.track(parent, id);
        parent.child = { id, price: action.price, placedAt: ts };
        this.counters.placed++;
        // The first order of a parent says how its size was decided; the later ones why they were sent.
        const why = parent.orders.size === 1 ? `${action.reason}; size: ${parent.sizing}` : action.reason;
        await this.orders.submitLimit({ side: parent.side, qty }, action.price, true, ts, parent.arrivalMid, `passive ${parent.id}: ${why}`);
        return;
      }
      case 'replace': {
        const child = parent.child;
        if (child === null) return;
        // A replace is a cancel, then a new child once the venue confirms it: the venue has no amend here.
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
      this.counters.escalations++;
      this.track(parent, this.orders.nextOrderId());
      await this.orders.submitMarket({ side: parent.side, qty }, ts, parent.arrivalMid, `passive ${parent.id} escalated: ${reason}`);
    }
    this.finish(parent, `escalated: ${reason}`);
  }

  /** Sizes an order under the policy, within the position limit. */
  private size(side: Side, confidence: number, mid: number, book: OrderBook, volBps: number | null): { qty: Lots; explanation: string } {
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

  /** Logs a refusal; the risk manager's journal carries its record to the store. */
  private refused(rule: string, reason: string, ts: Micros): void {
    this.logger.info({ rule, reason, ts }, 'order refused by risk');
  }

  private track(parent: Parent, id: string): void {
    parent.orders.add(id);
    this.parentOf.set(id, parent);
  }

  private onFill(fill: Fill): void {
    this.risk.onFill(fill.orderId, fill.side, fill.qty);
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
    const parent = this.parentOf.get(order.id);
    if (parent === undefined) return;
    if (parent.child?.id === order.id) parent.child = null;
    if (parent.cancelling === order.id) parent.cancelling = null;
  }

  private finish(parent: Parent, reason: string): void {
    if (this.parent === parent) this.parent = null;
    this.counters.parentsDone++;
    if (parent.lastFillAt !== null) {
      this.counters.parentsFilled++;
      this.counters.fillMicros += parent.lastFillAt - parent.startedAt;
      this.counters.fillTimesMs.push((parent.lastFillAt - parent.startedAt) / 1000);
    }
    this.logger.debug({ parent: parent.id, filled: parent.filled, target: parent.target, reason }, 'parent order done');
  }

  /** Hands every record the risk manager journaled (refusals, trips set or cleared) on, to be stored. */
  private flushRisk(): void {
    for (const record of this.risk.drainRecords()) {
      if (record.kind === 'refusal') this.counters.riskRefusals++;
      else this.counters.riskStateChanges++;
      this.onRisk(record);
    }
  }

}
