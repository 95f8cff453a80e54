import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { root } from './root.ts';

/*
 * Start-up and memory of whole `ladder` processes, as a user starts them (node bin/ladder.js: dist/ when
 * it is up to date, else the sources through tsx), each against a bare `node -e 0` measured in the same
 * run: wall time to --help's exit, to doctor's verdict, to the first frame of a synthetic paper run, and
 * the peak resident set of 10-minute synthetic backtests without and with the embedded store.
 */

export interface Timed {
  /** Median wall time, s. */
  readonly seconds: number;
  /** seconds over the bare `node -e 0`'s. */
  readonly ratio: number;
}

export interface Peak {
  readonly mib: number;
  /** mib over the bare `node -e 0`'s peak. */
  readonly ratio: number;
  readonly seconds: number;
}

export interface StartupFigures {
  /** 'the compiled dist/' or 'the TypeScript sources through tsx', and why. */
  readonly running: string;
  readonly bare: { readonly seconds: number; readonly mib: number };
  readonly help: Timed;
  readonly doctor: Timed;
  readonly firstFrameNoStore: Timed;
  readonly firstFrameStore: Timed;
  readonly backtestNoStore: Peak;
  /** On the embedded store in ./data/ladder, which exists (as for every run but a user's first). */
  readonly backtestStore: Peak;
  /** On an embedded store in a new directory: PGlite's initdb runs first, and costs the most memory. */
  readonly backtestNewStore: Peak;
}

const LADDER = join(root, 'bin/ladder.js');
const PEAK = join(root, 'bench/peak-rss.mjs');

interface Ended {
  readonly seconds: number;
  readonly peakMib: number;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Epoch ms at spawn, for log lines that carry their own time. */
  readonly startedAt: number;
}

/** Runs node with `args` in `cwd`; resolves when it exits, with its wall time and peak RSS. */
async function timed(args: readonly string[], cwd: string, tmp: string, onStderrLine?: (line: string, stop: () => void) => void): Promise<Ended> {
  const peakFile = join(tmp, `peak-${process.hrtime.bigint()}`);
  // Nothing from this shell chooses a store or telemetry for the measured process.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && !k.startsWith('LADDER_') && k !== 'DATABASE_URL'));
  const startedAt = Date.now();
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', PEAK, ...args], { cwd, env: { ...env, PEAK_RSS_FILE: peakFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const lines = createInterface({ input: child.stderr });
  lines.on('line', (line) => {
    stderr += `${line}\n`;
    onStderrLine?.(line, () => child.kill('SIGTERM'));
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const seconds = (performance.now() - started) / 1000;
  const peakMib = Number(readFileSync(peakFile, 'utf8')) / 1024;
  return { seconds, peakMib, code, stdout, stderr, startedAt };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function repeat(times: number, once: () => Promise<number>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < times; i++) xs.push(await once());
  return median(xs);
}

/**
 * Seconds from the spawn of a synthetic paper run to its first frame: the "book LIVE" log line, which
 * the book logs as it applies the first snapshot, the market's first frame; its own time is taken, as
 * log output may be flushed later. The run is stopped (SIGTERM) once the line is seen.
 */
async function firstFrame(db: string, cwd: string, tmp: string): Promise<number> {
  let at: number | null = null;
  const ended = await timed(
    [LADDER, 'paper', '--source', 'synthetic', '--duration', '60s', '--db', db, '--no-dashboard', '--log-level', 'info'],
    cwd,
    tmp,
    (line, stop) => {
      if (at !== null || !line.includes('book LIVE')) return;
      const time = /"time":(\d+)/.exec(line);
      at = time === null ? Date.now() : Number(time[1]);
      stop();
    },
  );
  if (at === null) throw new Error(`the paper run (--db ${db}) logged no "book LIVE" line (exit ${ended.code}): ${ended.stderr.slice(-400)}`);
  return (at - ended.startedAt) / 1000;
}

export async function benchStartup(options: { readonly repeats?: number; readonly backtestDuration?: string } = {}): Promise<StartupFigures> {
  const repeats = options.repeats ?? 5;
  const duration = options.backtestDuration ?? '10m';
  const tmp = mkdtempSync(join(tmpdir(), 'ladder-startup-'));
  try {
    const running = /running ([^\n]*)/.exec((await timedDebug(tmp)).stderr)?.[1] ?? 'unknown';

    const bareRuns: Ended[] = [];
    const bareSeconds = await repeat(repeats, async () => {
      const e = await timed(['-e', '0'], tmp, tmp);
      bareRuns.push(e);
      return e.seconds;
    });
    const bareMib = median(bareRuns.map((e) => e.peakMib));
    const vsBare = (seconds: number): Timed => ({ seconds, ratio: seconds / bareSeconds });

    const help = await repeat(repeats, async () => (await timed([LADDER, '--help'], tmp, tmp)).seconds);

    // doctor of the default command (Bybit's stream, the embedded store in ./data/ladder) with every
    // network address a closed local port: nothing is reached. The verdict is its last line, printed
    // as it exits. `ladder db migrate` creates the store first (doctor does not); the measured runs find
    // it, migrated, as a user's would after a first run.
    const closed = ['--url', 'ws://127.0.0.1:9', '--rest-url', 'http://127.0.0.1:9'];
    const created = await timed([LADDER, 'db', 'migrate', '--db', 'pglite:./data/ladder'], tmp, tmp);
    if (created.code !== 0) throw new Error(`ladder db migrate failed (exit ${created.code}): ${created.stderr.slice(-400)}`);
    const doctor = await repeat(Math.min(repeats, 3), async () => {
      const e = await timed([LADDER, 'doctor', ...closed], tmp, tmp);
      if (!/\n[^\n]*(can run|cannot run|nothing to fix)[^\n]*\n?$/.test(e.stdout)) throw new Error(`doctor gave no verdict (exit ${e.code}): ${e.stdout.slice(-300)}${e.stderr.slice(-300)}`);
      return e.seconds;
    });

    const firstFrameNoStore = await repeat(Math.min(repeats, 3), () => firstFrame('none', tmp, tmp));
    // The embedded store the default `npm run app:paper` uses, created above.
    const firstFrameStore = await repeat(Math.min(repeats, 3), () => firstFrame('pglite:./data/ladder', tmp, tmp));

    const backtest = async (db: string): Promise<Peak> => {
      const e = await timed([LADDER, 'backtest', '--source', 'synthetic', '--seed', '7', '--duration', duration, '--db', db, '--quiet'], tmp, tmp);
      if (e.code !== 0) throw new Error(`the ${duration} backtest (--db ${db}) failed (exit ${e.code}): ${e.stderr.slice(-400)}`);
      return { mib: e.peakMib, ratio: e.peakMib / bareMib, seconds: e.seconds };
    };
    const backtestNoStore = await backtest('none');
    const backtestStore = await backtest('pglite:./data/ladder');
    const backtestNewStore = await backtest(`pglite:${join(tmp, 'new-store')}`);

    return {
      running,
      bare: { seconds: bareSeconds, mib: bareMib },
      help: vsBare(help),
      doctor: vsBare(doctor),
      firstFrameNoStore: vsBare(firstFrameNoStore),
      firstFrameStore: vsBare(firstFrameStore),
      backtestNoStore,
      backtestStore,
      backtestNewStore,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** `ladder --version` with LADDER_DEBUG=1, which says whether dist/ or the sources run. */
function timedDebug(tmp: string): Promise<{ stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LADDER, '--version'], { cwd: tmp, env: { ...process.env, LADDER_DEBUG: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', () => resolve({ stderr }));
  });
}
