import type { Logger } from './ports/logger.ts';
import type { QueuedRow, SpillLog, SpillRead } from './ports/spill-log.ts';
import type { Entry } from './writer-rows.ts';

/** Rows of one append and when the oldest of them was pushed (for the writer's lag). */
interface AppendTime {
  rows: number;
  at: number;
}

/**
 * The batched writer's spill path: the spill log, what of it is written back, and the rows on their
 * way to it. Appends are synchronous (see `SpillLog`): a row handed to `append` is durable when the
 * call returns. Rows in the log are older than every row in the writer's memory; `held` rows (those
 * waiting while a write of the queue is in flight) are older than the queue and newer than the log.
 * Nothing here writes to the store: the writer asks for the next rows to write back and says when
 * they are written.
 */
export class SpillStage {
  /** Rows handed to the log since it was last cleared. */
  #rows = 0;
  /** Of those, the rows written back to the store. */
  #written = 0;
  /** The log as last read, oldest first; null until read. */
  #cache: readonly QueuedRow[] | null = null;
  #times: AppendTime[] = [];
  #held: Entry[] = [];
  /** An append failed: rows stay in memory from then on (beyond any bound) rather than be dropped. */
  broken = false;
  errors = 0;

  constructor(
    readonly log: SpillLog,
    private readonly logger: Logger,
  ) {}

  /** Rows in the log not yet written back. */
  get pending(): number {
    return this.#rows - this.#written;
  }

  /** Rows handed to the log since it was last cleared, written back or not. */
  get rows(): number {
    return this.#rows;
  }

  get heldCount(): number {
    return this.#held.length;
  }

  /** Push time of the oldest row of the log not yet written, µs; null when there is none. */
  oldestLogged(): number | null {
    return this.#times[0]?.at ?? null;
  }

  oldestHeld(): number | null {
    return this.#held[0]?.at ?? null;
  }

  /** Rows a previous process left in the log, to be written back before any other. */
  load(rows: readonly QueuedRow[], at: number): void {
    this.#rows = rows.length;
    this.#written = 0;
    this.#cache = rows;
    this.#times = rows.length === 0 ? [] : [{ rows: rows.length, at }];
  }

  /** Adds rows, oldest first, after those already on their way to the log. */
  hold(entries: readonly Entry[]): void {
    for (const e of entries) this.#held.push(e);
  }

  /** Takes back the held rows (a failed write goes back in front of them). */
  takeHeld(): Entry[] {
    const held = this.#held;
    this.#held = [];
    return held;
  }

  /**
   * Appends the held rows to the log and returns nothing on success. When the log fails, it is
   * marked broken and the rows are returned, for the writer to keep in memory in front of its queue.
   */
  appendHeld(): Entry[] {
    const entries = this.takeHeld();
    if (entries.length === 0) return entries;
    try {
      this.log.append(entries.map((e) => e.row));
    } catch (error) {
      this.errors++;
      this.broken = true;
      this.logger.error({ err: String(error), spill: this.log.description, rows: entries.length }, 'spill append failed; rows kept in memory');
      return entries;
    }
    this.#rows += entries.length;
    this.#times.push({ rows: entries.length, at: entries[0].at });
    return [];
  }

  /**
   * The oldest rows of the log not yet written back, at most `max`; reads the log when what was read
   * before is used up. Resolves with the read's error when the log cannot be read.
   */
  async next(max: number): Promise<{ readonly rows: readonly QueuedRow[] } | { readonly error: unknown }> {
    if (this.#cache === null || this.#written >= this.#cache.length) {
      // Rows appended while the file is read may be missing from it: they are read next time.
      const expected = this.#rows;
      let read: SpillRead;
      try {
        read = await this.log.readAll();
      } catch (error) {
        this.errors++;
        this.logger.error({ err: String(error), spill: this.log.description }, 'spill log read failed');
        return { error };
      }
      this.#cache = read.rows;
      if (read.rows.length < expected) {
        // Only a damaged medium loses lines that were appended and synced.
        this.logger.error({ spill: this.log.description, lost: expected - read.rows.length }, 'spill log lost rows');
        this.#rows -= expected - read.rows.length;
      }
    }
    return { rows: this.#cache.slice(this.#written, this.#written + max) };
  }

  /** The oldest `n` unwritten rows of the log are in the store. */
  markWritten(n: number): void {
    this.#written += n;
    let left = n;
    const times = this.#times;
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

  /** Everything in the log is written back: empties it. Returns the error when that fails, else null. */
  clear(): unknown {
    try {
      this.log.clear();
    } catch (error) {
      this.errors++;
      this.logger.error({ err: String(error), spill: this.log.description }, 'spill log clear failed');
      return error;
    }
    this.#rows = 0;
    this.#written = 0;
    this.#cache = null;
    this.#times = [];
    return null;
  }
}
