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
 * not lose them (a local file). `append` and `clear` are synchronous: when they return, the change
 * is durable, so a row appended before a kill -9 is read back after it; they throw with the cause
 * when the medium fails. `readAll` may run while rows are appended: it returns a prefix of the log
 * (possibly without the rows appended meanwhile), never a row out of order.
 */
export interface SpillLog {
  /** Where the log lives, for log lines (`file:/var/lib/ladder/spill.jsonl`). */
  readonly description: string;
  /**
   * Appends rows after every row already there and returns once they are durable: after a crash,
   * `readAll` returns them, values bit for bit (-0 and every double included).
   */
  append(rows: readonly QueuedRow[]): void;
  /** Every row in the log, oldest first. Reading leaves the log as it was. */
  readAll(): Promise<SpillRead>;
  /** Empties the log, durably like `append`. */
  clear(): void;
  close(): Promise<void>;
}

/**
 * A spill log in memory: what a run without a spill file uses, so that rows beyond the writer's
 * bound still wait in order (in memory, lost with the process), and the fake of unit tests.
 * `failNextAppends` makes the next appends throw, as a full disk would.
 */
export class MemorySpillLog implements SpillLog {
  readonly description = 'memory';
  failNextAppends = 0;
  appends = 0;
  #rows: QueuedRow[] = [];

  append(rows: readonly QueuedRow[]): void {
    if (this.failNextAppends > 0) {
      this.failNextAppends--;
      throw new Error('spill append failed: no space left on device');
    }
    this.appends++;
    for (const row of rows) this.#rows.push(row);
  }

  readAll(): Promise<SpillRead> {
    return Promise.resolve({ rows: [...this.#rows], skippedLines: 0 });
  }

  clear(): void {
    this.#rows = [];
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Rows in the log now. */
  get size(): number {
    return this.#rows.length;
  }
}
