import { err, ok, type Result } from '../result.ts';
import type { Side } from '../trading/side.ts';
import type { Cash, Lots, Micros, Ticks } from '../values/units.ts';
import type { FeedQualityGate } from '../market/feed-quality.ts';
import { CircuitBreaker, type BreakerState, type RiskRecord, type TripKind } from './circuit-breaker.ts';
import { ExposureBook } from './exposure.ts';
import { validateRiskConfig, type RiskConfig } from './risk-config.ts';
import { validateOrder, type FlattenRequest, type RiskOrder, type RiskRefusal } from './risk-order.ts';

export type { FlattenRequest, RiskOrder, RiskRefusal, RiskRule } from './risk-order.ts';
export type { BreakerState, RiskRecord } from './circuit-breaker.ts';

const DAY_MICROS = 86_400_000_000;
const NONE: readonly RiskRecord[] = [];
const BPS = 10_000;

/**
 * Pre-trade checks and circuit breakers for one instrument. Deterministic: time arrives with each
 * call, state lives in memory. Every refusal and every trip set or cleared is returned to the caller
 * and kept in a journal (`drainRecords`) as `{ts, state, reason}` for storage.
 *
 * It starts HALTED on data integrity until the first `onDataIntegrity(true, now)`: before a LIVE
 * book nothing is known to trade against. Working orders are tracked from `check` (allowed orders
 * start working), `onFill` and `onOrderClosed`. A change of state does not cancel working orders:
 * the application cancels them on a HALTED record.
 */
export class RiskManager {
  private readonly breaker = new CircuitBreaker();
  private readonly book = new ExposureBook();
  private readonly journal: RiskRecord[] = [];
  /** Times of the allowed orders and amends inside the rate window, oldest first. */
  private readonly sent: number[] = [];
  // The peak, the last equity and the last LIVE book's time are set at every LIVE book: NaN, not null,
  // before the first, so that they stay number fields V8 updates in place (a field that has held null
  // takes a new heap number at each store of an equity or a time, neither a small integer).
  /** Highest equity since the start or the last resume, Cash; NaN before the first. */
  private peak = NaN;
  /** NaN before the first equity. */
  private lastEquity = NaN;
  private day: number | null = null;
  private dayStart = 0;
  private losses = 0;
  /** When the losing streak tripped REDUCING; null when it has not. */
  private streakTrippedAt: number | null = null;
  /** Time of the last LIVE book, µs; NaN before one. */
  private lastLiveAt = NaN;

  readonly config: RiskConfig;

  constructor(config: RiskConfig) {
    this.config = validateRiskConfig(config);
    this.breaker.trip('dataIntegrity', 'HALTED', 'no LIVE book yet', 0 as Micros);
  }

  get state(): BreakerState {
    return this.breaker.state;
  }

  get position(): Lots {
    return this.book.position;
  }

  get openLots(): { readonly buy: Lots; readonly sell: Lots } {
    return this.book.open;
  }

  /**
   * Records kept since the last drain, oldest first; the journal is emptied. Drained after every LIVE
   * book: an empty journal, the common case, gives a shared empty array rather than a new one.
   */
  drainRecords(): readonly RiskRecord[] {
    return this.journal.length === 0 ? NONE : this.journal.splice(0);
  }

  /** Pre-trade check. An allowed order starts working; a refused one is recorded with its rule. */
  check(order: RiskOrder): Result<RiskOrder, RiskRefusal> {
    validateOrder(order);
    if (this.book.isWorking(order.id)) throw new Error(`order ${order.id} was already checked and is working`);
    this.onTime(order.now);
    const refusal = this.refusal(order);
    if (refusal !== null) {
      this.record({ ts: order.now, state: this.state, reason: `order ${order.id}: ${refusal.reason}`, cause: refusal.rule, kind: 'refusal' });
      return err(refusal);
    }
    this.book.add(order.id, order.side, order.qty);
    if (order.flatten !== true) this.sent.push(order.now);
    return ok(order);
  }

  /** Check of a working order's new price: not while HALTED, inside the band, and counted by the rate limit. */
  checkAmend(id: string, price: Ticks, mid: number, now: Micros): Result<Ticks, RiskRefusal> {
    this.onTime(now);
    const refusal =
      this.state === 'HALTED'
        ? { rule: 'halted' as const, reason: `HALTED: ${this.breaker.describe()}` }
        : (this.bandRefusal(price, mid) ?? this.rateRefusal(now));
    if (refusal !== null) {
      this.record({ ts: now, state: this.state, reason: `amend of ${id}: ${refusal.reason}`, cause: refusal.rule, kind: 'refusal' });
      return err(refusal);
    }
    this.sent.push(now);
    return ok(price);
  }

  onFill(id: string, side: Side, qty: Lots): void {
    if (!Number.isSafeInteger(qty) || qty <= 0) throw new RangeError(`fill of ${id}: qty ${qty} is not a positive integer of lots`);
    this.book.fill(id, side, qty);
  }

  /** The order is canceled, rejected or fully filled: its unfilled rest no longer counts. */
  onOrderClosed(id: string): void {
    this.book.close(id);
  }

  /** An order open on the exchange before the run, taken over by it: it works and counts as an allowed one. */
  adopt(id: string, side: Side, qty: Lots): void {
    if (!this.book.isWorking(id)) this.book.add(id, side, qty);
  }

  /** Drawdown from peak and the UTC day's loss. Equity in Cash: the account's, marked at the mid. */
  onEquity(equity: Cash, now: Micros): readonly RiskRecord[] {
    if (!Number.isSafeInteger(equity)) throw new RangeError(`equity ${equity} is not an integer of Cash`);
    // Called at every LIVE book: the records are kept in locals, and the common case (no new day, no
    // change of the drawdown's or the daily loss's state) allocates nothing.
    let dayCleared: RiskRecord | null = null;
    const day = Math.floor(now / DAY_MICROS);
    if (day !== this.day) {
      this.day = day;
      this.dayStart = equity;
      dayCleared = this.breaker.clear('dailyLoss', `new UTC day ${day}: daily loss counts from ${equity}`, now);
    }
    this.lastEquity = equity;
    this.peak = Number.isNaN(this.peak) ? equity : Math.max(this.peak, equity);
    const drawdown = this.drawdownTrip(equity, this.peak, now);
    const loss = this.dayStart - equity;
    const dailyLoss = loss >= this.config.dailyLossLimit
      ? this.breaker.trip('dailyLoss', 'HALTED', `daily loss ${loss} >= limit ${this.config.dailyLossLimit} Cash`, now)
      : null;
    if (dayCleared === null && drawdown === null && dailyLoss === null) return NONE;
    return this.recordAll([dayCleared, drawdown, dailyLoss]);
  }

  /** A round trip closed with `pnl` (Cash): losses in a row reduce, a win resets the count. */
  onTradeClosed(pnl: Cash, now: Micros): RiskRecord[] {
    if (pnl > 0) {
      this.losses = 0;
      this.streakTrippedAt = null;
      return this.recordAll([this.breaker.clear('consecutiveLosses', `winning trade ${pnl}`, now)]);
    }
    if (pnl === 0) return [];
    this.losses++;
    if (this.losses < this.config.maxConsecutiveLosses) return [];
    this.streakTrippedAt = now;
    return this.recordAll([this.breaker.trip('consecutiveLosses', 'REDUCING', `${this.losses} losing trades in a row`, now)]);
  }

  /** Whether the book is LIVE; call on every book update. A book that leaves LIVE halts entries until it is back. */
  onDataIntegrity(live: boolean, now: Micros): readonly RiskRecord[] {
    if (!live) return this.recordAll([this.breaker.trip('dataIntegrity', 'HALTED', 'book is not LIVE', now)]);
    this.lastLiveAt = now;
    // Called on every LIVE book: with neither trip set (a clear would record nothing) it allocates nothing.
    if (!this.breaker.has('dataIntegrity') && !this.breaker.has('staleFeed')) return NONE;
    return this.recordAll([this.breaker.clear('dataIntegrity', 'book LIVE', now), this.breaker.clear('staleFeed', 'book LIVE', now)]);
  }

  /**
   * Whether the venue's reports can be trusted to be complete: `null` when they can, else why not (a
   * real venue whose order stream is down, or that is reconciling after a reconnect). Until it is
   * back, fills may be missing and the position behind the exchange's, so nothing new is sent.
   */
  onVenueSync(outOfSync: string | null, now: Micros): readonly RiskRecord[] {
    // Called on every book: the common case, in sync and not tripped, allocates nothing.
    if (outOfSync === null && !this.breaker.has('venueSync')) return NONE;
    if (outOfSync !== null) return this.recordAll([this.breaker.trip('venueSync', 'HALTED', outOfSync, now)]);
    return this.recordAll([this.breaker.clear('venueSync', 'venue in sync', now)]);
  }

  /**
   * A minute's feed-quality score (domain/market/feed-quality.ts) through its gate: below the floor
   * the `feedQuality` trip stops new entries (REDUCING: orders that reduce the position still pass);
   * it clears once the gate's hysteresis is met.
   */
  onFeedQuality(score: number, gate: FeedQualityGate, now: Micros): RiskRecord[] {
    const change = gate.onScore(score);
    if (change === 'trip') {
      return this.recordAll([this.breaker.trip('feedQuality', 'REDUCING', `feed quality ${score} < floor ${gate.settings.floor}`, now)]);
    }
    if (change === 'clear') {
      const { floor, hysteresis, clearAfterMinutes } = gate.settings;
      return this.recordAll([this.breaker.clear('feedQuality', `feed quality >= ${floor + hysteresis} for ${clearAfterMinutes} minutes (now ${score})`, now)]);
    }
    return [];
  }

  /** Evaluates the stale-feed rule and the losing streak's cool-down at `now`; `check` does it too. */
  onTime(now: Micros): RiskRecord[] {
    const cooled = this.coolDown(now);
    return cooled.length > 0 ? [...cooled, ...this.staleTrips(now)] : this.staleTrips(now);
  }

  /** Clears the losing streak's REDUCING once `lossCooldownMicros` has passed since it tripped. */
  private coolDown(now: Micros): RiskRecord[] {
    if (this.streakTrippedAt === null || now - this.streakTrippedAt < this.config.lossCooldownMicros) return [];
    this.streakTrippedAt = null;
    this.losses = 0;
    return this.recordAll([this.breaker.clear('consecutiveLosses', `cool-down of ${this.config.lossCooldownMicros} µs passed`, now)]);
  }

  private staleTrips(now: Micros): RiskRecord[] {
    if (Number.isNaN(this.lastLiveAt) || now - this.lastLiveAt <= this.config.staleAfterMicros) return [];
    const reason = `no LIVE book for ${now - this.lastLiveAt} µs (> ${this.config.staleAfterMicros} µs)`;
    return this.recordAll([this.breaker.trip('staleFeed', 'HALTED', reason, now)]);
  }

  /** The kill switch: HALTED until `resume`, and a request to cancel everything and flatten. */
  kill(now: Micros, reason: string): { readonly records: RiskRecord[]; readonly flatten: FlattenRequest } {
    const records = this.recordAll([this.breaker.trip('kill', 'HALTED', `kill switch: ${reason}`, now)]);
    const held = this.book.position;
    const side = held > 0 ? 'Sell' : held < 0 ? 'Buy' : null;
    return { records, flatten: { cancelAll: true, side, lots: Math.abs(held) as Lots, maxChildLots: this.config.maxOrderLots } };
  }

  /**
   * An operator's resume: clears the kill switch, the drawdown trip (the peak restarts at the last
   * equity) and the losing streak. Data integrity and the daily loss clear only by themselves.
   */
  resume(now: Micros, reason: string): RiskRecord[] {
    this.peak = this.lastEquity;
    this.losses = 0;
    this.streakTrippedAt = null;
    const kinds: TripKind[] = ['kill', 'drawdown', 'consecutiveLosses'];
    return this.recordAll(kinds.map((kind) => this.breaker.clear(kind, `resumed: ${reason}`, now)));
  }

  /** The drawdown's trip set or cleared at this equity; null when its state stays as it is. */
  private drawdownTrip(equity: number, peak: number, now: Micros): RiskRecord | null {
    if (peak <= 0) return null;
    const drawdownBps = ((peak - equity) / peak) * BPS;
    // Called at every book: the reason's text is made only where the drawdown's state changes (a trip
    // to the level it is at, or a clear of what is not tripped, records nothing).
    const level = this.breaker.level('drawdown');
    if (drawdownBps >= this.config.drawdownHaltBps) {
      return level === 'HALTED' ? null : this.breaker.trip('drawdown', 'HALTED', `${drawdownText(drawdownBps, peak)} >= ${this.config.drawdownHaltBps}`, now);
    }
    // A halt on drawdown holds until an operator resumes; a reduction lifts once the drawdown recovers.
    if (level === 'HALTED') return null;
    if (drawdownBps >= this.config.drawdownReduceBps) {
      return level === 'REDUCING' ? null : this.breaker.trip('drawdown', 'REDUCING', `${drawdownText(drawdownBps, peak)} >= ${this.config.drawdownReduceBps}`, now);
    }
    return level === 'ACTIVE' ? null : this.breaker.clear('drawdown', `${drawdownText(drawdownBps, peak)} < ${this.config.drawdownReduceBps}`, now);
  }

  private refusal(order: RiskOrder): RiskRefusal | null {
    const { config } = this;
    const flatten = order.flatten === true;
    const state = this.state;
    if (flatten && !this.breaker.has('kill')) return { rule: 'flatten', reason: 'a flatten order needs the kill switch on' };
    if (state === 'HALTED' && !flatten) return { rule: 'halted', reason: `HALTED: ${this.breaker.describe()}` };
    if (order.qty > config.maxOrderLots) return { rule: 'maxOrderLots', reason: `${order.qty} lots > max ${config.maxOrderLots}` };
    const notional = order.qty * (order.price ?? order.mid) * config.instrument.cashPerTickLot;
    if (notional > config.maxOrderNotional) return { rule: 'maxOrderNotional', reason: `notional ${notional} > max ${config.maxOrderNotional} Cash` };
    const reduces = this.book.reduces(order.side, order.qty);
    if (flatten) return reduces ? null : { rule: 'flatten', reason: `${order.side} ${order.qty} does not reduce position ${this.book.position}` };
    const band = order.price === null ? null : this.bandRefusal(order.price, order.mid);
    if (band !== null) return band;
    const after = this.book.worstAfter(order.side, order.qty);
    if (Math.abs(after) > config.maxPositionLots && !reduces) {
      return { rule: 'maxPosition', reason: `exposure could reach ${after} lots, beyond ±${config.maxPositionLots}` };
    }
    if (state === 'REDUCING' && !reduces) {
      return { rule: 'reducing', reason: `REDUCING (${this.breaker.describe()}): ${order.side} ${order.qty} does not reduce position ${this.book.position}` };
    }
    return this.rateRefusal(order.now);
  }

  private bandRefusal(price: Ticks, mid: number): RiskRefusal | null {
    if (!(mid > 0)) throw new RangeError(`mid ${mid} is not a positive number of ticks`);
    if (Math.abs(price - mid) * BPS <= this.config.priceBandBps * mid) return null;
    const off = (Math.abs(price - mid) / mid) * BPS;
    return { rule: 'priceBand', reason: `price ${price} is ${off.toFixed(1)} bps from mid ${mid} (band ${this.config.priceBandBps})` };
  }

  private rateRefusal(now: Micros): RiskRefusal | null {
    const since = now - this.config.orderWindowMicros;
    while (this.sent.length > 0 && this.sent[0] <= since) this.sent.shift();
    if (this.sent.length < this.config.maxOrders) return null;
    return { rule: 'orderRate', reason: `${this.sent.length} orders in the last ${this.config.orderWindowMicros} µs (max ${this.config.maxOrders})` };
  }

  private record(r: RiskRecord): void {
    this.journal.push(r);
  }

  private recordAll(records: readonly (RiskRecord | null)[]): RiskRecord[] {
    const kept = records.filter((r): r is RiskRecord => r !== null);
    this.journal.push(...kept);
    return kept;
  }
}

function drawdownText(drawdownBps: number, peak: number): string {
  return `drawdown ${drawdownBps.toFixed(1)} bps from peak ${peak}`;
}
