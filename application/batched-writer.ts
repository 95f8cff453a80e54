import type { Micros } from '../domain/values/units.ts';
import type { Clock } from './ports/clock.ts';
import type { Logger } from './ports/logger.ts';
import { MemorySpillLog, type QueuedRow, type RowRecord, type SpillLog } from './ports/spill-log.ts';
import type {
  FeatureVectorRecord,
  FillRecord,
  OrderRecord,
  RiskEventRecord,
  RowKind,
  SignalRecord,
  StoreBatch,
  TradingStore,
} from './ports/trading-store.ts';

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
  /** Attempts of `flush()` (and so of `close()` and `recover()`) before it gives up. */
  readonly finalAttempts: number;
  /** Longest wait between two attempts while the store keeps failing, in milliseconds. */
  readonly maxRetryMs: number;
}

export interface WriterPorts {
  /** Time of each push, for `lagMicros`; without one the lag reads 0. */
  readonly clock?: Clock;
  /** Where rows beyond `maxQueuedRows` and rows left at `close()` go; in memory when absent. */
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

/** Every row kind; a new `StoreBatch` array needs its line here (the compiler asks for it). */
const ROW_KINDS: { readonly [K in RowKind]: K } = {
  signals: 'signals',
  orders: 'orders',
  fills: 'fills',
  featureVectors: 'featureVectors',
  bookSnapshots: 'bookSnapshots',
  trades: 'trades',
  orderEvents: 'orderEvents',
  positionSnapshots: 'positionSnapshots',
  equity: 'equity',
  riskEvents: 'riskEvents',
};
const KINDS = Object.values(ROW_KINDS);

const DEFAULTS: WriterOptions = { batchRows: 500, flushEveryMs: 250, maxQueuedRows: 200_000, finalAttempts: 3, maxRetryMs: 5_000 };
const NO_CLOCK: Clock = { nowMicros: () => 0 as Micros };

interface Entry {
  readonly row: QueuedRow;
  /** When it was pushed, µs. */
  readonly at: number;
}

/**
 * Sits between the trading loop and the store. The loop pushes rows synchronously and never awaits
 * the database; rows wait in one queue in the order they were pushed and are written in that order,
 * at most `maxBatchRows` a write and one write at a time, when `batchRows` are queued or
 * `flushEveryMs` after the first of them. A failed write keeps its rows at the front of the queue
 * and is retried with a growing pause (up to `maxRetryMs`). Beyond `maxQueuedRows` the oldest rows
 * go to the spill log; while the log holds rows, they are written back first, oldest first, and
 * the log is cleared before any newer row is written, so no row is written out of order, and none
 * twice unless a commit acknowledgement is lost (the store skips such repeats). Repeated states of
 * one order inside a batch collapse to the latest (an upsert cannot touch one row twice).
 *
 * Invariant, oldest first: spill log, the write in flight, rows on their way to the log, the queue.
 * A queue write is only started when the log is empty, and no append starts during one: rows that
 * overflow meanwhile wait in memory until it ends, so a failed write can go back in front of them.
 */
export class BatchedWriter {
  readonly #queue = new Fifo<Entry>();
  #inflight: Entry[] = [];
  #toSpill: Entry[] = [];
  #appending: Promise<void> | null = null;
  #spillBroken = false;
  /** Rows handed to the log since it was last cleared, those written back, the rows read, and push times by append. */
  #log = { rows: 0, written: 0, cache: null as readonly QueuedRow[] | null, times: [] as { rows: number; at: number }[] };
  #pump: Promise<unknown> | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** A timer or `flush()` asked for everything queued to be written, not only full batches. */
  #due = false;
  #failing = false;
  #retryMs = 0;
  #closed = false;
  #written = 0;
  #writeErrors = 0;
  #spillErrors = 0;
  #rejected = 0;
  #batches = 0;
  readonly #byKind = Object.fromEntries(KINDS.map((k) => [k, { written: 0, rejected: 0 }])) as Record<RowKind, { written: number; rejected: number }>;
  readonly #options: WriterOptions;
  readonly #maxBatchRows: number;
  readonly #clock: Clock;
  readonly #spill: SpillLog;
  #listeners: readonly RowListener[] = [];

  constructor(
    private readonly store: BatchStore,
    private readonly logger: Logger,
    options: Partial<WriterOptions> & WriterPorts = {},
  ) {
    const { clock, spill, ...rest } = options;
    this.#options = { ...DEFAULTS, ...rest };
    this.#maxBatchRows = Math.max(this.#options.batchRows, this.#options.maxBatchRows ?? 10 * this.#options.batchRows);
    this.#clock = clock ?? NO_CLOCK;
    this.#spill = spill ?? new MemorySpillLog();
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

  /** Queues one row of any kind. Never blocks and never throws, except after `close()` (a bug). */
  push<K extends RowKind>(kind: K, record: RowRecord<K>): void {
    if (this.#closed) throw new Error(`row of kind ${kind} pushed after the writer was closed`);
    const row = { kind, record } as QueuedRow;
    if (this.#listeners.length > 0) for (const listener of this.#listeners) listener(row);
    this.#queue.push({ row, at: this.#clock.nowMicros() });
    if (this.#queue.length > this.#options.maxQueuedRows) this.#overflow();
    // The write's outcome is counted and logged by the write itself.
    if (!this.#failing && this.#queue.length >= this.#options.batchRows) void this.#kick();
    else this.#arm(this.#options.flushEveryMs);
  }

  get stats(): WriterStats {
    const oldest = this.#oldestAt();
    return {
      written: this.#written,
      queued: this.#queue.length + this.#inflight.length + this.#toSpill.length,
      spilled: this.#log.rows - this.#log.written,
      lagMicros: oldest === null ? 0 : Math.max(0, this.#clock.nowMicros() - oldest),
      writeErrors: this.#writeErrors,
      spillErrors: this.#spillErrors,
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
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.flush().catch((error: unknown) => {
      this.logger.warn({ err: String(error), rows: this.#unwritten() }, 'store unavailable at shutdown; spilling what is unwritten');
    });
    if (this.#queue.length + this.#toSpill.length > 0) {
      this.#spillBroken = false;
      this.#toSpill = this.#toSpill.concat(this.#queue.take(this.#queue.length));
      this.#startAppend();
      while (this.#appending !== null) await this.#appending;
      const lost = this.#queue.length;
      if (lost > 0) throw new Error(`${lost} rows could be neither written nor spilled to ${this.#spill.description}`);
    }
    await this.#spill.close();
    return { written: this.#written, spilled: this.#log.rows - this.#log.written };
  }

  /**
   * Start-up: writes back, in order, what a previous process left in the spill log, then clears
   * the log. Call before the first push. When the store fails, the rows stay in the log and are
   * written before any new row once it answers.
   */
  async recover(): Promise<RecoverySummary> {
    if (this.#log.rows > 0 || this.#appending !== null || this.#toSpill.length > 0) {
      throw new Error('recover() must run before this writer spills rows');
    }
    const read = await this.#spill.readAll();
    if (read.skippedLines > 0) {
      this.logger.warn({ spill: this.#spill.description, skippedLines: read.skippedLines }, 'spill log lines skipped (cut short by a crash?)');
    }
    const found = read.rows.length;
    if (found === 0) {
      if (read.skippedLines > 0) await this.#spill.clear();
      return { found, skippedLines: read.skippedLines, pending: 0 };
    }
    this.#log = { rows: found, written: 0, cache: read.rows, times: [{ rows: found, at: this.#clock.nowMicros() }] };
    this.logger.info({ spill: this.#spill.description, rows: found }, 'writing back rows a previous run spilled');
    await this.flush().catch((error: unknown) => {
      this.logger.warn({ err: String(error) }, 'store unavailable; spilled rows stay in the log');
    });
    return { found, skippedLines: read.skippedLines, pending: this.#log.rows - this.#log.written };
  }

  #unwritten(): number {
    return this.#queue.length + this.#inflight.length + this.#toSpill.length + this.#log.rows - this.#log.written;
  }

  #oldestAt(): number | null {
    return this.#log.times[0]?.at ?? this.#inflight[0]?.at ?? this.#toSpill[0]?.at ?? this.#queue.peek()?.at ?? null;
  }

  /** Starts writing unless a write is already running (it looks again before it ends). */
  #kick(): Promise<unknown> {
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

  /** Writes while there is something due; resolves with null, or with the error of the write that failed. */
  async #drain(): Promise<unknown> {
    for (;;) {
      let error: unknown;
      if (this.#log.rows > 0 || this.#toSpill.length > 0 || this.#appending !== null) {
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
      this.#queue.unshift(taken.concat(this.#toSpill));
      this.#toSpill = [];
      if (this.#queue.length > this.#options.maxQueuedRows) this.#overflow();
    } else {
      this.#startAppend();
    }
    return error;
  }

  /** One step of emptying the spill log: finish appends, write back one batch, or clear it. */
  async #writeBackSpill(): Promise<unknown> {
    const log = this.#log;
    if (this.#toSpill.length > 0) this.#startAppend();
    if (this.#appending !== null) {
      await this.#appending;
      return null;
    }
    if (log.written < log.rows) {
      if (log.cache === null || log.written >= log.cache.length) {
        const expected = log.rows;
        try {
          const read = await this.#spill.readAll();
          log.cache = read.rows;
        } catch (error) {
          this.#spillErrors++;
          this.logger.error({ err: String(error), spill: this.#spill.description }, 'spill log read failed');
          return error;
        }
        if (log.cache.length < expected) {
          // Only a damaged medium loses lines that were appended and synced.
          this.logger.error({ spill: this.#spill.description, lost: expected - log.cache.length }, 'spill log lost rows');
          log.rows -= expected - log.cache.length;
          return null;
        }
      }
      const rows = log.cache.slice(log.written, log.written + this.#maxBatchRows);
      const error = await this.#write(rows);
      if (error !== null) return error;
      log.written += rows.length;
      consumeTimes(log.times, rows.length);
      return null;
    }
    // Everything in the log is written: clear it before any newer row is written.
    const cleared = log.rows;
    this.#log = { rows: 0, written: 0, cache: null, times: [] };
    try {
      await this.#spill.clear();
      return null;
    } catch (error) {
      this.#spillErrors++;
      this.#log.rows += cleared;
      this.#log.written += cleared;
      this.logger.error({ err: String(error), spill: this.#spill.description }, 'spill log clear failed');
      return error;
    }
  }

  /** Moves the oldest rows beyond the bound toward the spill log. */
  #overflow(): void {
    if (this.#spillBroken) return;
    this.#toSpill = this.#toSpill.concat(this.#queue.take(this.#queue.length - this.#options.maxQueuedRows));
    this.#startAppend();
  }

  /** Appends the rows waiting for the log, unless an append or a queue write is running. */
  #startAppend(): void {
    if (this.#appending !== null || this.#inflight.length > 0 || this.#toSpill.length === 0) return;
    const entries = this.#toSpill;
    this.#toSpill = [];
    this.#log.rows += entries.length;
    this.#log.times.push({ rows: entries.length, at: entries[0].at });
    this.#appending = this.#spill
      .append(entries.map((e) => e.row))
      .catch((error: unknown) => {
        // Nothing was appended after these rows: they go back in front of the queue and stay in
        // memory from now on, beyond the bound, rather than be dropped.
        this.#spillErrors++;
        this.#spillBroken = true;
        this.#log.rows -= entries.length;
        this.#log.times.pop();
        this.#queue.unshift(entries.concat(this.#toSpill));
        this.#toSpill = [];
        this.logger.error({ err: String(error), spill: this.#spill.description, rows: entries.length }, 'spill append failed; rows kept in memory');
      })
      .finally(() => {
        this.#appending = null;
        this.#startAppend();
      });
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

/** Groups rows into a batch, keeping each kind's order; repeated states of an order collapse to the latest. */
function toBatch(rows: readonly QueuedRow[]): StoreBatch {
  const lists = Object.fromEntries(KINDS.map((k) => [k, [] as unknown[]])) as Record<RowKind, unknown[]>;
  for (const row of rows) lists[row.kind].push(row.record);
  const orders = lists.orders as OrderRecord[];
  if (orders.length > 1) {
    const latest = new Map<string, OrderRecord>();
    for (const o of orders) latest.set(`${o.runId}\u0000${o.order.id}`, o);
    if (latest.size < orders.length) lists.orders = [...latest.values()];
  }
  return lists as unknown as StoreBatch;
}

function consumeTimes(times: { rows: number; at: number }[], rows: number): void {
  let left = rows;
  while (left > 0 && times.length > 0) {
    const first = times[0];
    if (first.rows > left) {
      times[0] = { rows: first.rows - left, at: first.at };
      return;
    }
    left -= first.rows;
    times.shift();
  }
}

/** A queue with O(1) amortised push and take from the front. */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  peek(): T | undefined {
    return this.#items[this.#head];
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** Removes and returns the oldest `n` items (fewer when there are fewer). */
  take(n: number): T[] {
    const out = this.#items.slice(this.#head, this.#head + Math.max(0, n));
    this.#head += out.length;
    if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  /** Puts items back in front, oldest first. */
  unshift(items: readonly T[]): void {
    if (items.length === 0) return;
    this.#items = items.concat(this.#items.slice(this.#head));
    this.#head = 0;
  }
}
