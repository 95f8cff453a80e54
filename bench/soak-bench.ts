import 'reflect-metadata';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { join } from 'node:path';
import { silentLogger } from '../application/ports/logger.ts';
import { paperConfig } from '../composition/config.ts';
import { runPaper, type PaperResult } from '../composition/paper.ts';
import type { RowCounts } from '../application/ports/trading-store.ts';
import type { LoopProgress } from '../application/trading-loop.ts';

/** One sample, at the end of a simulated hour: the heap after a full collection and the resident set, MB. */
export interface SoakSample {
  readonly hour: number;
  readonly heapMb: number;
  readonly rssMb: number;
  readonly wallSeconds: number;
}

/**
 * Where the resident set is, MB: V8's `heapTotal`, `external` and `arrayBuffers` (process.memoryUsage),
 * the size of every WebAssembly memory alive (PGlite's Postgres is the only WebAssembly in a run;
 * `trackWasmMemories` must have been called before it started), and from /proc/self/smaps the resident
 * anonymous memory (malloc's arenas, V8's heap, the WebAssembly memories) and file-backed memory (code).
 */
export interface RssParts {
  readonly heapTotalMb: number;
  readonly externalMb: number;
  readonly arrayBuffersMb: number;
  readonly wasmMb: number;
  readonly anonMb: number;
  readonly fileMb: number;
  /**
   * Of the heap in use, V8's compiled code (`code_space` and `code_large_object_space`, used size): it
   * grows as more of the code's paths get optimized and is bounded by the code, not by the run.
   */
  readonly codeMb: number;
}

/** What this file uses of the WebAssembly API (the project's TypeScript libraries do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Memory: new (descriptor: unknown) => WasmMemory;
  instantiate: (...args: unknown[]) => Promise<unknown>;
  instantiateStreaming: (...args: unknown[]) => Promise<unknown>;
  Instance: new (...args: unknown[]) => { readonly exports: Record<string, unknown> };
  __soakTracked?: boolean;
}

const wasmMemories: WeakRef<WasmMemory>[] = [];

/**
 * Remembers every WebAssembly memory made from now on (created by `new WebAssembly.Memory`, or exported
 * by an instance made by `new WebAssembly.Instance` or `WebAssembly.instantiate`), weakly, so that `rssParts` can read their sizes.
 */
export function trackWasmMemories(): void {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  if (wasm.__soakTracked === true) return;
  wasm.__soakTracked = true;
  const OriginalMemory = wasm.Memory;
  const remember = (m: unknown): void => {
    if (m instanceof OriginalMemory && !wasmMemories.some((r) => r.deref() === m)) wasmMemories.push(new WeakRef(m));
  };
  const OriginalInstance = wasm.Instance;
  const exported = (made: unknown): void => {
    const instance = made instanceof OriginalInstance ? made : (made as { instance?: { exports: Record<string, unknown> } }).instance;
    for (const value of Object.values(instance?.exports ?? {})) remember(value);
  };
  wasm.Memory = new Proxy(OriginalMemory, {
    construct(target, args: [unknown]) {
      const m = new target(...args);
      remember(m);
      return m;
    },
  });
  wasm.Instance = new Proxy(OriginalInstance, {
    construct(target, args: unknown[]) {
      const made = new target(...args);
      exported(made);
      return made;
    },
  });
  const instantiate = wasm.instantiate.bind(wasm);
  wasm.instantiate = async (...args: unknown[]): Promise<unknown> => {
    const made = await instantiate(...args);
    exported(made);
    return made;
  };
  const streaming = wasm.instantiateStreaming.bind(wasm);
  wasm.instantiateStreaming = async (...args: unknown[]): Promise<unknown> => {
    const made = await streaming(...args);
    exported(made);
    return made;
  };
}

/** The parts of the RSS now (Linux; the smaps parts are 0 elsewhere). */
export function rssParts(): RssParts {
  const m = process.memoryUsage();
  let anonKb = 0;
  let fileKb = 0;
  try {
    let anonymous = false;
    for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
      if (head !== null) {
        anonymous = head[1] === '0' && (head[2] === '' || head[2].startsWith('['));
        continue;
      }
      if (!line.startsWith('Rss:')) continue;
      const kb = Number(line.slice(4).trim().split(' ')[0]);
      if (anonymous) anonKb += kb;
      else fileKb += kb;
    }
  } catch {
    // No /proc: the smaps parts stay 0.
  }
  // The regular expression's last match holds a slice of the ~0.8 MB smaps text, and with it the whole
  // text, until another match replaces it: one on a short string, so that the next sample's heap
  // does not count the bench's own reading.
  /x/.exec('x');
  let wasmBytes = 0;
  for (const r of wasmMemories) wasmBytes += r.deref()?.buffer.byteLength ?? 0;
  let codeBytes = 0;
  for (const space of getHeapSpaceStatistics()) if (space.space_name.startsWith('code_')) codeBytes += space.space_used_size;
  return {
    heapTotalMb: m.heapTotal / MB, externalMb: m.external / MB, arrayBuffersMb: m.arrayBuffers / MB,
    wasmMb: wasmBytes / MB, anonMb: anonKb / 1024, fileMb: fileKb / 1024, codeMb: codeBytes / MB,
  };
}

export interface SoakBench {
  readonly hours: number;
  /** Where the run was stored: PGlite on disk, or the store that keeps nothing of the market (`--db none`). */
  readonly store: SoakStore;
  readonly frames: number;
  readonly orders: number;
  readonly fills: number;
  /** The rows the run stored, by kind (null if the store did not finish the run). */
  readonly rows: RowCounts | null;
  readonly samples: readonly (SoakSample & RssParts)[];
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

export type SoakStore = 'pglite' | 'none';

/** One app:paper run of the synthetic market (seed 7) with the smart policy, stored in PGlite at `db` (or in no store). */
function soakRun(db: string, store: SoakStore, hours: number, onProgress: (p: LoopProgress) => void): Promise<PaperResult> {
  const config = {
    ...paperConfig({ source: 'synthetic', seed: '7', duration: `${hours}h`, speed: 'max', db: store === 'none' ? 'none' : `pglite:${db}`, 'log-level': 'silent', policy: 'smart' }, {}),
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

/**
 * The active handles beyond `before` once the run has ended: what closes as the run ends (a socket's
 * close callback, a pending immediate) is given up to 5 s, then the heap is collected and one turn of
 * the event loop passes before they are counted. The turn matters: a collection that finds objects
 * registered with a FinalizationRegistry (PGlite's, onnxruntime's, undici's) makes node queue their
 * cleanup as a native immediate, which `process.getActiveResourcesInfo()` lists as an `Immediate` until
 * the next check phase runs it (the `Immediate` every earlier soak reported, no JavaScript immediate of
 * the run's: an async hook saw none alive).
 */
export async function handlesLeftAfter(before: ReadonlyMap<string, number>, gc: () => void): Promise<string[]> {
  const left = (): string[] => [...countHandles()].filter(([kind, n]) => n > (before.get(kind) ?? 0)).map(([kind, n]) => `${n - (before.get(kind) ?? 0)} ${kind}`);
  for (let i = 0; i < 50 && left().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  return left();
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
export async function benchSoak(hours: number, onSample: (s: SoakSample & RssParts) => void = () => undefined, store: SoakStore = 'pglite'): Promise<SoakBench> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the soak measures the heap after a collection: run node with --expose-gc');
  trackWasmMemories();
  const dir = mkdtempSync(join(tmpdir(), 'ladder-soak-'));
  // A first short run opens what a process opens once (onnxruntime's own files): the soak's run must
  // leave nothing beyond what the process held after it.
  await soakRun(join(dir, 'warm-up'), store, 0.02, () => undefined);
  await new Promise((resolve) => setTimeout(resolve, 200));
  // The hourly lines go to standard output; on a pipe, Node opens it lazily at the first write, with a
  // PipeWrap handle and a descriptor on /dev/null. Opened here, before the count, they are not taken for
  // something the run left behind.
  void process.stdout.writableLength;
  void process.stderr.writableLength;
  const fdsBefore = openFds();
  const handlesBefore = countHandles();
  const started = performance.now();
  const samples: (SoakSample & RssParts)[] = [];
  let first: number | null = null;
  let nextHour = 1;
  try {
    const result = await soakRun(join(dir, 'db'), store, hours, (p) => {
      if (first === null && p.venueMicros > 0) first = p.venueMicros;
      if (first === null || p.venueMicros - first < nextHour * 3_600_000_000) return;
      gc();
      const m = process.memoryUsage();
      const sample = { hour: nextHour, heapMb: m.heapUsed / MB, rssMb: m.rss / MB, wallSeconds: (performance.now() - started) / 1000, ...rssParts() };
      samples.push(sample);
      onSample(sample);
      // SOAK_HEAP_SNAPSHOT_HOURS=2,12: a heap snapshot at those hours, after the collection, to compare what grew.
      if ((process.env.SOAK_HEAP_SNAPSHOT_HOURS ?? '').split(',').includes(String(nextHour))) {
        writeHeapSnapshot(join(tmpdir(), `ladder-soak-${store}-hour${nextHour}.heapsnapshot`));
      }
      nextHour++;
    });
    const handlesLeft = await handlesLeftAfter(handlesBefore, gc);
    const fdsAfter = openFds();
    const points = (key: 'heapMb' | 'rssMb'): [number, number][] => samples.map((s) => [s.hour, s[key]]);
    return {
      hours,
      store,
      frames: result.summary.counters.frames,
      orders: result.summary.orders.orders,
      fills: result.summary.orders.fills,
      rows: result.stored,
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
