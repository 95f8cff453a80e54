import 'reflect-metadata';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../application/ports/logger.ts';
import { paperConfig } from '../composition/config.ts';
import { runPaper, type PaperResult } from '../composition/paper.ts';
import type { LoopProgress } from '../application/trading-loop.ts';

/** One sample, at the end of a simulated hour: the heap after a full collection and the resident set, MB. */
export interface SoakSample {
  readonly hour: number;
  readonly heapMb: number;
  readonly rssMb: number;
  readonly wallSeconds: number;
}

export interface SoakBench {
  readonly hours: number;
  readonly frames: number;
  readonly orders: number;
  readonly fills: number;
  readonly samples: readonly SoakSample[];
  /** Least-squares slope over the hourly samples from hour 1 on, MB an hour. */
  readonly heapSlopeMbPerHour: number;
  readonly rssSlopeMbPerHour: number;
  /** Heap at the last hour over heap at hour 1. */
  readonly heapLastOverFirst: number;
  /** Open file descriptors and active handles (timers, sockets…) after the run, beyond those before it. */
  readonly fdsLeft: readonly string[];
  readonly handlesLeft: readonly string[];
  readonly wallSeconds: number;
}

const MB = 1024 * 1024;

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxy / sxx;
}

/** One app:paper run of the synthetic market (seed 7) with the smart policy, stored in PGlite at `db`. */
function soakRun(db: string, hours: number, onProgress: (p: LoopProgress) => void): Promise<PaperResult> {
  const config = {
    ...paperConfig({ source: 'synthetic', seed: '7', duration: `${hours}h`, speed: 'max', db: `pglite:${db}`, 'log-level': 'silent', policy: 'smart' }, {}),
    storeMarketData: false,
  };
  return runPaper(config, { logger: silentLogger, env: {}, mode: 'paper', onKill: () => () => undefined, onProgress });
}

/** Active handles and requests (timers, immediates, sockets, file requests) by kind. */
export function countHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** The process's open file descriptors and what they are (Linux), empty elsewhere. */
export const openFds = (): Map<string, string> => {
  const fds = new Map<string, string>();
  try {
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        fds.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
      } catch {
        // Closed between the listing and the read (the listing's own descriptor).
      }
    }
  } catch {
    // No /proc: nothing to compare.
  }
  return fds;
};

/**
 * `hours` of the synthetic market at full speed through app:paper (runPaper, mode paper) with the
 * smart policy and the default model, the run stored in a PGlite database on disk (the ledger: signals,
 * orders, fills, risk, equity; no market rows). At every simulated hour the heap is measured after a
 * full collection (the process must run with --expose-gc) along with the RSS. At the end, the file
 * descriptors and active handles left beyond those before the run are counted.
 */
export async function benchSoak(hours: number, onSample: (s: SoakSample) => void = () => undefined): Promise<SoakBench> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the soak measures the heap after a collection: run node with --expose-gc');
  const dir = mkdtempSync(join(tmpdir(), 'ladder-soak-'));
  // A first short run opens what a process opens once (onnxruntime's own files): the soak's run must
  // leave nothing beyond what the process held after it.
  await soakRun(join(dir, 'warm-up'), 0.02, () => undefined);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const fdsBefore = openFds();
  const handlesBefore = countHandles();
  const started = performance.now();
  const samples: SoakSample[] = [];
  let first: number | null = null;
  let nextHour = 1;
  try {
    const result = await soakRun(join(dir, 'db'), hours, (p) => {
      if (first === null && p.venueMicros > 0) first = p.venueMicros;
      if (first === null || p.venueMicros - first < nextHour * 3_600_000_000) return;
      gc();
      const m = process.memoryUsage();
      const sample = { hour: nextHour, heapMb: m.heapUsed / MB, rssMb: m.rss / MB, wallSeconds: (performance.now() - started) / 1000 };
      samples.push(sample);
      onSample(sample);
      nextHour++;
    });
    // What closes as the run ends (a socket's close callback, a pending immediate) is given up to 5 s.
    const left = (): string[] => [...countHandles()].filter(([kind, n]) => n > (handlesBefore.get(kind) ?? 0)).map(([kind, n]) => `${n - (handlesBefore.get(kind) ?? 0)} ${kind}`);
    for (let i = 0; i < 50 && left().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    gc();
    const fdsAfter = openFds();
    const handlesLeft = left();
    const points = (key: 'heapMb' | 'rssMb'): [number, number][] => samples.map((s) => [s.hour, s[key]]);
    return {
      hours,
      frames: result.summary.counters.frames,
      orders: result.summary.orders.orders,
      fills: result.summary.orders.fills,
      samples,
      heapSlopeMbPerHour: slope(points('heapMb')),
      rssSlopeMbPerHour: slope(points('rssMb')),
      heapLastOverFirst: samples.length < 2 ? 1 : samples[samples.length - 1].heapMb / samples[0].heapMb,
      fdsLeft: [...fdsAfter].filter(([fd, target]) => fdsBefore.get(fd) !== target).map(([fd, target]) => `${fd} → ${target}`),
      handlesLeft,
      wallSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
