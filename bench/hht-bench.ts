import { HhtFeatures } from '../domain/features/hht/hht-features.ts';

export interface HhtBenchResult {
  /** Median milliseconds of one `HhtFeatures.compute` on a 1,024-sample window (goal ≤ 2 ms). */
  readonly medianMs: number;
  /** 99th percentile of the same. */
  readonly p99Ms: number;
}

const WINDOW = 1024;
const WARMUP = 200;
const REPETITIONS = 2000;

/**
 * Times the Hilbert–Huang features (EMD, then the analytic signal of the first three IMFs) on a
 * 1,024-sample random walk of integer ticks around 1e6, the size of a 102-second window of the mid
 * sampled every 100 ms. A seeded generator makes the window the same on every run; each repetition
 * is timed on its own.
 */
export function benchHht(): HhtBenchResult {
  let seed = 20_260_101;
  const next = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const window = new Float64Array(WINDOW);
  let p = 1_000_000;
  for (let t = 0; t < WINDOW; t++) {
    p += Math.round((next() - 0.5) * 4);
    window[t] = p;
  }
  const hht = new HhtFeatures(WINDOW);
  const out = new Float64Array(hht.schema.names.length);
  let sink = 0;
  for (let i = 0; i < WARMUP; i++) sink += hht.compute(window, out)[6];
  const times = new Float64Array(REPETITIONS);
  for (let i = 0; i < REPETITIONS; i++) {
    const start = performance.now();
    sink += hht.compute(window, out)[6];
    times[i] = performance.now() - start;
  }
  // Keeps the work observable so that it cannot be optimised away.
  if (Number.isNaN(sink)) throw new Error('benchHht: a feature came out NaN');
  times.sort();
  return { medianMs: times[REPETITIONS >> 1], p99Ms: times[Math.floor(REPETITIONS * 0.99)] };
}
