import type { ExecutionReport } from '../../application/ports/execution-venue.ts';

/**
 * Reports on their way back to the strategy. The engine adds the reports of one step (an action or a
 * market event's effect), then seals them with a delivery time; delivery times never decrease, so
 * reports arrive in the order the engine produced them, as on a venue's ordered private stream.
 */
export class ReportOutbox {
  private readonly listeners: Array<(report: ExecutionReport) => void> = [];
  private readonly open: ExecutionReport[] = [];
  private readonly sealed: Array<{ readonly at: number; readonly report: ExecutionReport }> = [];
  private head = 0;
  private lastAt = Number.NEGATIVE_INFINITY;

  listen(listener: (report: ExecutionReport) => void): void {
    this.listeners.push(listener);
  }

  /** Reports added since the last seal. */
  get pending(): number {
    return this.open.length;
  }

  add(report: ExecutionReport): void {
    this.open.push(report);
  }

  /** Schedules the open reports for delivery at `at`, or after the last scheduled ones if later. */
  seal(at: number): void {
    const when = Math.max(at, this.lastAt);
    this.lastAt = when;
    for (const report of this.open) this.sealed.push({ at: when, report });
    this.open.length = 0;
  }

  /** Hands every sealed report due at or before `now` to the listeners. */
  deliver(now: number): void {
    while (this.head < this.sealed.length && this.sealed[this.head].at <= now) {
      const { report } = this.sealed[this.head++];
      for (const listener of this.listeners) listener(report);
    }
    if (this.head > 1024 && this.head * 2 > this.sealed.length) {
      this.sealed.splice(0, this.head);
      this.head = 0;
    }
  }
}
