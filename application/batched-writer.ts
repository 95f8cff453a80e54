import type { Logger } from './ports/logger.ts';
import type {
  FeatureVectorRecord,
  FillRecord,
  OrderRecord,
  SignalRecord,
  StoreBatch,
  TradingStore,
} from './ports/trading-store.ts';

export interface WriterOptions {
  /** Rows that start a background flush. */
  readonly batchRows: number;
  /** Attempts of the final flush before it gives up and reports what it could not write. */
  readonly finalAttempts: number;
}

export interface WriterStats {
  /** Rows of every kind written, feature vectors included. */
  readonly written: number;
  /** Rows of every kind waiting for a write, feature vectors included. */
  readonly queued: number;
  readonly writeErrors: number;
  readonly batches: number;
  /** The feature vectors among `written` and `queued`. */
  readonly featureVectors: { readonly written: number; readonly queued: number };
}

const DEFAULTS: WriterOptions = { batchRows: 500, finalAttempts: 3 };

/**
 * Sits between the trading loop and the store: the loop pushes rows (signals, orders, fills and
 * feature vectors, one row each) synchronously and never awaits the database. Rows are flushed in
 * the background once `batchRows` are queued, one write at a time, in order; a failed write keeps
 * its rows at the front of the queue for the next attempt, so nothing is dropped. Repeated updates
 * of one order inside a batch collapse to its latest state (an upsert cannot touch one row twice in
 * one statement). There is no cap on the queue: while the store is down, every row waits in memory.
 */
export class BatchedWriter {
  private signals: SignalRecord[] = [];
  private orders = new Map<string, OrderRecord>();
  private fills: FillRecord[] = [];
  private featureVectors: FeatureVectorRecord[] = [];
  private inflight: Promise<void> | null = null;
  private written = 0;
  private featureVectorsWritten = 0;
  private writeErrors = 0;
  private batches = 0;
  /** A failed write waits for the next push or the final flush, rather than retrying in a tight loop. */
  private lastWriteOk = true;
  private readonly options: WriterOptions;

  constructor(
    private readonly store: TradingStore,
    private readonly logger: Logger,
    options: Partial<WriterOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  signal(record: SignalRecord): void {
    this.signals.push(record);
    this.maybeFlush();
  }

  order(record: OrderRecord): void {
    this.orders.set(record.order.id, record);
    this.maybeFlush();
  }

  fill(record: FillRecord): void {
    this.fills.push(record);
    this.maybeFlush();
  }

  /**
   * Queues one feature vector. Throws, queueing nothing, for a value that is not finite: the
   * feature engine guarantees finite values, and a batch holding one would be refused by the store
   * on every attempt, holding back everything queued behind it.
   */
  featureVector(record: FeatureVectorRecord): void {
    const values = record.vector.values;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) {
        throw new RangeError(`feature vector of run "${record.runId}" seq ${record.seq}: value ${i} is ${v}, not a finite number`);
      }
    }
    this.featureVectors.push(record);
    this.maybeFlush();
  }

  get stats(): WriterStats {
    return {
      written: this.written,
      queued: this.queuedRows(),
      writeErrors: this.writeErrors,
      batches: this.batches,
      featureVectors: { written: this.featureVectorsWritten, queued: this.featureVectors.length },
    };
  }

  private queuedRows(): number {
    return this.signals.length + this.orders.size + this.fills.length + this.featureVectors.length;
  }

  private maybeFlush(): void {
    if (this.inflight === null && this.queuedRows() >= this.options.batchRows) {
      this.inflight = this.writeQueued()
        .catch(() => undefined) // counted and logged in writeQueued; the rows stay queued
        .finally(() => {
          this.inflight = null;
          // Rows that queued up during the write may already fill the next batch.
          if (this.lastWriteOk) this.maybeFlush();
        });
    }
  }

  /** Takes everything queued and writes it as one batch; on failure puts it back in front. */
  private async writeQueued(): Promise<void> {
    const batch: StoreBatch = {
      signals: this.signals,
      orders: [...this.orders.values()],
      fills: this.fills,
      featureVectors: this.featureVectors,
    };
    const rows = batch.signals.length + batch.orders.length + batch.fills.length + batch.featureVectors.length;
    if (rows === 0) return;
    this.signals = [];
    this.orders = new Map();
    this.fills = [];
    this.featureVectors = [];
    try {
      await this.store.write(batch);
      this.written += rows;
      this.featureVectorsWritten += batch.featureVectors.length;
      this.batches++;
      this.lastWriteOk = true;
    } catch (error) {
      this.writeErrors++;
      this.lastWriteOk = false;
      this.logger.error({ err: String(error), rows }, 'store write failed; rows kept for retry');
      this.signals = [...batch.signals, ...this.signals];
      const newer = this.orders;
      this.orders = new Map(batch.orders.map((o) => [o.order.id, o]));
      for (const [id, o] of newer) this.orders.set(id, o);
      this.fills = [...batch.fills, ...this.fills];
      this.featureVectors = [...batch.featureVectors, ...this.featureVectors];
      throw error;
    }
  }

  /**
   * Writes everything queued, waiting for a background write in progress first. Retries a failing
   * write up to `finalAttempts` times, then rejects with how many rows are still unwritten.
   */
  async flush(): Promise<void> {
    if (this.inflight !== null) await this.inflight;
    let lastError: unknown = null;
    for (let attempt = 1; attempt <= this.options.finalAttempts; attempt++) {
      try {
        await this.writeQueued();
        return;
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`store flush failed after ${this.options.finalAttempts} attempts with ${this.queuedRows()} rows unwritten: ${String(lastError)}`);
  }
}
