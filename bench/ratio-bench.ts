import 'reflect-metadata';
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';
import { configForInputs, replayInputs } from '../composition/inputs.ts';
import { silentLogger } from '../application/ports/logger.ts';
import { SyntheticStream } from '../adapters/synthetic/synthetic-stream.ts';
import { paperConfig } from '../composition/config.ts';
import { runPaper } from '../composition/paper.ts';
import type { LoopProgress } from '../application/trading-loop.ts';

/**
 * Rates are frames per second of this process's CPU time (user + system): on a machine shared with
 * other work, wall time measures the neighbours as much as the code; CPU time does much less so.
 */
export interface RatioBench {
  /** The store the run wrote to: `none` (the MemoryStore of a run that keeps nothing) or `pglite:memory` (the embedded database, in memory). */
  readonly db: RatioStore;
  readonly frames: number;
  /** The whole backtest path over the file (read, decode, book, features, model, execution, simulator, risk, writer), while the loop runs. */
  readonly pathFramesPerSec: number;
  /** The same, over the whole `ladder backtest` run: start-up (store, migrations, model) and the closing flush included. */
  readonly runFramesPerSec: number;
  /** JSON.parse alone over the same frame texts. */
  readonly jsonParsePerSec: number;
  /** pathFramesPerSec / jsonParsePerSec. */
  readonly ratio: number;
  /** The loop's frames a second of wall time, for reference. */
  readonly pathWallFramesPerSec: number;
  readonly orders: number;
  readonly fills: number;
}

/** This process's CPU time so far, seconds (user + system). */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Writes `minutes` of the synthetic market as `ladder synth --seed S --duration Xm` writes it: the
 * frames `--source synthetic --seed S` plays (SyntheticStream, the one definition of the stream), each
 * with its receive time, a line each (`<receive µs> <frame>`). A backtest of the file is a backtest of
 * that source. Returns how many frames it wrote.
 */
export async function writeSyntheticFile(path: string, seed: number, minutes: number): Promise<number> {
  const stream = new SyntheticStream({ market: { seed, depth: 50 }, durationMs: minutes * 60_000 });
  const out = createWriteStream(path);
  let frames = 0;
  let chunk: string[] = [];
  while (!stream.done) {
    for (const frame of stream.step()) {
      chunk.push(`${frame.recvTime} ${frame.text}`);
      frames++;
    }
    if (chunk.length >= 4096) {
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(`${chunk.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
  return frames;
}

/**
 * JSON.parse over every frame text of recorded files (gzip or not; the receive time before the first
 * space left out), frames a second; the better of two passes.
 */
export function jsonParseRate(paths: readonly string[]): { frames: number; perSec: number } {
  const texts = paths.flatMap((path) => {
    const bytes = readFileSync(path);
    const text = (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    return text.split('\n').filter((l) => l.length > 0).map((l) => {
      const space = l.indexOf(' ');
      return space > 0 && space < 24 && /^\d+$/.test(l.slice(0, space)) ? l.slice(space + 1) : l;
    });
  });
  let best = 0;
  let sink = 0;
  for (let pass = 0; pass < 2; pass++) {
    const started = cpuSeconds();
    for (const t of texts) sink += (JSON.parse(t) as { ts?: number }).ts === undefined ? 0 : 1;
    best = Math.max(best, texts.length / (cpuSeconds() - started));
  }
  if (sink < 0) throw new Error('unreachable');
  return { frames: texts.length, perSec: best };
}

/**
 * The stores a ratio is measured with. `none` is what a backtest that keeps nothing runs with
 * (`--db none`, adapters/memory/memory-store.ts: the rows its summary and report read, in the
 * process), and the ratio the goal is judged on; `pglite:memory` is the embedded database in
 * memory, printed beside it so that nobody takes the one figure for the other: every signal, order
 * event, fill and snapshot row then goes through PGlite's SQL.
 */
export type RatioStore = 'none' | 'pglite:memory';

/**
 * The whole backtest path over recorded files as `ladder backtest --input FILE… --policy smart --db
 * STORE` runs it (app:paper's composition, the default model, the simulated exchange, no market
 * rows), then JSON.parse over the same frames, in this one process.
 */
export async function benchRatio(paths: readonly string[], db: RatioStore = 'none'): Promise<RatioBench> {
  const inputs = replayInputs(paths);
  const given = {
    ...paperConfig({ input: paths[0], speed: 'max', db, 'log-level': 'silent', policy: 'smart' }, {}),
    storeMarketData: false,
  };
  const config = configForInputs(given, inputs, {});
  const started = cpuSeconds();
  // The loop's own CPU time: from its first progress report to its last (every 4,096 events).
  let first: { frames: number; cpu: number } | null = null;
  let last: { frames: number; cpu: number } | null = null;
  const onProgress = (p: LoopProgress): void => {
    const at = { frames: p.frames, cpu: cpuSeconds() };
    if (first === null) first = at;
    last = at;
  };
  const result = await runPaper(config, { logger: silentLogger, env: {}, mode: 'backtest', onProgress });
  const runSeconds = cpuSeconds() - started;
  const frames = result.summary.counters.frames;
  const a = first as { frames: number; cpu: number } | null;
  const b = last as { frames: number; cpu: number } | null;
  const pathFramesPerSec = a === null || b === null || b.cpu <= a.cpu ? NaN : (b.frames - a.frames) / (b.cpu - a.cpu);
  // JSON.parse after the path, not before: its frame texts (the whole file as strings, some hundred MB
  // for the hour) would otherwise be the heap the path starts in, which a user's backtest never has.
  const parse = jsonParseRate(paths);
  return {
    db,
    frames,
    pathFramesPerSec,
    pathWallFramesPerSec: frames / (result.summary.elapsedMicros / 1e6),
    runFramesPerSec: frames / runSeconds,
    jsonParsePerSec: parse.perSec,
    ratio: pathFramesPerSec / parse.perSec,
    orders: result.summary.orders.orders,
    fills: result.summary.orders.fills,
  };
}
