import type { Micros } from '../values/units.ts';

/**
 * ACTIVE trades freely; REDUCING lets only orders that reduce |position| through; HALTED lets
 * nothing through but the kill switch's flatten orders.
 */
export type BreakerState = 'ACTIVE' | 'REDUCING' | 'HALTED';

/** The conditions that can hold the state above ACTIVE; each is tripped and cleared on its own. */
export type TripKind = 'drawdown' | 'dailyLoss' | 'consecutiveLosses' | 'dataIntegrity' | 'staleFeed' | 'venueSync' | 'feedQuality' | 'kill';

/** One stored risk decision: a trip set or cleared, or an order refused. */
export interface RiskRecord {
  readonly ts: Micros;
  /** The state after the decision. */
  readonly state: BreakerState;
  readonly reason: string;
  /** The trip or the rule behind it. */
  readonly cause: string;
  readonly kind: 'trip' | 'clear' | 'refusal';
}

const RANK: Readonly<Record<BreakerState, number>> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

interface Trip {
  readonly level: Exclude<BreakerState, 'ACTIVE'>;
  readonly reason: string;
}

/**
 * The breaker state as the most severe of the trips set: the state is ACTIVE when no trip is set.
 * Each trip carries its own level and reason, so clearing one (the book is LIVE again) leaves the
 * others (a drawdown) in force. Setting or clearing a trip returns the record to store; setting a
 * trip already set at the same level returns null, so repeated conditions are not stored twice.
 */
export class CircuitBreaker {
  private readonly trips = new Map<TripKind, Trip>();

  get state(): BreakerState {
    let state: BreakerState = 'ACTIVE';
    for (const trip of this.trips.values()) if (RANK[trip.level] > RANK[state]) state = trip.level;
    return state;
  }

  has(kind: TripKind): boolean {
    return this.trips.has(kind);
  }

  level(kind: TripKind): BreakerState {
    return this.trips.get(kind)?.level ?? 'ACTIVE';
  }

  /** The trips in force, as "kind: reason", for refusals and displays. */
  describe(): string {
    return [...this.trips].map(([kind, trip]) => `${kind} (${trip.level}): ${trip.reason}`).join('; ');
  }

  trip(kind: TripKind, level: Trip['level'], reason: string, ts: Micros): RiskRecord | null {
    if (this.trips.get(kind)?.level === level) return null;
    this.trips.set(kind, { level, reason });
    return { ts, state: this.state, reason, cause: kind, kind: 'trip' };
  }

  clear(kind: TripKind, reason: string, ts: Micros): RiskRecord | null {
    if (!this.trips.delete(kind)) return null;
    return { ts, state: this.state, reason, cause: kind, kind: 'clear' };
  }
}
