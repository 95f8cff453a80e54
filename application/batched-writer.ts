// One piece: the queue, the write in flight and the order they keep against the spill log are one
// invariant (see the class's comment), which a split would spread over files; the spill log's own
// state is apart, in writer-spill.ts, and the row kinds in writer-rows.ts.
import type { Micros } from '../domain/values/units.ts';
import type { Clock } from './ports/clock.ts';
import type { Logger } from './ports/logger.ts';
import { MemorySpillLog, type QueuedRow, type RowRecord, type SpillLog, type SpillRead } from './ports/spill-log.ts';
import type { FeatureVectorRecord, FillRecord, OrderRecord, RiskEventRecord, RowKind, SignalRecord, TradingStore } from './ports/trading-store.ts';
import { Fifo, KINDS, LEDGER_KINDS, toBatch, type Entry } from './writer-rows.ts';
import { SpillStage } from './writer-spill.ts';

/** The part of the store the writer calls. */
export type BatchStore = Pick<TradingStore, 'write'>;

export interface WriterOptions {
  /** Rows that start a write without waiting for the timer. */
  readonly batchRows: number;
  /**
   * The most rows one write takes. Above `batchRows` so that a backlog (a burst, the queue after an
   * outage, the spill log) drains in fewer, larger writes, which a database takes faster a row;
   * 10 × `batchRows` when absent.
   */
  readonly maxBatchRows?: number;
  /** Longest a row waits in the queue before a write is started, in milliseconds. */
  readonly flushEveryMs: number;
  /** Rows held in memory; beyond it the oldest go to the spill log. */
  readonly maxQueuedRows: number;
  /**
   * Once a store write fails, every row in memory goes to the spill log, and so does every row pushed
   * until a write succeeds: ledger rows (orders, order events, fills) at once, before `push` returns,
   * others at least every `flushEveryMs` or `batchRows`. True unless set false.
   */
  readonly spillOnFailure: boolean;
  /** Attempts of `flush()` (and so of `close()` and `recover()`) before it gives up. */
  readonly finalAttempts: number;
  /** Longest wait between two attempts while the store keeps failing, in milliseconds. */
  readonly maxRetryMs: number;
}

export interface WriterPorts {
  /**
   * The store is still opening: nothing is written until `recover()`, which the caller calls once it
   * is open (and the run registered). Until then rows wait in the queue, beyond `maxQueuedRows` too:
   * the spill log would hand them to a later start, for a run that store may never have recorded.
   * False when absent.
   */
  readonly opening?: boolean;
  /** Time of each push, for `lagMicros`; without one the lag reads 0. */
  readonly clock?: Clock;
  /** Where rows go during an outage, beyond `maxQueuedRows` and at `close()`; in memory when absent. */
  readonly spill?: SpillLog;
}

export interface WriterStats {
  /** Rows the store took (a superseded state of an order counts as written). */
  readonly written: number;
  /** Rows in memory: queued, in a write, or on their way to the spill log. */
  readonly queued: number;
  /** Rows in the spill log not yet written back. */
  readonly spilled: number;
  /** Microseconds since the oldest row not yet written was pushed; 0 when everything is written. */
  readonly lagMicros: number;
  /** Writes the store failed (the rows were kept and retried). */
  readonly writeErrors: number;
  /** Appends or reads the spill log failed. */
  readonly spillErrors: number;
  /** Rows the store refused: logged once each, never retried. */
  readonly rejected: number;
  readonly batches: number;
  readonly byKind: { readonly [K in RowKind]: { readonly written: number; readonly rejected: number } };
}

/** A row as handed to the writer: its kind and its record (see `observe`). */
export type WriterRow = QueuedRow;

/** Called with each row as it is pushed, before it is queued. */
export type RowListener = (row: WriterRow) => void;

export interface RecoverySummary {
  /** Rows a previous process left in the spill log. */
  readonly found: number;
  /** Lines of the log that could not be read (a line cut short by a crash). */
  readonly skippedLines: number;
  /** Rows still in the log because the store failed; they are written before any new row. */
  readonly pending: number;
}

const DEFAULTS: WriterOptions = { batchRows: 500, flushEveryMs: 250, maxQueuedRows: 200_000, spillOnFailure: true, finalAttempts: 3, maxRetryMs: 5_000 };
const NO_CLOCK: Clock = { nowMicros: () => 0 as Micros };

/**
 * Sits between the trading loop and the store. The loop pushes rows synchronously and never awaits
 * the database; rows wait in one queue in the order they were pushed and are written in that order,
 * at most `maxBatchRows` a write and one write at a time, when `batchRows` are queued or
 * `flushEveryMs` after the first of them. A failed write is retried with a growing pause (up to
 * `maxRetryMs`). Repeated states of one order inside a batch collapse to the latest (an upsert cannot
 * touch one row twice).
 *
 * The spill path (writer-spill.ts) keeps rows where a crash does not lose them: once a write fails,
 * everything in memory goes to the spill log, and every row pushed until the store answers again
 * follows it (`spillOnFailure`): a ledger row before its `push` returns, the others in groups. Beyond
 * `maxQueuedRows` the oldest rows go there too. While the log holds rows they are written back first,
 * oldest first, and the log is cleared before any newer row is written, so no row is written out of
 * order, and none twice unless a commit acknowledgement is lost (the store skips such repeats).
 *
 * Invariant, oldest first: spill log, the write in flight, held rows (on their way to the log), the
 * queue. A queue write is only started when the log is empty, and no append happens during one: rows
 * that overflow meanwhile are held in memory until it ends, so a failed write can go back in front.
 * This file is the batching and the order of rows; the spill log's own state lives in writer-spill.ts.
 */
export class BatchedWriter {
  readonly #queue = new Fifo<Entry>();
  #inflight: Entry[] = [];
  readonly #stage: SpillStage;
  #pump: Promise<unknown> | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #spillTimer: ReturnType<typeof setTimeout> | null = null;
  /** A timer or `flush()` asked for everything queued to be written, not only full batches. */
  #due = false;
  #failing = false;
  #retryMs = 0;
  #closed = false;
  /** See `WriterPorts.opening`; cleared by `recover()`. */
  #opening: boolean;
  #written = 0;
  #writeErrors = 0;
  #rejected = 0;
  #batches = 0;
  readonly #byKind = Object.fromEntries(KINDS.map((k) => [k, { written: 0, rejected: 0 }])) as Record<RowKind, { written: number; rejected: number }>;
  readonly #options: WriterOptions;
  readonly #maxBatchRows: number;
  readonly #clock: Clock;
  #listeners: readonly RowListener[] = [];

  constructor(
    private readonly store: BatchStore,
    private readonly logger: Logger,
    options: Partial<WriterOptions> & WriterPorts = {},
  ) {
    const { clock, spill, opening, ...rest } = options;
    this.#opening = opening ?? false;
    this.#options = { ...DEFAULTS, ...rest };
    this.#maxBatchRows = Math.max(this.#options.batchRows, this.#options.maxBatchRows ?? 10 * this.#options.batchRows);
    this.#clock = clock ?? NO_CLOCK;
    this.#stage = new SpillStage(spill ?? new MemorySpillLog(), logger);
  }

  signal(record: SignalRecord): void {
    this.push('signals', record);
  }

  order(record: OrderRecord): void {
    this.push('orders', record);
  }

  fill(record: FillRecord): void {
    this.push('fills', record);
  }

  /** Queues one feature vector; one with a value that is not finite is refused by the store, not here. */
  featureVector(record: FeatureVectorRecord): void {
    this.push('featureVectors', record);
  }

  /** Queues one decision of the risk manager (a trip, a clear, a refusal, the kill switch). */
  riskEvent(record: RiskEventRecord): void {
    this.push('riskEvents', record);
  }

  /**
   * Calls `listener` synchronously with every row pushed from now on, of every kind, in push order
   * (a dashboard watching the run's signals, orders, fills and risk decisions without reading the
   * store). The listener must be quick and must not throw: it runs on the trading loop's path. Returns
   * the function that stops the calls. Without listeners a push costs one length check more.
   */
  observe(listener: RowListener): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Queues one row of any kind. Never throws, except after `close()` (a bug). Never blocks, except
   * during an outage, when a ledger row is appended to the spill log (one disk sync) before it returns.
   */
  push<K extends RowKind>(kind: K, record: RowRecord<K>): void {
    if (this.#closed) throw new Error(`row of kind ${kind} pushed after the writer was closed`);
    const row = { kind, record } as QueuedRow;
    if (this.#listeners.length > 0) for (const listener of this.#listeners) listener(row);
    const entry = { row, at: this.#clock.nowMicros() };
    if (this.#spillingNew()) {
      this.#stage.hold([entry]);
      if (LEDGER_KINDS.has(kind) || this.#stage.heldCount >= this.#options.batchRows) this.#appendHeld();
      else this.#armSpill();
      return;
    }
    this.#queue.push(entry);
    if (this.#queue.length > this.#options.maxQueuedRows && !this.#opening) this.#overflow();
    // The write's outcome is counted and logged by the write itself.
    if (!this.#failing && this.#queue.length >= this.#options.batchRows) void this.#kick();
    else this.#arm(this.#options.flushEveryMs);
  }

  get stats(): WriterStats {
    const oldest = this.#oldestAt();
    return {
      written: this.#written,
      queued: this.#queue.length + this.#inflight.length + this.#stage.heldCount,
      spilled: this.#stage.pending,
      lagMicros: oldest === null ? 0 : Math.max(0, this.#clock.nowMicros() - oldest),
      writeErrors: this.#writeErrors,
      spillErrors: this.#stage.errors,
      rejected: this.#rejected,
      batches: this.#batches,
      byKind: Object.fromEntries(KINDS.map((k) => [k, { ...this.#byKind[k] }])) as WriterStats['byKind'],
    };
  }

  /**
   * Writes everything queued and spilled, waiting for a write in progress first. Tries up to
   * `finalAttempts` times, then rejects with how many rows are still unwritten; they stay queued.
   */
  async flush(): Promise<void> {
    if (this.#opening) throw new Error(`the store is not open yet: ${this.#unwritten()} rows unwritten`);
    let lastError: unknown = null;
    for (let attempt = 1; attempt <= this.#options.finalAttempts; attempt++) {
      this.#due = true;
      if (this.#pump !== null) await this.#pump;
      lastError = await this.#kick();
      if (lastError === null && this.#unwritten() === 0) return;
    }
    throw new Error(
      `store flush failed after ${this.#options.finalAttempts} attempts with ${this.#unwritten()} rows unwritten: ${String(lastError)}`,
    );
  }

  /**
   * Shutdown: flushes as `flush()` does, then appends whatever is still unwritten to the spill
   * log, in order, for `recover()` to write back, and closes the log. Rejects only when rows could neither be written
   * nor spilled. Pushing afterwards is a bug and throws.
   */
  async close(): Promise<{ readonly written: number; readonly spilled: number }> {
    this.#closed = true;
    for (const timer of [this.#timer, this.#spillTimer]) if (timer !== null) clearTimeout(timer);
    this.#timer = null;
    this.#spillTimer = null;
    await this.flush().catch((error: unknown) => {
      this.logger.warn({ err: String(error), rows: this.#unwritten() }, 'store unavailable at shutdown; spilling what is unwritten');
    });
    if (this.#queue.length + this.#stage.heldCount > 0) {
      this.#stage.broken = false;
      this.#spillAll();
      const lost = this.#queue.length;
      if (lost > 0) throw new Error(`${lost} rows could be neither written nor spilled to ${this.#stage.log.description}`);
    }
    await this.#stage.log.close();
    return { written: this.#written, spilled: this.#stage.pending };
  }

  /**
   * Start-up: writes back, in order, what a previous process left in the spill log, then clears
   * the log. Call before the first push, or, with `opening`, once the store is open: the rows
   * queued meanwhile are written after the log's, as rows of an outage are. When the store fails,
   * the rows stay in the log and are written before any new row once it answers.
   */
  async recover(): Promise<RecoverySummary> {
    if (this.#stage.rows > 0 || this.#stage.heldCount > 0) throw new Error('recover() must run before this writer spills rows');
    const log = this.#stage.log;
    let read: SpillRead;
    try {
      read = await log.readAll();
    } finally {
      // Pushes during the read only queue; the first write, of the log's rows or the queue's, follows it.
      this.#opening = false;
    }
    if (read.skippedLines > 0) {
      this.logger.warn({ spill: log.description, skippedLines: read.skippedLines }, 'spill log lines skipped (cut short by a crash?)');
    }
    const found = read.rows.length;
    if (found === 0) {
      if (read.skippedLines > 0) log.clear();
      if (this.#queue.length > 0) {
        this.#due = true;
        void this.#kick();
      }
      return { found, skippedLines: read.skippedLines, pending: 0 };
    }
    this.#stage.load(read.rows, this.#clock.nowMicros());
    this.logger.info({ spill: log.description, rows: found }, 'writing back rows a previous run spilled');
    // Only the log's rows are waited for: a run that started before the store opened keeps pushing,
    // and its queue is written after them, as usual.
    let failure: string | null = null;
    for (let attempt = 1; attempt <= this.#options.finalAttempts; attempt++) {
      if (this.#pump !== null) await this.#pump;
      const pump = this.#writeBackLog().finally(() => {
        this.#pump = null;
      });
      this.#pump = pump;
      const error = await pump;
      failure = error === null ? null : error.message;
      if (failure === null) break;
    }
    if (failure !== null) this.logger.warn({ err: failure }, 'store unavailable; spilled rows stay in the log');
    if (this.#unwritten() > 0) {
      this.#due = true;
      this.#arm(this.#failing ? this.#retryMs : 0);
    }
    return { found, skippedLines: read.skippedLines, pending: this.#stage.pending };
  }

  /** Writes back the spill log until it is cleared; resolves with null, or the error of the write that failed. */
  async #writeBackLog(): Promise<Error | null> {
    while (this.#stage.rows > 0 || this.#stage.heldCount > 0) {
      const error = await this.#writeBackSpill();
      if (error !== null) return error instanceof Error ? error : new Error('store write failed', { cause: error });
    }
    return null;
  }

  /**
   * The store never opened: closes the writer without writing and returns how many rows it held,
   * for the caller to say they were not stored. The spill log is left as it was.
   */
  async discard(): Promise<number> {
    this.#closed = true;
    for (const timer of [this.#timer, this.#spillTimer]) if (timer !== null) clearTimeout(timer);
    const unwritten = this.#unwritten();
    this.#queue.take(this.#queue.length);
    this.#stage.takeHeld();
    await this.#stage.log.close();
    return unwritten;
  }

  /** A write failed and none has succeeded since: new rows go to the spill log, not to memory. */
  #spillingNew(): boolean {
    return this.#failing && this.#options.spillOnFailure && !this.#stage.broken;
  }

  #unwritten(): number {
    return this.#queue.length + this.#inflight.length + this.#stage.heldCount + this.#stage.pending;
  }

  #oldestAt(): number | null {
    return this.#stage.oldestLogged() ?? this.#inflight[0]?.at ?? this.#stage.oldestHeld() ?? this.#queue.peek()?.at ?? null;
  }

  /** Starts writing unless a write is already running (it looks again before it ends), or the store is still opening. */
  #kick(): Promise<unknown> {
    if (this.#opening) return Promise.resolve(null);
    this.#pump ??= this.#drain().finally(() => {
      this.#pump = null;
      if (this.#unwritten() > 0) this.#arm(this.#failing ? this.#retryMs : this.#options.flushEveryMs);
    });
    return this.#pump;
  }

  #arm(ms: number): void {
    if (this.#timer !== null || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#due = true;
      void this.#kick();
    }, ms);
    // The timer alone must not keep the process alive: shutdown calls `close()`.
    this.#timer.unref();
  }

  /** Appends rows held during an outage within `flushEveryMs` (ledger rows do not wait for it). */
  #armSpill(): void {
    if (this.#spillTimer !== null || this.#closed) return;
    this.#spillTimer = setTimeout(() => {
      this.#spillTimer = null;
      this.#appendHeld();
    }, this.#options.flushEveryMs);
    this.#spillTimer.unref();
  }

  /** Writes while there is something due; resolves with null, or with the error of the write that failed. */
  async #drain(): Promise<unknown> {
    for (;;) {
      let error: unknown;
      if (this.#stage.rows > 0 || this.#stage.heldCount > 0) {
        error = await this.#writeBackSpill();
      } else {
        if (this.#queue.length === 0) this.#due = false;
        const due = this.#due || this.#queue.length >= this.#options.batchRows;
        if (!due) return null;
        error = await this.#writeQueued();
      }
      if (error !== null) return error;
    }
  }

  /** Takes the oldest queued rows and writes them; on failure puts them back in front. */
  async #writeQueued(): Promise<unknown> {
    const taken = this.#queue.take(this.#maxBatchRows);
    this.#inflight = taken;
    const error = await this.#write(taken.map((e) => e.row));
    this.#inflight = [];
    if (error !== null) {
      this.#queue.unshift(taken.concat(this.#stage.takeHeld()));
      if (this.#options.spillOnFailure) this.#spillAll();
      else if (this.#queue.length > this.#options.maxQueuedRows) this.#overflow();
    } else {
      this.#appendHeld();
    }
    return error;
  }

  /** One step of emptying the spill log: append held rows, write back one batch, or clear it. */
  async #writeBackSpill(): Promise<unknown> {
    const stage = this.#stage;
    this.#appendHeld();
    if (stage.rows === 0) return null;
    if (stage.pending > 0) {
      const next = await stage.next(this.#maxBatchRows);
      if ('error' in next) return next.error;
      if (next.rows.length === 0) return null;
      const error = await this.#write(next.rows);
      if (error !== null) {
        // The store failed again: what waits in memory joins the log behind the rows just tried.
        if (this.#options.spillOnFailure) this.#spillAll();
        return error;
      }
      stage.markWritten(next.rows.length);
      return null;
    }
    // Everything in the log is written: clear it before any newer row is written.
    return stage.clear();
  }

  /** Moves the oldest rows beyond the bound to the spill log. */
  #overflow(): void {
    if (this.#stage.broken) return;
    this.#stage.hold(this.#queue.take(this.#queue.length - this.#options.maxQueuedRows));
    this.#appendHeld();
  }

  /** Moves every queued row to the spill log (a write failed). */
  #spillAll(): void {
    if (this.#stage.broken) return;
    this.#stage.hold(this.#queue.take(this.#queue.length));
    this.#appendHeld();
  }

  /** Appends the held rows unless a queue write is in flight; rows the log refuses go back in front of the queue. */
  #appendHeld(): void {
    if (this.#inflight.length > 0 || this.#stage.heldCount === 0) return;
    this.#queue.unshift(this.#stage.appendHeld());
  }

  /** One store write; counts and logs the outcome. Resolves with null or the error. */
  async #write(rows: readonly QueuedRow[]): Promise<unknown> {
    try {
      const { rejected } = await this.store.write(toBatch(rows));
      this.#batches++;
      this.#failing = false;
      this.#retryMs = 0;
      const counts = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<RowKind, number>;
      for (const row of rows) counts[row.kind]++;
      for (const r of rejected) {
        counts[r.kind]--;
        this.#byKind[r.kind].rejected++;
        this.logger.error({ kind: r.kind, key: r.key, field: r.field, reason: r.reason }, 'store refused a row; it is not retried');
      }
      for (const k of KINDS) this.#byKind[k].written += counts[k];
      this.#rejected += rejected.length;
      this.#written += rows.length - rejected.length;
      return null;
    } catch (error) {
      this.#writeErrors++;
      this.#failing = true;
      this.#retryMs = Math.min(Math.max(this.#retryMs * 2, this.#options.flushEveryMs), this.#options.maxRetryMs);
      this.logger.error({ err: String(error), rows: rows.length }, 'store write failed; rows kept for retry');
      return error;
    }
  }
}
