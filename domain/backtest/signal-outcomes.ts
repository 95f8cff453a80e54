import type { Micros, Ticks } from '../values/units.ts';

/** The outcome of acted signals once their horizon has passed. */
export interface SignalOutcomeCounts {
  /** Signals whose horizon has passed with a mid known at its end. */
  resolved: number;
  /** Of those, the mid moved the signal's way. */
  hits: number;
  /** Of those, the mid moved the wrong way, or not by more than the round-trip cost. */
  falseSignals: number;
  /** Signals whose horizon had not passed, or whose start had no mid, when the run ended. */
  unresolved: number;
}

interface Pending {
  readonly due: number;
  readonly direction: 1 | -1;
  /** Mid × 2 at the signal, ticks (exact for a half-tick mid). */
  readonly mid2: number;
}

/**
 * Judges each acted signal against the market: at the first book event at or after its time plus its
 * horizon, the mid's move from the signal's mid is right when it has the signal's sign, and false when
 * it has not or does not exceed `costBps` (the round trip). Signals resolve in time order, which is the
 * order they arrive in, so a FIFO queue holds them. Venue time only: replay, backtest and paper agree.
 */
export class SignalOutcomes {
  readonly counts: SignalOutcomeCounts = { resolved: 0, hits: 0, falseSignals: 0, unresolved: 0 };
  private readonly pending: Pending[] = [];
  private head = 0;

  constructor(private readonly costBps: number) {
    if (!(costBps >= 0 && Number.isFinite(costBps))) throw new RangeError(`signal outcome cost must be ≥ 0 bps, got ${costBps}`);
  }

  /** An acted signal at `ts` with the mid × 2 at that moment (null: no mid, never judged). */
  signal(ts: Micros, horizonMs: number, direction: 1 | -1, mid2: number | null): void {
    if (mid2 === null) {
      this.counts.unresolved++;
      return;
    }
    this.pending.push({ due: ts + horizonMs * 1000, direction, mid2 });
  }

  /** A LIVE book's mid × 2 at venue time `ts`: resolves every signal due by then. */
  book(ts: Micros, mid2: Ticks | number | null): void {
    if (mid2 === null) return;
    while (this.head < this.pending.length && this.pending[this.head].due <= ts) {
      const p = this.pending[this.head++];
      const moveBps = ((mid2 - p.mid2) / p.mid2) * 10_000 * p.direction;
      this.counts.resolved++;
      if (moveBps > 0) this.counts.hits++;
      if (!(moveBps > this.costBps)) this.counts.falseSignals++;
    }
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Counts with the signals still pending added to `unresolved`. */
  final(): SignalOutcomeCounts {
    return { ...this.counts, unresolved: this.counts.unresolved + this.pending.length - this.head };
  }
}
