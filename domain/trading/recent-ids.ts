/**
 * Ids remembered for a window of time, to refuse one seen before: an id is kept while its time is
 * within `windowMicros` of the newest time added, then forgotten, so the set holds the ids of one
 * window and never grows with the length of a run. Ids arrive in about time order (fills, orders), so
 * the oldest are forgotten from the front of the insertion order; one that arrives out of order is
 * kept a little longer, never shorter. Times are µs; a time that is not a finite number is taken as
 * the newest time (kept a full window).
 */
export class RecentIds {
  private readonly at = new Map<string, number>();
  private newest = -Infinity;

  constructor(readonly windowMicros: number) {
    if (!(windowMicros > 0)) throw new RangeError(`window ${windowMicros} µs is not positive`);
  }

  has(id: string): boolean {
    return this.at.has(id);
  }

  /** Remembers `id` at time `ts` (µs), and forgets the ids older than the window. */
  add(id: string, ts: number): void {
    const t = Number.isFinite(ts) ? ts : this.newest;
    if (t > this.newest) this.newest = t;
    this.at.set(id, t);
    const oldest = this.newest - this.windowMicros;
    for (const [key, time] of this.at) {
      if (time >= oldest) break;
      this.at.delete(key);
    }
  }

  /** Forgets `id` (an id that was never a real one, such as a position adjustment's). */
  delete(id: string): void {
    this.at.delete(id);
  }

  get size(): number {
    return this.at.size;
  }
}

/**
 * How long a fill's trade id (Bybit's `execId`) is remembered to refuse a repeat: an hour of venue
 * time. A venue repeats an execution only (a) when the gateway's reconciliation reads executions
 * again, from 60 s before the newest one it has seen (adapters/bybit/gateway, EXECUTION_OVERLAP_MS),
 * and (b) when the REST answer and the stream report the same one, seconds apart; the simulator never
 * repeats. A repeat's execution time is thus never more than 60 s before the newest execution seen,
 * while the ids of the last hour before it are kept: sixty times the margin needed. The set holds
 * the fills of one hour at most.
 */
export const DUPLICATE_FILL_WINDOW_MICROS = 3_600_000_000;
