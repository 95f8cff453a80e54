import type { WriterRow } from '../../application/batched-writer.ts';
import { slippageBps } from '../../application/backtest-report.ts';
import type { RiskEventRecord } from '../../application/ports/trading-store.ts';
import type { Order } from '../../domain/trading/order.ts';
import { cashToNumber, lotsToNumber, ticksToNumber, type Instrument } from '../../domain/values/instrument.ts';
import type { DashboardFill, DashboardOrder, DashboardSnapshot } from './snapshot.ts';

/** Statuses after which an order no longer works. */
const DONE: ReadonlySet<Order['status']> = new Set(['filled', 'canceled', 'rejected']);

export interface WatchLimits {
  /** Fills kept, newest last. */
  readonly fills: number;
  /** Signals kept, newest last. */
  readonly signals: number;
  /** Scored feed minutes kept, newest last; 60 when absent. */
  readonly feedMinutes?: number;
}

const LIMITS: WatchLimits = { fills: 50, signals: 300, feedMinutes: 60 };

const STRENGTH: Readonly<Record<RiskEventRecord['state'], number>> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

/**
 * What the dashboard gathers from the rows a run hands its writer (see `BatchedWriter.observe`):
 * the working orders by id, the newest fills, signals and scored feed minutes, and the last risk decision. Bounded
 * whatever the run's length; `onRow` is quick, for it runs on the trading loop's path.
 */
export class RunWatch {
  readonly #orders = new Map<string, DashboardOrder>();
  readonly #fills: DashboardFill[] = [];
  readonly #signals: DashboardSnapshot['signals'][number][] = [];
  readonly #feed: { t: number; score: number }[] = [];
  #fillCount = 0;
  #risk: RiskEventRecord | null = null;
  /** The trips in force by cause, and the episode of each cause's latest clear. */
  readonly #inForce = new Map<string, RiskEventRecord>();
  readonly #clearedAt = new Map<string, number>();

  constructor(
    private readonly instrument: Instrument,
    private readonly limits: WatchLimits = LIMITS,
  ) {}

  onRow(row: WriterRow): void {
    const i = this.instrument;
    switch (row.kind) {
      case 'orders': {
        const o = row.record.order;
        if (DONE.has(o.status)) this.#orders.delete(o.id);
        else {
          this.#orders.set(o.id, {
            id: o.id, side: o.side, type: o.type, qty: lotsToNumber(i, o.qty), filled: lotsToNumber(i, o.filledQty),
            price: o.limitPrice === null ? null : ticksToNumber(i, o.limitPrice), status: o.status, reduceOnly: o.reduceOnly,
          });
        }
        return;
      }
      case 'fills': {
        const { fill, arrivalMidTicks } = row.record;
        this.#fillCount++;
        push(this.#fills, this.limits.fills, {
          t: fill.ts, tradeId: fill.tradeId, side: fill.side, price: ticksToNumber(i, fill.price), qty: lotsToNumber(i, fill.qty),
          liquidity: fill.liquidity, slippageBps: arrivalMidTicks === null || arrivalMidTicks === 0 ? null : slippageBps(row.record), fee: cashToNumber(fill.fee),
        });
        return;
      }
      case 'signals': {
        const { signal, midTicks, acted } = row.record;
        push(this.#signals, this.limits.signals, {
          t: signal.ts, score: signal.score, confidence: signal.confidence, mid: midTicks === null ? null : ticksToNumber(i, midTicks), acted,
        });
        return;
      }
      case 'riskEvents': {
        // An episode's row comes again as its count grows: its seq, not its arrival, says which is newer.
        const r = row.record;
        if (r.kind === 'clear') {
          this.#clearedAt.set(r.cause, Math.max(r.seq, this.#clearedAt.get(r.cause) ?? 0));
          if ((this.#inForce.get(r.cause)?.seq ?? 0) < r.seq) this.#inForce.delete(r.cause);
        } else if (r.kind === 'trip' && r.seq > (this.#clearedAt.get(r.cause) ?? 0)) {
          this.#inForce.set(r.cause, r);
        }
        if (this.#risk === null || r.seq >= this.#risk.seq) this.#risk = r;
        return;
      }
      case 'feedQuality':
        push(this.#feed, this.limits.feedMinutes ?? 60, { t: row.record.start, score: row.record.score });
        return;
      default:
        return;
    }
  }

  get openOrders(): readonly DashboardOrder[] {
    return [...this.#orders.values()];
  }

  get fills(): readonly DashboardFill[] {
    return this.#fills.slice();
  }

  get fillCount(): number {
    return this.#fillCount;
  }

  get signals(): DashboardSnapshot['signals'] {
    return this.#signals.slice();
  }

  /** The newest scored feed minutes, oldest first. */
  get feedMinutes(): DashboardSnapshot['feedQuality']['recent'] {
    return this.#feed.slice();
  }

  /**
   * Why the risk state is what it is: the trip in force with the strongest state (the newest among
   * equals), else the newest risk decision seen; null before one. A refusal or another breaker's
   * clear after a kill does not hide the kill.
   */
  get lastRisk(): RiskEventRecord | null {
    let reason: RiskEventRecord | null = null;
    for (const trip of this.#inForce.values()) {
      if (reason === null || STRENGTH[trip.state] > STRENGTH[reason.state] || (STRENGTH[trip.state] === STRENGTH[reason.state] && trip.seq > reason.seq)) reason = trip;
    }
    return reason ?? this.#risk;
  }
}

/**
 * A curve over a whole run in at most `max` points: every point until it is full, then every other
 * one is dropped and only every second point offered is taken, and so on. The newest point offered
 * is always shown last.
 */
export class Thinned<T> {
  #points: T[] = [];
  #stride = 1;
  #offered = 0;
  #newest: T | null = null;

  constructor(private readonly max: number) {}

  add(point: T): void {
    this.#newest = point;
    if (this.#offered++ % this.#stride !== 0) return;
    this.#points.push(point);
    if (this.#points.length >= this.max) {
      this.#points = this.#points.filter((_, k) => k % 2 === 0);
      this.#stride *= 2;
    }
  }

  get points(): readonly T[] {
    const last = this.#points.at(-1);
    return this.#newest === null || last === this.#newest ? this.#points.slice() : [...this.#points, this.#newest];
  }
}

/** Appends, dropping the oldest beyond `max`. */
export function push<T>(ring: T[], max: number, item: T): void {
  ring.push(item);
  if (ring.length > max) ring.splice(0, ring.length - max);
}
