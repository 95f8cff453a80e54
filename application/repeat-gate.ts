import type { Logger } from './ports/logger.ts';

/**
 * Rate-limits a log line that repeats: the first line of a key is logged; repeats within `everyMicros`
 * of the last line logged are counted, not logged; the first repeat after that is logged with
 * `repeated`, the number of lines it stands for since the last one (itself included). Times are the
 * caller's (venue time in a replay, so the same input logs the same lines). `flush` logs what is still
 * counted, e.g. at the end of a run. A strategy that hits a limit 48,000 times in five minutes logs one
 * line every `everyMicros` instead.
 */
export class RepeatGate {
  readonly #seen = new Map<string, { lastLoggedAt: number; suppressed: number }>();

  constructor(private readonly everyMicros = 10_000_000) {}

  /** Whether to log this occurrence, and how many occurrences the line then stands for (1 when none was held back). */
  admit(key: string, now: number): { readonly log: boolean; readonly repeated: number } {
    const seen = this.#seen.get(key);
    if (seen === undefined) {
      // Bounded: keys are rule names and frame kinds, a handful; a flood of distinct keys would be a bug.
      if (this.#seen.size >= 1_000) this.#seen.clear();
      this.#seen.set(key, { lastLoggedAt: now, suppressed: 0 });
      return { log: true, repeated: 1 };
    }
    if (now - seen.lastLoggedAt < this.everyMicros) {
      seen.suppressed++;
      return { log: false, repeated: 0 };
    }
    const repeated = seen.suppressed + 1;
    seen.lastLoggedAt = now;
    seen.suppressed = 0;
    return { log: true, repeated };
  }

  /** Logs, with `log`, one line for each key whose repeats are still held back, and forgets them. */
  flush(log: (key: string, suppressed: number) => void): void {
    for (const [key, seen] of this.#seen) if (seen.suppressed > 0) log(key, seen.suppressed);
    this.#seen.clear();
  }
}

/** Logs `msg` at `level` through the gate: repeats of `key` are counted into the next line's `repeated`. */
export function logGated(gate: RepeatGate, logger: Logger, level: 'info' | 'warn', key: string, now: number, fields: Record<string, unknown>, msg: string): void {
  const { log, repeated } = gate.admit(key, now);
  if (!log) return;
  // The message stays the same, so that a search for it finds every line; `repeated` says how many it stands for.
  logger[level](repeated > 1 ? { ...fields, repeated } : fields, msg);
}
