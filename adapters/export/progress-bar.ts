/** How far a long job has come; `fraction` in [0, 1], or null where the source cannot tell. */
export interface ProgressState {
  readonly frames: number;
  readonly rows: number;
  readonly fraction: number | null;
}

/** The slice of a stream the bar writes to (`process.stderr`). */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface ProgressBarOptions {
  /** Print nothing at all. */
  readonly quiet?: boolean;
  /** Milliseconds on a monotonic clock; `performance.now` when absent. */
  readonly now?: () => number;
  /** Cells of the bar on a terminal. */
  readonly width?: number;
  /** Without a terminal: a line at least this often, ms (default 5 s)... */
  readonly plainEveryMillis?: number;
  /** ...and whenever the fraction passes another multiple of this (default 0.1). */
  readonly plainStep?: number;
}

/**
 * The thousands-separated counts of a line. Made at the first line, not when the module loads: an
 * `Intl.NumberFormat` costs tens of milliseconds to set up, and a quiet run (a bench, a sweep's
 * workers) writes no line at all.
 */
let countFormat: Intl.NumberFormat | null = null;
const count = { format: (n: number): string => (countFormat ??= new Intl.NumberFormat('en-US')).format(n) };

/**
 * Progress on standard error. On a terminal, one line redrawn in place (`\r`): a bar when the fraction
 * is known, frames, rows and rows per second. Otherwise (a log file, CI) a plain line every 10% or every
 * 5 s, whichever comes first, so the log stays short. `quiet` prints nothing.
 */
export class ProgressBar {
  private readonly started: number;
  private readonly now: () => number;
  private lastPlain: number;
  /** Whole steps of the fraction passed so far; counted, not summed, so 0.3 is 3 steps of 0.1. */
  private stepsPassed = 0;
  /** Frames of the last plain line, so that `done` does not repeat it. */
  private lastPlainFrames = -1;

  constructor(
    private readonly out: ProgressOutput,
    private readonly options: ProgressBarOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
    this.lastPlain = this.started;
  }

  update(p: ProgressState): void {
    if (this.options.quiet === true) return;
    if (this.out.isTTY === true) {
      this.out.write(`\r${this.line(p)}\x1b[K`);
      return;
    }
    const t = this.now();
    const steps = p.fraction === null ? this.stepsPassed : Math.floor(p.fraction / (this.options.plainStep ?? 0.1) + 1e-9);
    if (steps <= this.stepsPassed && t - this.lastPlain < (this.options.plainEveryMillis ?? 5000)) return;
    this.stepsPassed = Math.max(this.stepsPassed, steps);
    this.lastPlain = t;
    this.lastPlainFrames = p.frames;
    this.out.write(`${this.line(p)}\n`);
  }

  /** Ends the bar with the final state; on a terminal the redrawn line stays, ended by a line break. */
  done(p: ProgressState): void {
    if (this.options.quiet === true) return;
    if (this.out.isTTY === true) this.out.write(`\r${this.line(p)}\x1b[K\n`);
    else if (p.frames !== this.lastPlainFrames) this.out.write(`${this.line(p)}\n`);
  }

  /** One status line: `[#####-----]  50.0%  frames 1,000  rows 900  1,800 rows/s`. */
  line(p: ProgressState): string {
    const seconds = (this.now() - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(p.rows / seconds) : 0;
    const counts = `frames ${count.format(p.frames)}  rows ${count.format(p.rows)}  ${count.format(rate)} rows/s`;
    if (p.fraction === null) return counts;
    const f = Math.min(1, Math.max(0, p.fraction));
    const width = this.options.width ?? 30;
    const full = Math.round(f * width);
    const bar = this.out.isTTY === true ? `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ` : '';
    return `${bar}${(f * 100).toFixed(1).padStart(5)}%  ${counts}`;
  }
}
