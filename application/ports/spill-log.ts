import type { RowKind, StoreBatch } from './trading-store.ts';

/** The record type of one row kind, e.g. `SignalRecord` for `'signals'`. */
export type RowRecord<K extends RowKind> = NonNullable<StoreBatch[K]>[number];

/** One row on its way to the store, tagged with the `StoreBatch` array it belongs in. */
export type QueuedRow = { readonly [K in RowKind]: { readonly kind: K; readonly record: RowRecord<K> } }[RowKind];

export interface SpillRead {
  /** The rows in the order they were appended. */
  readonly rows: readonly QueuedRow[];
  /**
   * Lines that could not be read and were skipped: a line cut short by a crash in the middle of
   * an append (always the last line that process wrote), or one damaged on disk.
   */
  readonly skippedLines: number;
}

/**
 * An append-only log of rows the store could not take yet, kept where a crash of the process does
 * not lose them (a local file). Operations take effect in the order they are called, whether or
 * not the caller waited for the one before; each rejects with the cause when the medium fails.
 */
export interface SpillLog {
  /** Where the log lives, for log lines (`file:/var/lib/ladder/spill.jsonl`). */
  readonly description: string;
  /**
   * Appends rows after every row already there. Resolves once they are durable: after a crash,
   * `readAll` returns them, values bit for bit (-0 and every double included).
   */
  append(rows: readonly QueuedRow[]): Promise<void>;
  /** Every row in the log, oldest first. Reading leaves the log as it was. */
  readAll(): Promise<SpillRead>;
  /** Empties the log (durably, like `append`). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A spill log in memory: what a run without a spill file uses, so that rows beyond the writer's
 * bound still wait in order (in memory, lost with the process), and the fake of unit tests.
 * `failNextAppends` makes the next appends reject, as a full disk would.
 */
export class MemorySpillLog implements SpillLog {
  readonly description = 'memory';
  failNextAppends = 0;
  appends = 0;
  #rows: QueuedRow[] = [];

  append(rows: readonly QueuedRow[]): Promise<void> {
    if (this.failNextAppends > 0) {
      this.failNextAppends--;
      return Promise.reject(new Error('spill append failed: no space left on device'));
    }
    this.appends++;
    for (const row of rows) this.#rows.push(row);
    return Promise.resolve();
  }

  readAll(): Promise<SpillRead> {
    return Promise.resolve({ rows: [...this.#rows], skippedLines: 0 });
  }

  clear(): Promise<void> {
    this.#rows = [];
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Rows in the log now. */
  get size(): number {
    return this.#rows.length;
  }
}
