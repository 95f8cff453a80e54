import type { Clock } from './ports/clock.ts';
import type { AmendRequest, ExecutionReport, ExecutionVenue, OrderRequest } from './ports/execution-venue.ts';
import { VENUE_REASONS } from './ports/execution-venue.ts';
import type { LiveVenue } from './ports/live-venue.ts';
import type { Logger } from './ports/logger.ts';
import type { Micros } from '../domain/values/units.ts';

export interface OutboxOptions {
  /** Requests in flight at once; 4 when absent. */
  readonly concurrency?: number;
  /**
   * How long a submit may wait in the queue, ms, before it is dropped unsent (reported rejected): an
   * order decided on a book seconds old is not sent; 2000 when absent. Cancels never expire.
   */
  readonly submitDeadlineMs?: number;
  /** Attempts of a cancel that fails in transport; 3 when absent. */
  readonly cancelAttempts?: number;
  /** Wait between two attempts of a cancel, ms; 200 when absent. */
  readonly retryDelayMs?: number;
}

type Job =
  | { readonly kind: 'submit'; readonly order: OrderRequest; readonly queuedAt: number }
  | { readonly kind: 'cancel'; readonly clientOrderId: string; readonly ts: Micros; attempt: number }
  | { readonly kind: 'amend'; readonly clientOrderId: string; readonly change: AmendRequest; readonly ts: Micros };

/** Counts of the outbox's work, for the run's log and tests. */
export interface OutboxStats {
  sent: number;
  /** Submits dropped unsent: they waited past their deadline. */
  expired: number;
  /** Cancels sent again after a transport failure. */
  retried: number;
  /** Requests that failed for good (their failure is reported or logged). */
  failed: number;
}

/**
 * The trading loop's way to a real exchange without waiting on it: `submit` and `cancel` queue the
 * request and resolve at once with no report; requests go out `concurrency` at a time, each with its
 * deadline and retries, and every outcome comes back through `onReport` like the venue's own reports.
 * Market data keeps flowing while the exchange is slow, and risk sees the pending orders: the order
 * flow counts a sent order at full size until a report ends it.
 */
export class VenueOutbox implements ExecutionVenue {
  readonly name: string;
  readonly live?: LiveVenue;
  readonly stats: OutboxStats = { sent: 0, expired: 0, retried: 0, failed: 0 };
  private readonly listeners: ((r: ExecutionReport) => void)[] = [];
  private readonly queue: Job[] = [];
  private active = 0;
  private readonly idle: (() => void)[] = [];

  constructor(
    private readonly inner: ExecutionVenue,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: OutboxOptions = {},
  ) {
    this.name = inner.name;
    if (inner.live !== undefined) this.live = inner.live;
    inner.onReport((r) => this.emit(r));
    if (inner.amend !== undefined) {
      this.amend = (clientOrderId, change, ts) => {
        this.enqueue({ kind: 'amend', clientOrderId, change, ts });
        return Promise.resolve([]);
      };
    }
  }

  /** Requests queued or in flight. */
  get pending(): number {
    return this.queue.length + this.active;
  }

  submit(order: OrderRequest): Promise<readonly ExecutionReport[]> {
    this.enqueue({ kind: 'submit', order, queuedAt: this.nowMs() });
    return Promise.resolve([]);
  }

  cancel(clientOrderId: string, ts: Micros): Promise<readonly ExecutionReport[]> {
    this.enqueue({ kind: 'cancel', clientOrderId, ts, attempt: 1 });
    return Promise.resolve([]);
  }

  /**
   * Present when the venue amends: queued like a cancel, never expired, and sent once (an amend that
   * failed in transport is reported refused; the order is as the exchange holds it, which the next
   * reconciliation says).
   */
  readonly amend?: (clientOrderId: string, change: AmendRequest, ts: Micros) => Promise<readonly ExecutionReport[]>;

  onReport(listener: (report: ExecutionReport) => void): void {
    this.listeners.push(listener);
  }

  outOfSync(): string | null {
    return this.inner.outOfSync?.() ?? null;
  }

  /** Resolves once nothing is queued or in flight. */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private enqueue(job: Job): void {
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    const most = this.options.concurrency ?? 4;
    while (this.active < most && this.queue.length > 0) {
      const job = this.queue.shift() as Job;
      if (job.kind === 'submit' && this.nowMs() - job.queuedAt > (this.options.submitDeadlineMs ?? 2_000)) {
        this.stats.expired++;
        const waited = this.nowMs() - job.queuedAt;
        this.logger.warn({ orderId: job.order.clientOrderId, waitedMs: waited }, 'order not sent: it waited past its deadline for the exchange');
        this.emit({ kind: 'rejected', clientOrderId: job.order.clientOrderId, reason: `${VENUE_REASONS.invalid}: not sent, waited ${waited} ms for the exchange`, ts: job.order.ts });
        continue;
      }
      this.active++;
      this.stats.sent++;
      void this.run(job).finally(() => {
        this.active--;
        this.pump();
        if (this.pending === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    if (job.kind === 'submit') {
      try {
        for (const r of await this.inner.submit(job.order)) this.emit(r);
      } catch (error) {
        // The venue says the order was not placed (refused credentials, a bad request); an outcome
        // it cannot know is not an error but an UNKNOWN order, which the venue resolves itself.
        this.stats.failed++;
        this.logger.error({ orderId: job.order.clientOrderId, err: String(error) }, 'order submit failed');
        this.emit({ kind: 'rejected', clientOrderId: job.order.clientOrderId, reason: `submit failed: ${String(error)}`, ts: job.order.ts });
      }
      return;
    }
    if (job.kind === 'amend') {
      try {
        for (const r of await (this.inner.amend as NonNullable<ExecutionVenue['amend']>).call(this.inner, job.clientOrderId, job.change, job.ts)) this.emit(r);
      } catch (error) {
        this.stats.failed++;
        this.logger.error({ orderId: job.clientOrderId, err: String(error) }, 'order amend failed: reconciling with the exchange');
        this.emit({ kind: 'amendRejected', clientOrderId: job.clientOrderId, reason: `amend failed: ${String(error)}`, ts: job.ts });
        this.live?.doubt(`amend of ${job.clientOrderId} failed`);
      }
      return;
    }
    try {
      for (const r of await this.inner.cancel(job.clientOrderId, job.ts)) this.emit(r);
    } catch (error) {
      if (job.attempt < (this.options.cancelAttempts ?? 3)) {
        this.stats.retried++;
        this.logger.warn({ orderId: job.clientOrderId, attempt: job.attempt, err: String(error) }, 'order cancel failed: sending it again');
        await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 200));
        this.queue.unshift({ ...job, attempt: job.attempt + 1 });
        return;
      }
      this.stats.failed++;
      this.logger.error({ orderId: job.clientOrderId, attempts: job.attempt, err: String(error) }, 'order cancel failed for good: reconciling with the exchange');
      this.live?.doubt(`cancel of ${job.clientOrderId} failed`);
    }
  }

  private emit(report: ExecutionReport): void {
    for (const l of [...this.listeners]) l(report);
  }

  private nowMs(): number {
    return this.clock.nowMicros() / 1000;
  }
}
