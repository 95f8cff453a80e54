/**
 * A small seeded pseudo-random generator (mulberry32): 32 bits of state, period 2^32, good enough for
 * row and feature sampling and fast. The same seed gives the same sequence on every platform.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export function mulberry32(seed: number): Rng {
  // Fold the seed to 32 bits: safe integers beyond 2^32 still give distinct streams for nearby seeds.
  let state = (seed ^ Math.floor(seed / 2 ** 32)) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

/** `k` distinct integers of [0, n), ascending: a partial Fisher–Yates shuffle, then sorted. */
export function sampleIndices(rng: Rng, n: number, k: number): Int32Array {
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, k).sort();
}
